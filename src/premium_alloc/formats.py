"""Numbers as a person reads them: counts and rupiah, one formatter per language.

``id`` writes 5.894 and Rp608.395.200; ``en`` writes 5,894 and Rp608,395,200.
"""

from __future__ import annotations

from .labels import check_lang

__all__ = ["count", "rupiah"]

_THOUSANDS = {"id": ".", "en": ","}


def count(n: int, lang: str = "en") -> str:
    """A whole number with the thousands separator of ``lang``."""
    text = f"{int(n):,}"
    return text if check_lang(lang) == "en" else text.replace(",", _THOUSANDS[lang])


def rupiah(amount: int, lang: str = "id") -> str:
    """Whole rupiah: ``Rp1.234.567`` (``id``) or ``Rp1,234,567`` (``en``)."""
    return "Rp" + count(amount, lang)
