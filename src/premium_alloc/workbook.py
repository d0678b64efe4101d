"""The result workbooks: a solved plan, a comparison of variants, a frontier; formatted to paste.

Every sheet has its headers in Bahasa Indonesia or English, frozen header rows, filters,
rupiah and count number formats, sorted rows and, where sums mean something, a bold totals
row. Counts of people are per phase; a sum over phases is given only as worker-months.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import places
from .analysis.explain import explain as _explain
from .io.excel import COUNT, RUPIAH, localise_formats, number_format, plain_value, require_openpyxl, sheet_cells_as_text, style_sheet, text_cells, write_frame
from .labels import check_lang, label, sheet, term, translate, word
from .report import fgd_sentences
from .result import Result
from .safeio import atomic_write

if TYPE_CHECKING:
    from .variants import Comparison

__all__ = ["result_sheets", "write_compare", "write_frontier", "write_result"]


def _finish(wb: Any, lang: str) -> None:
    """Every text cell stays text (a name such as ``=HYPERLINK(...)`` is never a formula); numbers in ``lang``'s separators."""
    for ws in wb.worksheets:
        sheet_cells_as_text(ws)
    localise_formats(wb, lang)


def _bold_row(ws: Any, row: int) -> None:
    from openpyxl.styles import Border, Font, Side

    top = Border(top=Side(style="thin"))
    for c in ws[row]:
        c.font = Font(bold=True)
        c.border = top


def _totals(ws: Any, df: pd.DataFrame, keys: list[str], lang: str, sum_keys: AbstractSet[str]) -> None:
    """A bold totals row under the data: sums of the ``sum_keys`` columns, the word in the first column."""
    total: list[int | str | None] = []
    for j, k in enumerate(keys):
        if k in sum_keys:
            total.append(int(pd.to_numeric(df[k], errors="coerce").fillna(0).sum()))
        else:
            total.append(word("total", lang) if j == 0 else None)
    ws.append(total)
    row = ws.max_row
    for j, k in enumerate(keys, start=1):
        fmt = number_format(k) if k in sum_keys else None
        if fmt is None and k in sum_keys:
            fmt = COUNT
        if fmt:
            ws.cell(row=row, column=j).number_format = fmt
    _bold_row(ws, row)


def _write(wb: Any, title: str, df: pd.DataFrame, keys: list[str], headers: list[str], lang: str, *, sums: frozenset[str] | set[str] = frozenset(), formats: dict[str, str] | None = None) -> Any:
    """A sheet of ``df``: given headers, formats by key (``formats`` overrides), totals of ``sums``."""
    ws = wb.create_sheet(title)
    ws.append(headers)
    for rec in df[keys].itertuples(index=False):
        ws.append([plain_value(v) for v in rec])
    text_cells(ws, df[keys])
    style_sheet(ws, df[keys], keys)
    for j, k in enumerate(keys, start=1):
        fmt = (formats or {}).get(k)
        if fmt:
            for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                row[0].number_format = fmt
            ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = max(ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width or 10, 14)
    if sums and len(df):
        _totals(ws, df, keys, lang, sums)
    return ws


def _names(result: Result) -> dict[str, Any]:
    """Name and district of each village: the scenario's, else the Kemendagri list's for a code."""
    if result.model is None:
        return {}
    vs = result.model.scenario.villages
    ids = [v.id for v in vs]
    official = places.name(ids) if ids else []
    dist = places.name([d or "" for d in places.parent(ids, "district")]) if ids else []
    return {
        v.id: SimpleNamespace(name=v.name or (o if isinstance(o, str) else None), district=v.district or (d if isinstance(d, str) else None))
        for v, o, d in zip(vs, official, dist)
    }


def _per_phase(result: Result, lang: str) -> tuple[pd.DataFrame, list[str], list[str], dict[str, str]]:
    """Summary table: one row per phase; workers (people) each source covers, uncovered, rupiah."""
    cov = result.coverage_frame()
    sources = [s.source for s in result.sources]
    months = {p.id: p.months for p in result.model.scenario.phases} if result.model is not None else {}
    rows = []
    for p in result.phases:
        r: dict[str, Any] = {"phase": p.phase, "months": months.get(p.phase), "eligible": p.eligible}
        sel = cov[cov["phase"] == p.phase].set_index("source")
        for s in sources:
            r[f"src:{s}"] = int(sel["workers"].get(s, 0)) if len(sel) else 0
        r.update({"covered": p.covered, "uncovered": p.uncovered, "worker_months": p.covered * int(months.get(p.phase) or 0),
                  "cost_idr": p.cost_idr, "shortfall_idr": p.shortfall_idr})
        rows.append(r)
    df = pd.DataFrame(rows)
    keys = ["phase", "months", "eligible", *[f"src:{s}" for s in sources], "covered", "uncovered", "worker_months", "cost_idr", "shortfall_idr"]
    heads = [label(k, lang) if not k.startswith("src:") else f"{k[4:]} ({label('workers', lang)})" for k in keys]
    return df, keys, heads, {f"src:{s}": COUNT for s in sources}


def _summary(wb: Any, result: Result, lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(sheet("summary", lang))
    ws.append([result.scenario])
    ws["A1"].font = Font(bold=True, size=13)
    sentences = fgd_sentences(result, lang)  # the FGD answer, one sentence per phase
    for s in sentences:
        ws.append([s])
        ws.cell(row=ws.max_row, column=1).alignment = Alignment(wrap_text=False)
    ws.append([])
    start = ws.max_row + 1
    df, keys, heads, fmts = _per_phase(result, lang)
    ws.append(heads)
    for rec in df[keys].itertuples(index=False):
        ws.append([plain_value(v) for v in rec])
    first = start + 1
    ws.append([word("total", lang), None, None, *[None] * (len(keys) - 8), None, None,
               int(df["worker_months"].sum()) if len(df) else 0, int(df["cost_idr"].sum()) if len(df) else 0, int(df["shortfall_idr"].sum()) if len(df) else 0])
    total_row = ws.max_row
    for c in ws[start]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="top")
    _bold_row(ws, total_row)
    for j, k in enumerate(keys, start=1):
        fmt = fmts.get(k) or number_format(k)
        for r in range(first, total_row + 1):
            if fmt:
                ws.cell(row=r, column=j).number_format = fmt
        ws.column_dimensions[ws.cell(row=start, column=j).column_letter].width = 18 if k.endswith("_idr") else 13
    ws.row_dimensions[start].height = 30
    ws.column_dimensions["A"].width = 24
    ws.freeze_panes = ws.cell(row=start + 1, column=1).coordinate
    # the key figures, below
    ws.append([])
    facts: list[tuple[str, Any, str | None]] = [
        (label("status", lang), word(str(result.status), lang), None),
        (label("gap", lang), float(result.gap), "0.000%"),
        (label("budget_idr", lang), sum(s.budget_idr for s in result.sources), RUPIAH),
        (label("spent_idr", lang), sum(s.spent_idr for s in result.sources), RUPIAH),
        (label("shortfall_idr", lang), int(result.shortfall_idr), RUPIAH),
        (label("worker_months", lang), int(result.worker_months), COUNT),
        (label("uncovered_worker_months", lang), int(result.uncovered_worker_months), COUNT),
        *((f"{label('excluded', lang)}: {word(r, lang)}", n, COUNT) for r, n in result.excluded_by_reason().items()),
    ]
    for name, value, fmt in facts:
        ws.append([name, value])
        if fmt:
            ws.cell(row=ws.max_row, column=2).number_format = fmt
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)


def _per_village(result: Result, lang: str) -> tuple[pd.DataFrame, list[str], list[str], set[str]]:
    """One row per village: names, then per phase the workers each source covers, uncovered, floor, shortfall."""
    vil = result.villages_frame()
    alloc = result.allocations_frame()
    names = _names(result)
    sources = [s.source for s in result.sources]
    phases = [p.phase for p in result.phases]
    ids = list(dict.fromkeys(vil["village"].tolist()))
    out = pd.DataFrame({"village": ids})
    out["village_name"] = [getattr(names.get(v), "name", None) or "" for v in ids]
    out["district"] = [getattr(names.get(v), "district", None) or "" for v in ids]
    keys, heads, sums = ["village", "village_name", "district"], [label("village", lang), label("village_name", lang), label("district", lang)], set()
    paid = alloc.groupby(["village", "phase", "source"], sort=False)["workers"].sum() if len(alloc) else pd.Series(dtype=np.int64)
    cost = alloc.groupby(["village", "phase"], sort=False)["cost_idr"].sum() if len(alloc) else pd.Series(dtype=np.int64)
    vp = vil.set_index(["village", "phase"])
    for p in phases:
        for col in ("eligible",):
            k = f"{p}:{col}"
            out[k] = [int(vp[col].get((v, p), 0)) for v in ids]
            keys.append(k)
            heads.append(f"{p} {label(col, lang)}")
            sums.add(k)
        for s in sources:
            k = f"{p}:src:{s}"
            out[k] = [int(paid.get((v, p, s), 0)) for v in ids]
            if out[k].any():
                keys.append(k)
                heads.append(f"{p} {s}")
                sums.add(k)
            else:
                out.drop(columns=[k], inplace=True)
        for col in ("uncovered", "quota_target"):
            k = f"{p}:{col}"
            out[k] = [int(vp[col].get((v, p), 0)) for v in ids]
            keys.append(k)
            heads.append(f"{p} {label(col, lang)}")
            sums.add(k)
        k = f"{p}:quota_met"
        out[k] = [word("yes" if bool(vp["quota_met"].get((v, p), True)) else "no", lang) for v in ids]
        keys.append(k)
        heads.append(f"{p} {label('quota_met', lang)}")
        for col, series in (("cost_idr", cost), ("shortfall_idr", None)):
            k = f"{p}:{col}"
            out[k] = [int(series.get((v, p), 0)) for v in ids] if series is not None else [int(vp[col].get((v, p), 0)) for v in ids]
            keys.append(k)
            heads.append(f"{p} {label(col, lang)}")
            sums.add(k)
    out = out.sort_values(["district", "village"], kind="stable").reset_index(drop=True)
    return out, keys, heads, sums


def _fmt_key(k: str) -> str:
    """The meaning of a composed column key (``p1:src:DD`` counts workers, ``p1:cost_idr`` is rupiah)."""
    tail = k.rsplit(":", 1)[-1]
    return "workers" if ":src:" in k else tail


def result_sheets(result: Result, lang: str = "en") -> dict[str, pd.DataFrame]:
    """The per-village table of the result workbook, with keys as column names (for tests and notebooks)."""
    df, keys, _, _ = _per_village(result, lang)
    return {"per_village": df[keys]}


def write_result(
    result: Result,
    path: str | Path,
    *,
    lang: str = "en",
    explain: bool = True,
    workers: pd.DataFrame | None = None,
    mask: bool = True,
) -> Path:
    """Write the result workbook a planner pastes from, headers in ``lang`` ("id" or "en").

    Sheets: summary (headed by the FGD sentence: per phase the verified workers, those each
    source covers, the uncovered and the shortfall; totals; key figures), per village (names,
    one column per source and phase, totals row, sorted by district and code), sources (totals),
    phases, villages (one row per village and phase), below floor (with what would lift each
    village, when ``explain``), allocations, per worker (when ``workers`` is given; NIK masked
    unless ``mask=False``) and warnings. Money carries the ``"Rp"#,##0`` format, counts
    ``#,##0``; header rows are frozen.
    """
    check_lang(lang)
    openpyxl = require_openpyxl()
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    _summary(wb, result, lang)

    df, keys, heads, sums = _per_village(result, lang)
    ws = wb.create_sheet(sheet("per_village", lang))
    ws.append(heads)
    for rec in df[keys].itertuples(index=False):
        ws.append([plain_value(v) for v in rec])
    text_cells(ws, df[keys])
    style_sheet(ws, df[keys], [_fmt_key(k) for k in keys])
    ws.freeze_panes = "D2"  # codes and names stay in view
    if len(df):
        _totals(ws, df, keys, lang, sums)
        for j, k in enumerate(keys, start=1):
            if k in sums:
                ws.cell(row=ws.max_row, column=j).number_format = number_format(_fmt_key(k)) or COUNT

    src = result.sources_frame()
    by_id = {s.id: s for s in result.model.scenario.sources} if result.model is not None else {}
    src.insert(1, "kind", [term("kind", getattr(by_id.get(s), "kind", ""), lang) if by_id.get(s) is not None else "" for s in src["source"]])
    src.insert(2, "name", [getattr(by_id.get(s), "name", None) or "" for s in src["source"]])
    src["left_idr"] = src["budget_idr"] - src["spent_idr"]
    skeys = ["source", "kind", "name", "budget_idr", "spent_idr", "left_idr", "spent_share"]
    _write(wb, sheet("sources", lang), src, skeys, [label(k, lang) for k in skeys], lang, sums={"budget_idr", "spent_idr", "left_idr"})

    frames = result.frames()
    ph = frames["phases"]
    write_frame(wb, sheet("phases", lang), ph, lang)
    vil = frames["villages"].copy()
    names = _names(result)
    vil.insert(1, "village_name", [getattr(names.get(v), "name", None) or "" for v in vil["village"]])
    vil["quota_met"] = [word("yes" if m else "no", lang) for m in vil["quota_met"]]
    vil = vil.sort_values(["phase", "village"], kind="stable")
    write_frame(wb, sheet("villages", lang), vil, lang)
    if explain and result.model is not None and result.x is not None:
        below = _explain(result).villages.drop(columns=["fix"], errors="ignore")
        if "reason" in below.columns:
            below["reason"] = [word(str(r), lang) for r in below["reason"]]
        write_frame(wb, sheet("below_floor", lang), below, lang)
    alloc = frames["allocations"].sort_values(["phase", "village", "source", "priority", "sector"], kind="stable")
    for col, field in (("priority", "priority"), ("sector", "sector")):
        if col in alloc.columns:
            alloc[col] = [term(field, str(v), lang) for v in alloc[col]]
    write_frame(wb, sheet("allocations", lang), alloc, lang)
    if workers is not None:
        from .plan import worker_plan

        plan = worker_plan(result, workers, mask=mask)
        write_frame(wb, sheet("per_worker", lang), plan, lang)
    if result.excluded:  # listed workers not eligible, by village and reason
        ex = result.excluded_frame()
        names = _names(result)
        ex.insert(1, "village_name", [getattr(names.get(v), "name", None) or "" for v in ex["village"]])
        ex["reason"] = [word(r, lang) for r in ex["reason"]]
        write_frame(wb, sheet("excluded", lang), ex, lang)
    write_frame(wb, sheet("warnings", lang), pd.DataFrame({"warnings": [translate(w, lang) for w in result.warnings]}), lang)
    _finish(wb, lang)
    return atomic_write(path, wb.save)


def write_compare(comparison: Comparison, path: str | Path, *, lang: str = "en") -> Path:
    """The comparison workbook: one column per variant, one row per figure (formatted by its unit), and sources."""
    check_lang(lang)
    openpyxl = require_openpyxl()
    from openpyxl.styles import Font

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    df = comparison.frame()
    ws = wb.create_sheet(sheet("compare", lang))
    ws.append([label("variant", lang), *[str(n) for n in df.index]])
    for key in df.columns:
        vals = [plain_value(v) for v in df[key].tolist()]
        if key == "status":
            vals = [word(str(v), lang) for v in vals]
        ws.append([label(str(key), lang), *vals])
        fmt = number_format(str(key)) or ("#,##0.0" if all(isinstance(v, float) for v in vals if v is not None) else None)
        if fmt:
            for c in ws[ws.max_row][1:]:
                c.number_format = fmt
    text_cells(ws, pd.DataFrame({"v": [str(n) for n in df.index]}), first_row=1)
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "B2"
    ws.column_dimensions["A"].width = 42
    for j in range(2, len(df.index) + 2):
        ws.column_dimensions[ws.cell(row=1, column=j).column_letter].width = 20
    src = comparison.sources_frame().sort_values(["variant", "source"], kind="stable")
    keys = ["variant", "source", "budget_idr", "spent_idr"]
    _write(wb, sheet("sources", lang), src, keys, [label(k, lang) for k in keys], lang)
    _finish(wb, lang)
    return atomic_write(Path(path), wb.save)


def write_frontier(frontier: pd.DataFrame, path: str | Path, *, lang: str = "en") -> Path:
    """The frontier workbook: one row per budget tried, formatted like the result workbook."""
    check_lang(lang)
    openpyxl = require_openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    df = frontier.sort_values("source_budget_idr", kind="stable").copy()
    if "status" in df.columns:
        df["status"] = [word(str(s), lang) for s in df["status"]]
    keys = [str(c) for c in df.columns]
    _write(wb, sheet("frontier", lang), df, keys, [label(k, lang) for k in keys], lang)
    _finish(wb, lang)
    return atomic_write(Path(path), wb.save)
