"""Terminal tables: a DataFrame as a rich table, numbers formatted and right-aligned."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich.table import Table

from ..formats import rupiah
from ..labels import label
from .app import out

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["print_frame"]


def _cell(key: str, v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if key.endswith("_idr") and isinstance(v, (int, float)):
        return rupiah(int(v))
    if key == "gap" and isinstance(v, float):
        return f"{v:.3%}"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.1f}"
    return str(v)


def print_frame(df: pd.DataFrame, title: str, lang: str = "en", *, index: bool = False, transpose: bool = False) -> None:
    """Print a DataFrame as a rich table (rupiah columns formatted)."""
    if transpose:
        t = Table(title=title)
        t.add_column(label(str(df.index.name or ""), lang))
        for name in df.index:
            t.add_column(str(name), justify="right")
        for col in df.columns:
            t.add_row(label(str(col), lang), *[_cell(str(col), v.item() if hasattr(v, "item") else v) for v in df[col].tolist()])
        out.print(t)
        return
    t = Table(title=title)
    keys = ([str(df.index.name or "")] if index else []) + [str(c) for c in df.columns]
    for k in keys:
        t.add_column(label(k, lang), overflow="fold")
    for idx, row in zip(df.index, df.itertuples(index=False)):
        cells = ([str(idx)] if index else []) + [_cell(k, v.item() if hasattr(v, "item") else v) for k, v in zip(keys[1 if index else 0 :], row)]
        t.add_row(*cells)
    out.print(t)
