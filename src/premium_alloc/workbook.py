"""The result workbook: one formatted sheet per view of a solved plan, in Bahasa or English."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .analysis.explain import explain as _explain
from .io.excel import COUNT, RUPIAH, plain_value, require_openpyxl, style_sheet, text_cells, write_frame
from .labels import check_lang, label, sheet, word
from .result import Result
from .safeio import atomic_write

__all__ = ["write_result"]


def write_result(result: Result, path: str | Path, *, lang: str = "en", explain: bool = True) -> Path:
    """Write a formatted result workbook: one sheet per view, headers in ``lang`` ("id" or "en").

    Sheets: summary, coverage (workers and rupiah per source and phase), sources, phases,
    villages, below floor (with what would lift each village, when ``explain``), allocations,
    warnings. Rupiah columns carry a ``"Rp"#,##0`` number format.
    """
    check_lang(lang)
    openpyxl = require_openpyxl()
    path = Path(path)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    summary = pd.DataFrame(
        [
            ("scenario", result.scenario),
            ("status", result.status),
            ("objective", result.objective),
            ("bound", result.bound),
            ("gap", result.gap),
            ("eligible", result.phases[0].eligible if result.phases else 0),  # people: the verified list
            # people per phase, never summed over phases; the total over phases is in worker-months
            *[(word("covered_in_phase", lang).format(phase=p.phase), p.covered) for p in result.phases],
            *[(word("uncovered_in_phase", lang).format(phase=p.phase), p.uncovered) for p in result.phases],
            ("worker_months", result.worker_months),
            ("uncovered_worker_months", result.uncovered_worker_months),
            ("budget_idr", sum(s.budget_idr for s in result.sources)),
            ("spent_idr", sum(s.spent_idr for s in result.sources)),
            ("shortfall_idr", result.shortfall_idr),
        ],
        columns=["key", "value"],
    )
    ws = wb.create_sheet(sheet("summary", lang))
    ws.append([label("key", lang), label("value", lang)])
    for k, v in summary.itertuples(index=False):
        ws.append([label(k, lang), plain_value(v)])
        cell = ws.cell(row=ws.max_row, column=2)
        cell.number_format = RUPIAH if k.endswith("_idr") else ("0.000%" if k == "gap" else ("#,##0.0" if k in ("objective", "bound") else COUNT))
    text_cells(ws, summary)
    style_sheet(ws, summary.assign(key=[label(k, lang) for k in summary["key"]]), ["key", "value"])
    frames = result.frames()
    write_frame(wb, sheet("coverage", lang), frames["coverage"], lang)
    write_frame(wb, sheet("sources", lang), frames["sources"], lang)
    write_frame(wb, sheet("phases", lang), frames["phases"], lang)
    write_frame(wb, sheet("villages", lang), frames["villages"], lang)
    if explain and result.model is not None and result.x is not None:
        below = _explain(result).villages.drop(columns=["fix"])
        below["reason"] = [word(r, lang) for r in below["reason"]]
        write_frame(wb, sheet("below_floor", lang), below, lang)
    write_frame(wb, sheet("allocations", lang), frames["allocations"], lang)
    write_frame(wb, sheet("warnings", lang), pd.DataFrame({"warnings": result.warnings}), lang)
    return atomic_write(path, wb.save)
