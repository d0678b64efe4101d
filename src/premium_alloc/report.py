"""Human-readable summaries of a result (rich tables for the CLI, plain text elsewhere), in English or Bahasa."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.table import Table

from .formats import compact, count, decimal, percent, rupiah
from .labels import check_lang, label, translate, word
from .result import Result, village_names

__all__ = ["fgd_sentences", "fitted", "fitted_tables", "print_summary", "rich_table", "status_sentence", "summary_tables"]


def _min_width(head: str, cells: list[str], right: bool) -> int:
    """The narrowest a column may be: its widest number or code, its longest header word (text folds at 30)."""
    word_w = max((len(w) for w in head.split()), default=0)
    cell_w = max((len(c) for c in cells), default=0)
    return max(word_w, cell_w if right else min(cell_w, 30))


def rich_table(title: str, heads: list[tuple[str, bool]], rows: list[list[str]]) -> Table:
    """A rich table whose numbers and words are never cut: numbers right-aligned, headers wrapped at spaces.

    ``heads`` are (header, right-aligned) pairs. Each header is wrapped to its column's width
    (the widest number or code, or the longest header word) before rich lays the table out.
    """
    import textwrap

    t = Table(title=title, title_justify="left")
    for j, (name, right) in enumerate(heads):
        cells = [r[j] for r in rows]
        keep = right or j == 0  # numbers and codes on one line
        width = _min_width(name, cells, keep)
        header = "\n".join(textwrap.wrap(name, width=width, break_long_words=False)) or name
        if keep:
            t.add_column(header, justify="right" if right else "left", no_wrap=True, min_width=width)
        else:
            t.add_column(header, justify="left", overflow="fold", max_width=max(width, 12))
    for r in rows:
        t.add_row(*r)
    return t


def table_width(heads: list[tuple[str, bool]], rows: list[list[str]]) -> int:
    """Width of :func:`rich_table` with these cells on one line each (3 per column for borders, plus 1)."""
    widths = [max([len(h), *(len(r[j]) for r in rows)]) for j, (h, _) in enumerate(heads)]
    return sum(widths) + 3 * len(widths) + 1


def _min_table_width(heads: list[tuple[str, bool]], rows: list[list[str]]) -> list[int]:
    """The width each column of :func:`rich_table` takes, with its borders and padding."""
    return [max(_min_width(h, [r[j] for r in rows], right or j == 0), 0 if (right or j == 0) else 12) + 3 for j, (h, right) in enumerate(heads)]


Build = Callable[[bool], tuple[list[tuple[str, bool]], list[list[str]]]]


def fitted_tables(build: Build, title: str, width: int, keys: int = 1) -> list[Table]:
    """``build(short)`` as tables that fit ``width``: full rupiah when it fits, else compact money,
    else the columns split over several tables that repeat the first ``keys`` columns."""
    heads, rows = build(False)
    if table_width(heads, rows) <= width:
        return [rich_table(title, heads, rows)]
    heads, rows = build(True)
    mins = _min_table_width(heads, rows)
    if sum(mins) + 1 <= width or len(heads) <= keys + 1:
        return [rich_table(title, heads, rows)]
    keys = min(keys, len(heads) - 1)
    base = sum(mins[:keys]) + 1
    chunks: list[list[int]] = [[]]
    used = base
    for j in range(keys, len(heads)):
        if chunks[-1] and used + mins[j] > width:
            chunks.append([])
            used = base
        chunks[-1].append(j)
        used += mins[j]
    out = []
    for n, cols in enumerate(chunks, start=1):
        idx = list(range(keys)) + cols
        sub = f"{title} ({n}/{len(chunks)})"
        out.append(rich_table(sub, [heads[j] for j in idx], [[r[j] for j in idx] for r in rows]))
    return out


def fitted(build: Build, title: str, width: int) -> Table:
    """The first of :func:`fitted_tables` (tables known to have few columns)."""
    return fitted_tables(build, title, width)[0]


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
    DBH Sawit (DBH) 4,000, APBD 9,000; 23,973 remain uncovered; the shortfall is
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
            if key.startswith("source:") or ids == [kind]:
                name = ids[0]  # a source named by its kind ("APBD"), or with no kind words: its id alone
            else:
                name = f"{kind} ({', '.join(ids)})"
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


def summary_tables(result: Result, *, max_villages: int = 10, lang: str = "en", width: int = 80) -> list[Table | str]:
    """The CLI summary in ``lang``: the status reason, the FGD sentences, coverage by source and
    phase, workers and shortfall by phase, villages below their floor, warnings.

    Money is compact (``Rp1,18 M`` / ``Rp1.18 bn``) in a table that would not fit in ``width``
    columns; the full figures are in the JSON and the workbook.
    """
    check_lang(lang)
    out: list[Table | str] = []
    out.append(
        f"[bold]{result.scenario}[/bold]  {label('status', lang)} [bold]{word(str(result.status), lang)}[/bold]  "
        f"W {decimal(result.objective, 1, lang)}  {word('head_bound', lang)} {decimal(result.bound, 1, lang)}  "
        f"{word('head_gap', lang)} {percent(result.gap, 4, lang)}"
    )
    why = status_sentence(result, lang)
    if why:
        out.append(f"[yellow]{word('warning', lang)}:[/yellow] {why}")
    out += fgd_sentences(result, lang)
    cov = result.coverage_frame()
    # one row per (source, phase): a lookup, not a filter of the frame per cell (610 sources nationally)
    totals = {(s, p): (int(k), int(c)) for s, p, k, c in zip(cov["source"], cov["phase"], cov["workers"], cov["cost_idr"])}
    phases = [p.phase for p in result.phases]

    def money(short: bool) -> Callable[[int], str]:
        return (lambda a: compact(a, lang)) if short else (lambda a: rupiah(a, lang))

    def coverage(short: bool) -> tuple[list[tuple[str, bool]], list[list[str]]]:
        m = money(short)
        heads = [(label("source", lang), False), *[(p, True) for p in phases], (label("worker_months", lang), True), (word("spent_of_budget", lang), True)]
        rows = []
        for s in result.sources:
            cells = []
            for p in phases:
                k, c = totals.get((s.source, p), (0, 0))
                cells.append(f"{count(k, lang)} / {m(c)}")
            share = f" ({percent(s.spent_idr / s.budget_idr, 1, lang)})" if s.budget_idr else ""
            rows.append([s.source, *cells, count(s.worker_months, lang), f"{m(s.spent_idr)} / {m(s.budget_idr)}{share}"])
        return heads, rows

    out += fitted_tables(coverage, word("title_cov_phase", lang), width)

    def by_phase(short: bool) -> tuple[list[tuple[str, bool]], list[list[str]]]:
        m = money(short)
        keys = ("phase", "months", "eligible", "covered", "uncovered", "worker_months", "cost_idr", "shortfall_idr")
        heads = [(label(c, lang), c != "phase") for c in keys]
        rows = [
            [p.phase, count(p.months, lang), count(p.eligible, lang), count(p.covered, lang), count(p.uncovered, lang), count(p.worker_months, lang), m(p.cost_idr), m(p.shortfall_idr)]
            for p in result.phases
        ]
        return heads, rows

    out += fitted_tables(by_phase, word("title_short_phase", lang), width)
    out.append(word("over_phases", lang).format(covered=count(result.worker_months, lang), uncovered=count(result.uncovered_worker_months, lang), shortfall=rupiah(result.shortfall_idr, lang)))
    if result.excluded:
        by_reason = result.excluded_by_reason()
        parts = ", ".join(f"{word(r, lang)} {count(n, lang)}" for r, n in by_reason.items())
        out.append(word("not_eligible_line", lang).format(total=count(sum(by_reason.values()), lang), parts=parts))
    below = [v for v in result.villages if not v.quota_met]
    if below:
        names = village_names(result)  # the scenario's names, else the Kemendagri names of the codes
        heads = [(label(c, lang), c not in ("village", "village_name", "phase")) for c in ("village", "village_name", "phase", "covered", "quota_target", "missing")]
        rows = [
            [v.village, names.get(v.village) or "", v.phase, count(v.covered, lang), count(v.quota_target, lang), count(v.quota_target - v.covered, lang)]
            for v in sorted(below, key=lambda v: (v.covered - v.quota_target, v.village, v.phase))[:max_villages]
        ]
        out.append(rich_table(word("title_below_summary", lang).format(n=count(len(below), lang)), heads, rows))
    else:
        out.append(word("all_floors_met", lang))
    for w in result.warnings:
        out.append(f"[yellow]{word('warning', lang)}:[/yellow] {translate(w, lang)}")
    return out


def print_summary(result: Result, console: Console | None = None, lang: str = "en") -> None:
    """Print :func:`summary_tables` to ``console`` (stdout by default) in ``lang``."""
    console = console or Console()
    for item in summary_tables(result, lang=lang, width=console.width):
        console.print(item, highlight=False) if isinstance(item, str) else console.print(item)
