"""Labels in English or Bahasa Indonesia for tables, workbook headers and plots.

The words are data (``data/labels.yaml``): a column key maps to ``{en: ..., id: ...}``.
A key without an entry keeps its own name, so new columns never break a table.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Lang = Literal["en", "id"]
LANGS: tuple[str, ...] = ("en", "id")


@lru_cache(maxsize=1)
def table() -> dict[str, dict[str, dict[str, str]]]:
    """The packaged labels table: ``{"columns": ..., "sheets": ..., "words": ...}``."""
    import yaml  # here, not at the top: a command's --help should not pay for it

    text = resources.files("premium_alloc").joinpath("data/labels.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {section: {str(k): {str(lk): str(lv) for lk, lv in v.items()} for k, v in entries.items()} for section, entries in data.items()}


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a known language, else raise ``ValueError``."""
    if lang not in LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def label(key: str, lang: str = "en", section: str = "columns") -> str:
    """The label of ``key`` in ``lang`` (``key`` itself when the table has no entry)."""
    check_lang(lang)
    return table().get(section, {}).get(key, {}).get(lang, key)


def word(key: str, lang: str = "en") -> str:
    """A word or phrase of the ``words`` section (titles, axes, reasons)."""
    return label(key, lang, "words")


def sheet(key: str, lang: str = "en") -> str:
    """A workbook sheet name (at most 31 characters, as Excel requires)."""
    return label(key, lang, "sheets")[:31]


def relabel(df: pd.DataFrame, lang: str | None = "en") -> pd.DataFrame:
    """A copy of ``df`` with its columns (and index name) in ``lang`` (``None``: unchanged keys)."""
    if lang is None:
        return df
    check_lang(lang)
    out = df.rename(columns={c: label(str(c), lang) for c in df.columns})
    if out.index.name is not None:
        out.index.name = label(str(out.index.name), lang)
    return out


def reverse(section: str = "columns") -> dict[str, str]:
    """Every label of ``section`` in any language (lower case), mapped back to its key."""
    out: dict[str, str] = {}
    for key, names in table().get(section, {}).items():
        out[key.lower()] = key
        for name in names.values():
            out.setdefault(name.strip().lower(), key)
    return out


@lru_cache(maxsize=1)
def _switch_words() -> dict[str, bool]:
    out: dict[str, bool] = {}
    for key, value in (("on", True), ("off", False)):
        for words in table().get("switch", {}).get(key, {}).values():
            out.update({w.strip().lower(): value for w in words.split(",") if w.strip()})
    return out


def switch(value: Any) -> bool | None:
    """A yes/no word (``yes``, ``ya``, ``on``, ``tidak``, ``0``, ...; ``data/labels.yaml`` ``switch:``) as a bool.

    Parameters
    ----------
    value : str, bool or number
        What the planner typed; a bool is returned as it is.

    Returns
    -------
    bool or None
        ``None`` when ``value`` is no switch word in either language (the caller refuses it).
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _switch_words().get(str(value).strip().lower())


def translate_reason(reason: Any, lang: str = "en") -> str:
    """A reason code (``no_source``, ``budget_exhausted``, ...) in plain words."""
    return word(str(reason), lang)
