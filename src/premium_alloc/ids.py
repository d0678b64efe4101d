"""Identifiers as typed by people: one normal form, and the characters no id may hold.

Every id (village, source and phase ids, the villages and phases they name, worker IDs / NIK)
is compared in one form: Unicode NFC with surrounding whitespace removed. An id holding an
invisible character (zero-width space, no-break space, soft hyphen, a control character...)
is refused, since two ids that look the same must be the same; and two ids that differ only
in case are one id typed twice (a duplicate), never two villages or two people.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from typing import Any

__all__ = ["clean", "clean_all", "fold_all", "invisible", "shown"]

# Cc control, Cf format (zero-width space/joiners, BOM, bidi marks), Zs other than the plain
# space (no-break space, thin spaces...), Zl/Zp separators, Co private use, Cn unassigned.
_INVISIBLE_CATEGORIES = {"Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn", "Cs"}
_ASCII_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")  # not \n: the separator of the bulk checks


def clean(text: str) -> str:
    """``text`` in NFC with surrounding whitespace removed (the form every id is compared in)."""
    if text.isascii():
        return text.strip()
    return unicodedata.normalize("NFC", text).strip()


def invisible(text: str) -> str | None:
    """The first invisible character of ``text`` as ``U+200B (ZERO WIDTH SPACE)``, or ``None``."""
    if text.isascii():
        m = _ASCII_CONTROL.search(text) or (re.search("\n", text))
        return None if m is None else _describe(m.group(0))
    for ch in text:
        if ch != " " and unicodedata.category(ch) in _INVISIBLE_CATEGORIES:
            return _describe(ch)
    return None


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X} ({unicodedata.name(ch, 'a control character')})"


def clean_all(values: Sequence[Any]) -> tuple[list[Any], list[int]]:
    """:func:`clean` of every str in ``values`` and the positions holding an invisible character.

    In bulk: when all the text is ASCII (NIKs, Kemendagri codes) one scan of the joined text
    decides, with no Python work per value.
    """
    vals = list(values)
    try:
        joined = "\n".join(vals)
    except TypeError:
        joined = None
    if joined is not None and joined.isascii() and joined.count("\n") == max(len(vals) - 1, 0) and not _ASCII_CONTROL.search(joined):
        # ASCII without control characters: only a plain space can surround a value
        if " \n" not in joined and "\n " not in joined and not joined.startswith(" ") and not joined.endswith(" "):
            return vals, []
        return [v.strip() for v in vals], []
    out: list[Any] = []
    bad: list[int] = []
    for i, v in enumerate(vals):
        if isinstance(v, str):
            c = clean(v)
            if invisible(c) is not None:
                bad.append(i)
            out.append(c)
        else:
            out.append(v)
    return out, bad


def fold_all(values: Sequence[str]) -> list[str]:
    """Case-folded ids, to find those that differ only in case (one C-level pass for ASCII text)."""
    vals = values if isinstance(values, list) else list(values)
    try:
        joined = "\n".join(vals)
    except TypeError:
        vals = [v if isinstance(v, str) else str(v) for v in vals]
        joined = "\n".join(vals)
    if joined.isascii() and joined.count("\n") == max(len(vals) - 1, 0):
        return joined.lower().split("\n") if vals else []
    return [v.casefold() for v in vals]


_WORDS = re.compile(r"[^\W\d_]+\s+[^\W\d_]+")  # two words of letters: perhaps a person's name


def shown(value: Any, private: Collection[str] = (), limit: int = 40) -> str:
    """A value fit for a message: never an ID (12+ digits: masked) nor what may be a name (not shown).

    Numbers are shown as they are (a budget is no ID); text and lists are checked. ``private``
    holds values known to be names (cells of a name column), never shown.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        return repr(value)
    text = value if isinstance(value, str) else repr(value)
    if sum(ch.isdigit() for ch in text) >= 12:
        head = text[:6] if isinstance(value, str) else ""
        return repr(head + "*" * max(len(text) - len(head), 0))[: limit + 2] + " (masked: it looks like an ID)"
    pieces = [text] if isinstance(value, str) else re.findall(r"'([^']*)'", text)
    if text.strip() in private or any(_WORDS.search(p) for p in pieces):
        return "(value not shown: it may be a name)"
    out = repr(value) if isinstance(value, str) else text
    return out if len(out) <= limit else out[: limit - 3] + "..."
