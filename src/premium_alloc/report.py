"""Human-readable summaries of a result (rich tables for the CLI, plain text elsewhere)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .formats import rupiah
from .result import Result


def summary_tables(result: Result, *, max_villages: int = 10) -> list[Table | str]:
    """The CLI summary: coverage by source and phase, shortfall, villages below their floor."""
    out: list[Table | str] = []
    head = (
        f"[bold]{result.scenario}[/bold]  status [bold]{result.status}[/bold]  "
        f"W {result.objective:,.1f}  bound {result.bound:,.1f}  gap {result.gap:.4%}"
    )
    out.append(head)
    cov = result.coverage_frame()
    # one row per (source, phase): a lookup, not a filter of the frame per cell (610 sources nationally)
    totals = {(s, p): (int(k), int(c)) for s, p, k, c in zip(cov["source"], cov["phase"], cov["workers"], cov["cost_idr"])}
    phases = [p.phase for p in result.phases]
    t = Table(title="Coverage by source and phase (workers / rupiah)")
    t.add_column("source")
    for p in phases:
        t.add_column(p, justify="right")
    t.add_column("spent / budget", justify="right")
    for s in result.sources:
        cells = []
        for p in phases:
            k, c = totals.get((s.source, p), (0, 0))
            cells.append(f"{k:,} / {rupiah(c)}")
        share = f" ({s.spent_idr / s.budget_idr:.1%})" if s.budget_idr else ""
        t.add_row(s.source, *cells, f"{rupiah(s.spent_idr)} / {rupiah(s.budget_idr)}{share}")
    out.append(t)
    t2 = Table(title="Shortfall by phase (at the APBD premium, no discount)")
    for col in ("phase", "eligible", "covered", "uncovered", "cost", "shortfall"):
        t2.add_column(col, justify="right" if col != "phase" else "left")
    for ph in result.phases:
        t2.add_row(ph.phase, f"{ph.eligible:,}", f"{ph.covered:,}", f"{ph.uncovered:,}", rupiah(ph.cost_idr), rupiah(ph.shortfall_idr))
    out.append(t2)
    below = [v for v in result.villages if not v.quota_met]
    if below:
        t3 = Table(title=f"Villages below their floor: {len(below)} village-phase(s) (largest gaps first)")
        for col in ("village", "phase", "covered", "floor", "missing", "eligible"):
            t3.add_column(col, justify="right" if col not in ("village", "phase") else "left")
        for v in sorted(below, key=lambda v: (v.covered - v.quota_target, v.village, v.phase))[:max_villages]:
            t3.add_row(v.village, v.phase, f"{v.covered:,}", f"{v.quota_target:,}", f"{v.quota_target - v.covered:,}", f"{v.eligible:,}")
        out.append(t3)
    else:
        out.append("Every village meets its floor in every phase.")
    for w in result.warnings:
        out.append(f"[yellow]warning:[/yellow] {w}")
    return out


def print_summary(result: Result, console: Console | None = None) -> None:
    """Print :func:`summary_tables` to ``console`` (stdout by default)."""
    console = console or Console()
    for item in summary_tables(result):
        console.print(item)
