"""Human-readable summaries of a result (rich tables for the CLI, plain text elsewhere)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from .formats import count, rupiah
from .labels import check_lang, word
from .result import Result

__all__ = ["fgd_sentences", "print_summary", "status_sentence", "summary_tables"]


def _kind_groups(result: Result) -> list[tuple[str, list[str]]]:
    """Sources grouped by funder kind, in the scenario's order: (kind words key or "", source ids)."""
    sc = result.model.scenario if result.model is not None else None
    kinds = {s.id: s.kind for s in sc.sources} if sc is not None else {}
    groups: dict[str, list[str]] = {}
    for s in result.sources:
        k = kinds.get(s.source, "")
        groups.setdefault(k if k else f"source:{s.source}", []).append(s.source)
    return list(groups.items())


def fgd_sentences(result: Result, lang: str = "en") -> list[str]:
    """The FGD answer, one sentence per phase, in ``lang`` ("en" or "id").

    "p1 (6 months from 2024-01): of 39,073 verified workers, Dana Desa (DD) covers 2,100,
    DBH Sawit (DBH) 4,000, APBD (APBD) 9,000; 23,973 remain uncovered; the shortfall is
    Rp...". Counts are people in that phase (a worker is paid by one source per phase);
    sources of one funder kind are added up and named. The words are in ``data/labels.yaml``.
    """
    check_lang(lang)
    cov = result.coverage_frame()
    paid = {(str(s), str(p)): int(k) for s, p, k in zip(cov["source"], cov["phase"], cov["workers"])}
    sc = result.model.scenario if result.model is not None else None
    phase_info = {p.id: p for p in sc.phases} if sc is not None else {}
    groups = _kind_groups(result)
    out = []
    for ph in result.phases:
        parts: list[str] = []
        for key, ids in groups:
            n = sum(paid.get((sid, ph.phase), 0) for sid in ids)
            kind = word("kind_" + key, lang)
            kind = key if kind == "kind_" + key else kind  # a kind without words keeps its own name
            name = ids[0] if key.startswith("source:") else f"{kind} ({', '.join(ids)})"
            parts.append(word("fgd_covers" if not parts else "fgd_covers_next", lang).format(who=name, n=count(n, lang)))
        info = phase_info.get(ph.phase)
        when = word("fgd_when", lang).format(months=info.months, start=info.start) if info is not None else ""
        out.append(
            word("fgd_phase", lang).format(
                phase=ph.phase,
                when=when,
                eligible=count(ph.eligible, lang),
                parts=", ".join(parts) if parts else word("fgd_nobody", lang),
                uncovered=count(ph.uncovered, lang),
                shortfall=rupiah(ph.shortfall_idr, lang),
            )
        )
    return out


def status_sentence(result: Result, lang: str = "en") -> str | None:
    """Why a ``feasible`` result is not proven within the requested gap, in ``lang``; ``None`` when optimal."""
    if str(result.status) != "feasible":
        return None
    info = result.info
    want = info.requested_gap if info is not None and info.requested_gap is not None else (
        result.model.scenario.objective.gap if result.model is not None else float("nan")
    )
    limit = info.time_limit if info is not None and info.time_limit is not None else float("nan")
    reason = word(f"status_reason_{result.status_reason or 'solver_gap'}", lang).format(limit=f"{limit:g}")
    return word("status_feasible", lang).format(gap=f"{result.gap:.4%}", want=f"{want:.4%}", reason=reason)


def summary_tables(result: Result, *, max_villages: int = 10, lang: str = "en") -> list[Table | str]:
    """The CLI summary: the status reason, the FGD sentences (in ``lang``), coverage by source and phase,
    shortfall, villages below their floor."""
    out: list[Table | str] = []
    head = (
        f"[bold]{result.scenario}[/bold]  status [bold]{result.status}[/bold]  "
        f"W {result.objective:,.1f}  bound {result.bound:,.1f}  gap {result.gap:.4%}"
    )
    out.append(head)
    why = status_sentence(result, lang)
    if why:
        out.append(f"[yellow]warning:[/yellow] {why}")
    out += fgd_sentences(result, lang)
    cov = result.coverage_frame()
    # one row per (source, phase): a lookup, not a filter of the frame per cell (610 sources nationally)
    totals = {(s, p): (int(k), int(c)) for s, p, k, c in zip(cov["source"], cov["phase"], cov["workers"], cov["cost_idr"])}
    phases = [p.phase for p in result.phases]
    t = Table(title="Coverage by source and phase (workers paid in that phase / rupiah)")
    t.add_column("source")
    for p in phases:
        t.add_column(p, justify="right")
    t.add_column("worker-months", justify="right")
    t.add_column("spent / budget", justify="right")
    for s in result.sources:
        cells = []
        for p in phases:
            k, c = totals.get((s.source, p), (0, 0))
            cells.append(f"{k:,} / {rupiah(c)}")
        share = f" ({s.spent_idr / s.budget_idr:.1%})" if s.budget_idr else ""
        t.add_row(s.source, *cells, f"{s.worker_months:,}", f"{rupiah(s.spent_idr)} / {rupiah(s.budget_idr)}{share}")
    out.append(t)
    t2 = Table(title="Workers and shortfall by phase (people in that phase; shortfall at the APBD premium, no discount)")
    for head_ in ("phase", "months", "eligible", "covered", "uncovered", "worker-months", "cost", "shortfall"):
        t2.add_column(head_, justify="right" if head_ != "phase" else "left")
    for ps in result.phases:
        t2.add_row(
            ps.phase, f"{ps.months:,}", f"{ps.eligible:,}", f"{ps.covered:,}", f"{ps.uncovered:,}", f"{ps.worker_months:,}",
            rupiah(ps.cost_idr), rupiah(ps.shortfall_idr),
        )
    out.append(t2)
    out.append(
        f"Over every phase: {result.worker_months:,} worker-months covered, {result.uncovered_worker_months:,} "
        f"uncovered; shortfall {rupiah(result.shortfall_idr)}."
    )
    below = [v for v in result.villages if not v.quota_met]
    if below:
        t3 = Table(title=f"Villages below their floor: {len(below)} village-phase(s) (largest gaps first)")
        for head_ in ("village", "phase", "covered", "floor", "missing", "eligible"):
            t3.add_column(head_, justify="right" if head_ not in ("village", "phase") else "left")
        for v in sorted(below, key=lambda v: (v.covered - v.quota_target, v.village, v.phase))[:max_villages]:
            t3.add_row(v.village, v.phase, f"{v.covered:,}", f"{v.quota_target:,}", f"{v.quota_target - v.covered:,}", f"{v.eligible:,}")
        out.append(t3)
    else:
        out.append("Every village meets its floor in every phase.")
    for w in result.warnings:
        out.append(f"[yellow]warning:[/yellow] {w}")
    return out


def print_summary(result: Result, console: Console | None = None, lang: str = "en") -> None:
    """Print :func:`summary_tables` to ``console`` (stdout by default), sentences in ``lang``."""
    console = console or Console()
    for item in summary_tables(result, lang=lang):
        console.print(item, highlight=False) if isinstance(item, str) else console.print(item)
