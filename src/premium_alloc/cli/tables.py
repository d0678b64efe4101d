"""Terminal tables: a DataFrame as a rich table, numbers formatted in the chosen language and right-aligned.

Money is written in full (``Rp608.395.200``) when the table fits the terminal, and in a compact
unit (``Rp608 jt`` / ``Rp608 mn``, ``Rp1,18 M`` / ``Rp1.18 bn``) when it would not; the full
figure is always in the JSON, CSV and workbook outputs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..formats import compact, count, decimal, percent, rupiah
from ..labels import label, term, word
from .app import out

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["cell", "print_frame"]

#: columns whose values are words of the labels data (a reason code, a status)
_WORD_COLUMNS = ("reason", "status")


def _plain(v: Any) -> Any:
    return v.item() if hasattr(v, "item") else v


def _numeric(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def cell(key: str, v: Any, lang: str = "en", *, short: bool = False) -> str:
    """One value as a person reads it in ``lang`` (``short``: compact money)."""
    v = _plain(v)
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if (key.endswith("_idr") or key in ("budget", "income")) and _numeric(v):
        return compact(int(v), lang) if short else rupiah(int(v), lang)
    if key == "gap" and isinstance(v, float):
        return percent(v, 3, lang)
    if key.endswith("_share") and isinstance(v, float):
        return percent(v, 1, lang)
    if isinstance(v, bool):
        return word("yes" if v else "no", lang)
    if isinstance(v, int):
        return count(v, lang)
    if isinstance(v, float):
        return count(int(v), lang) if v.is_integer() and abs(v) >= 1000 else decimal(v, 1, lang)
    if key in _WORD_COLUMNS and isinstance(v, str):
        return word(_word_key(v) or v, lang)
    if key in ("priority", "sector", "kind") and isinstance(v, str):
        return term(key, v, lang)
    return str(v)


def _numeric_col(df: pd.DataFrame, j: int) -> bool:
    """Whether column ``j`` of ``df`` holds numbers (then it is no key to repeat)."""
    if j >= len(df.columns) or not len(df):
        return True
    v = _plain(df.iloc[0, j])
    return _numeric(v)


_EN_WORDS: dict[str, str] = {}


def _word_key(text: str) -> str | None:
    """The words key whose English text is ``text`` (a reason already written in English)."""
    if not _EN_WORDS:
        from ..labels import table

        _EN_WORDS.update({v.get("en", ""): k for k, v in table().get("words", {}).items()})
    return _EN_WORDS.get(text)


def print_frame(df: pd.DataFrame, title: str, lang: str = "en", *, index: bool = False, transpose: bool = False) -> None:
    """Print a DataFrame as a rich table: labels in ``lang``, numbers right-aligned, money compact when narrow."""

    def build(short: bool) -> tuple[list[tuple[str, bool]], list[list[str]]]:
        if transpose:
            names = [str(n) for n in df.index]
            heads = [(label(str(df.index.name or ""), lang), False)] + [(n, True) for n in names]
            rows = [[label(str(c), lang), *[cell(str(c), v, lang, short=short) for v in df[c].tolist()]] for c in df.columns]
            return heads, rows
        keys = ([str(df.index.name or "")] if index else []) + [str(c) for c in df.columns]
        right: list[bool] = []
        for j, k in enumerate(keys):
            if index and j == 0:
                right.append(False)
                continue
            col = df[k].dropna() if k in df.columns else None  # the first value given decides (a blank says nothing)
            right.append(bool(col is not None and len(col) and _numeric(_plain(col.iloc[0]))))
        heads = [(label(k, lang), r) for k, r in zip(keys, right)]
        rows = []
        for idx, rec in zip(df.index, df.itertuples(index=False)):
            vals = [cell(k, v, lang, short=short) for k, v in zip(keys[1 if index else 0 :], rec)]
            rows.append(([str(idx)] if index else []) + vals)
        return heads, rows

    from ..report import fitted_tables  # here: the report module loads the result tables

    for table in fitted_tables(build, title, out.width, keys=2 if index or (not transpose and len(df.columns) > 1 and not _numeric_col(df, 1)) else 1):
        out.print(table)
