"""Numbers as a person reads and types them: counts and rupiah, one formatter per language.

``id`` writes 5.894 and Rp608.395.200; ``en`` writes 5,894 and Rp608,395,200. Narrow tables
use :func:`compact` (``Rp1,18 M`` / ``Rp1.18 bn``). :func:`parse_money` is the one reader of
typed amounts, for workbooks, scenario files and the command line.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .labels import check_lang

__all__ = ["MoneyError", "compact", "count", "decimal", "parse_money", "percent", "rupiah"]

_THOUSANDS = {"id": ".", "en": ","}
_DECIMAL = {"id": ",", "en": "."}


def count(n: int, lang: str = "en") -> str:
    """A whole number with the thousands separator of ``lang``.

    Parameters
    ----------
    n : int
        The number.
    lang : str
        ``en`` or ``id``.

    Returns
    -------
    str
        ``1.234`` (``id``) or ``1,234`` (``en``).
    """
    text = f"{int(n):,}"
    return text if check_lang(lang) == "en" else text.replace(",", _THOUSANDS[lang])


def decimal(x: float, digits: int = 1, lang: str = "en") -> str:
    """A number with ``digits`` decimals, separators of ``lang`` (``1.234,5`` / ``1,234.5``).

    Parameters
    ----------
    x : float
        The number.
    digits : int
        Decimals.
    lang : str
        ``en`` or ``id``.

    Returns
    -------
    str
        The formatted number.
    """
    text = f"{float(x):,.{digits}f}"
    if check_lang(lang) == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(x: float, digits: int = 1, lang: str = "en") -> str:
    """A share as a percentage: ``12,5%`` (``id``) or ``12.5%`` (``en``).

    Parameters
    ----------
    x : float
        A share (0.125 for 12.5%).
    digits : int
        Decimals.
    lang : str
        ``en`` or ``id``.

    Returns
    -------
    str
        The formatted percentage.
    """
    return decimal(100 * float(x), digits, lang) + "%"


def rupiah(amount: int, lang: str = "id") -> str:
    """Whole rupiah: ``Rp1.234.567`` (``id``) or ``Rp1,234,567`` (``en``).

    Parameters
    ----------
    amount : int
        Whole rupiah.
    lang : str
        ``en`` or ``id``.

    Returns
    -------
    str
        The formatted amount.
    """
    amount = int(amount)
    return ("-" if amount < 0 else "") + "Rp" + count(abs(amount), lang)


#: Units of :func:`compact`, largest first: (factor, id, en).
_COMPACT = ((10**12, "T", "tn"), (10**9, "M", "bn"), (10**6, "jt", "mn"))


def compact(amount: int, lang: str = "en", digits: int = 2) -> str:
    """Rupiah in a short unit for narrow tables: ``Rp1,18 M`` / ``Rp1.18 bn``, ``Rp250 jt`` / ``Rp250 mn``.

    Amounts below a million are written in full. The full figure belongs in JSON and workbooks.

    Parameters
    ----------
    amount : int
        Whole rupiah.
    lang : str
        ``en`` or ``id``.
    digits : int
        Decimals below 10 units (one from 10, none from 100; trailing zeros dropped).

    Returns
    -------
    str
        The amount in a short unit.
    """
    check_lang(lang)
    amount = int(amount)
    sign, a = ("-" if amount < 0 else ""), abs(amount)
    for factor, id_unit, en_unit in _COMPACT:
        if a >= factor:
            value = a / factor
            d = 0 if value >= 100 else (1 if value >= 10 else digits)
            text = decimal(value, d, lang)
            if "," in text or "." in text:
                text = text.rstrip("0").rstrip(",.") if d else text
            return f"{sign}Rp{text} {id_unit if lang == 'id' else en_unit}"
    return sign + rupiah(a, lang)


# --------------------------------------------------------------------------- reading


class MoneyError(ValueError):
    """A typed amount that is not a whole number of rupiah; ``reason`` says why, with a hint."""

    def __init__(self, value: object, reason: str) -> None:
        self.value, self.reason = value, reason
        text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        super().__init__(f"{text} {reason}")


#: Unit words after a number, as planners type them. ``M`` is *miliar* (Indonesian budget
#: documents write Rp1,5 M for 1.5 billion); a million is ``jt``/``juta``/``mn``/``million``.
_UNITS = {
    "": 1,
    "rb": 10**3, "ribu": 10**3, "k": 10**3, "rbu": 10**3,
    "jt": 10**6, "juta": 10**6, "mn": 10**6, "mio": 10**6, "million": 10**6, "jta": 10**6,
    "m": 10**9, "miliar": 10**9, "milyar": 10**9, "bn": 10**9, "b": 10**9, "billion": 10**9,
    "t": 10**12, "triliun": 10**12, "trilyun": 10**12, "tn": 10**12, "trillion": 10**12,
}
_AMOUNT = re.compile(r"^\s*(?:rp\.?|idr)?\s*([+-]?[\d.,_ ]*\d(?:[eE][+-]?\d+)?)\s*([a-z]*)\.?\s*(?:,-|,00|\.00)?\s*$", re.IGNORECASE)
HINT = "write whole rupiah, e.g. 25000000, Rp 25.000.000, 25jt, 2,5 M (miliar) or 2.5e9"


def _number(num: str, unit: int) -> Decimal:
    num = num.replace("_", "").replace(" ", "")
    if "e" in num.lower():
        return Decimal(num.replace(",", ""))
    dots, commas = num.count("."), num.count(",")
    if dots and commas:  # 1.234.567,5 or 1,234,567.5: the last mark is the decimal one
        dec = "," if num.rfind(",") > num.rfind(".") else "."
        thou = "." if dec == "," else ","
        head, _, tail = num.rpartition(dec)
        if thou in tail or not _grouped(head, thou):
            raise InvalidOperation
        return Decimal(head.replace(thou, "") + "." + tail)
    mark = "." if dots else ("," if commas else "")
    if not mark:
        return Decimal(num)
    if num.count(mark) > 1:  # thousands separators only: 25.000.000
        if not _grouped(num, mark):
            raise InvalidOperation
        return Decimal(num.replace(mark, ""))
    head, _, tail = num.partition(mark)
    if unit == 1 and len(tail) == 3 and head.lstrip("+-"):  # 2.000 / 2,000: a thousands mark
        return Decimal(head + tail)
    return Decimal(f"{head}.{tail}")  # 2,5 M / 2.5jt: a decimal mark


def _grouped(num: str, mark: str) -> bool:
    groups = num.lstrip("+-").split(mark)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def parse_money(value: object, *, negative: bool = False) -> int:
    """Whole rupiah from a number or from text as planners type it.

    Accepts ``25000000``, ``Rp 25.000.000``, ``Rp25.000.000,-``, ``25,000,000``, ``25jt``,
    ``250 juta``, ``2,5 M`` / ``2,5 miliar`` / ``2.5bn``, ``2.5e9``, ``2_000_000_000``.
    Raises :class:`MoneyError` (a ``ValueError``) with a hint otherwise, and for fractions
    of a rupiah, booleans and (unless ``negative``) negative amounts.

    Parameters
    ----------
    value : object
        A number, or text as typed (``2e9``, ``500jt``, ``Rp1,5 miliar``).
    negative : bool
        Allow a negative amount (a cut).

    Returns
    -------
    int
        Whole rupiah; raises :class:`MoneyError` (a ``ValueError``) otherwise.
    """
    bad = f"is not an amount of rupiah ({HINT})"
    if isinstance(value, bool) or value is None:
        raise MoneyError(value, bad)
    if isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise MoneyError(value, bad)
        amount = Decimal(str(value))
    elif isinstance(value, Decimal):
        amount = value
    else:
        text = str(value)
        m = _AMOUNT.match(text)
        unit = _UNITS.get(m.group(2).lower()) if m else None
        if m is None or unit is None:
            raise MoneyError(value, bad)
        try:
            amount = _number(m.group(1), unit) * unit
        except (InvalidOperation, ValueError):
            raise MoneyError(value, bad) from None
    if amount != amount.to_integral_value():
        raise MoneyError(value, f"is not a whole number of rupiah ({HINT})")
    if amount < 0 and not negative:
        raise MoneyError(value, "is negative")
    return int(amount)
