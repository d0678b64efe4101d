"""The law month by month: funder rules, fiscal years and the JP caveat, checked on a built model.

The rules are data (``funder_rules``, ``funders`` and ``discounts`` in ``data/rates.yaml``).
Each is checked for every month a phase covers, never only its start. A broken rule is a
warning naming the rule, its reference and its confidence; under ``assumptions.year_rules:
error`` (or a rule whose own level is error) it is a :class:`~premium_alloc.errors.Problem`
that makes the scenario invalid. No rule changes who a source may pay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import Problem
from .rates import FunderRule, RateTable, months_of, phase_premium, span_text
from .scenario import Scenario, place_warnings

YM = tuple[int, int]


def _phase_months(scenario: Scenario) -> dict[str, list[YM]]:
    return {p.id: months_of(p.start, p.months) for p in scenario.phases}


def _level(scenario: Scenario, rule: FunderRule) -> str:
    return scenario.assumptions.year_rules or rule.level


def check(
    scenario: Scenario,
    table: RateTable,
    groups: pd.DataFrame,
    col_g: np.ndarray,
    col_s: np.ndarray,
    col_p: np.ndarray,
    phase_ids: Sequence[str],
) -> tuple[list[str], list[Problem]]:
    """Warnings and errors from the funder rules, fiscal years and JP, for a model's columns.

    ``col_g``, ``col_s``, ``col_p`` are the (group, source, phase) columns; ``phase_ids`` the
    phases in model order. Returns ``(warnings, problems)``.
    """
    warnings: list[str] = []
    problems: list[Problem] = []
    pm = _phase_months(scenario)
    pktd = groups["pktd"].to_numpy(dtype=bool) if "pktd" in groups.columns else np.zeros(len(groups), dtype=bool)
    counts = groups["count"].to_numpy(np.int64)
    sectors_present = set(groups["sector"].tolist()) if len(groups) else set()
    pindex = {p: i for i, p in enumerate(phase_ids)}

    def raise_(si: int, field: str, message: str, level: str) -> None:
        if level == "error":
            problems.append(Problem(f"sources[{si}].{field}", message))
        else:
            warnings.append(message)

    for si, s in enumerate(scenario.sources):
        paid = [p.id for p in scenario.ordered_phases if s.phases is None or p.id in s.phases]
        own = col_s == si
        for rule in table.rules_for(s.kind):
            hit = {pid: rule.months_hit(pm[pid]) for pid in paid}
            hit = {pid: ms for pid, ms in hit.items() if ms}
            if not hit or rule.effect == "allowed":
                continue
            where = "; ".join(f"phase {pid} ({span_text(ms)})" for pid, ms in hit.items())
            head = f"source {s.id} ({s.kind})"
            if rule.effect == "barred":
                raise_(si, "kind", f"{head} pays for {where}: {rule.cite()}", _level(scenario, rule))
            elif rule.effect == "pktd_only":
                in_hit = own & np.isin(col_p, [pindex[p] for p in hit])
                g = np.unique(col_g[in_hit])
                others = int(counts[g[~pktd[g]]].sum()) if g.size else 0
                if others:
                    raise_(
                        si,
                        "eligible",
                        f"{head} may pay {others:,} worker(s) not marked as PKTD workers in {where}: {rule.cite()}. "
                        "Mark PKTD workers (column or group field `pktd`) and give the source eligible: {pktd: [yes]}",
                        _level(scenario, rule),
                    )
            elif rule.effect == "sectors_only" and rule.sectors is not None:
                allowed = ", ".join(sorted(rule.sectors))
                chosen = (s.eligible or {}).get("sector")
                if chosen is None:
                    raise_(
                        si,
                        "eligible",
                        f"{head} has no sector filter, so it may pay workers of every sector in {where}: {rule.cite()}. "
                        f"Give it eligible: {{sector: [{allowed}]}}, or list wider sectors on purpose",
                        _level(scenario, rule),
                    )
                else:
                    wider = sorted(set(chosen) - rule.sectors)
                    if wider:  # widened on purpose: always a warning
                        warnings.append(
                            f"{head} is widened on purpose to sector(s) {', '.join(wider)} beyond {allowed} in {where}: {rule.cite()}"
                        )
        chosen = (s.eligible or {}).get("sector")
        if chosen is not None and len(groups) and not (set(chosen) & sectors_present):
            warnings.append(
                f"source {s.id} ({s.kind}) may pay only sector(s) {', '.join(sorted(chosen))}, and no worker has them: it pays nobody"
            )
        if table.has_fiscal_year(s.kind) and paid:
            warnings_fy = _fiscal_year(s.id, s.kind, s.year, {pid: pm[pid] for pid in paid})
            for msg in warnings_fy:
                raise_(si, "year" if s.year is not None else "phases", msg, scenario.assumptions.year_rules or "warning")
    if "JP" in scenario.programs:
        jp: Mapping[str, Any] = table.programs.get("JP", {})
        first: Mapping[str, Any] = next(iter(jp.get("values", {}).values()), {})
        ref = first.get("reference", "PP 45/2015")
        warnings.append(
            "JP (pension) is in the plan: by law it is for wage workers (PP 45/2015); for these non-wage "
            f"workers it is a local arrangement, no legal route was found ({ref}; confidence I)"
        )
    warnings += _discount_notes(scenario, table)
    warnings += place_warnings(scenario)
    return warnings, problems


def _fiscal_year(sid: str, kind: str, year: int | None, paid: dict[str, list[YM]]) -> list[str]:
    """A budget belongs to one fiscal year: months it pays outside that year (or over two years)."""
    head = f"source {sid} ({kind})"
    if year is not None:
        out = {pid: [m for m in ms if m[0] != year] for pid, ms in paid.items()}
        out = {pid: ms for pid, ms in out.items() if ms}
        if not out:
            return []
        where = "; ".join(f"phase {pid} ({span_text(ms)})" for pid, ms in out.items())
        return [
            f"{head} is a {year} budget but pays for months of another year: {where}. A budget belongs to "
            "one fiscal year: give the other year's months their own source (sources[].phases)"
        ]
    years = sorted({m[0] for ms in paid.values() for m in ms})
    if len(years) < 2:
        return []
    by_year = "; ".join(
        f"{y}: {', '.join(pid for pid, ms in paid.items() if any(m[0] == y for m in ms))}" for y in years
    )
    return [
        f"{head} pays for months of {len(years)} fiscal years ({by_year}). A budget belongs to one fiscal "
        "year: split it into one source per year (sources[].phases), or set `year:` on it "
        "(DBH received in December and budgeted in the next APBD takes that APBD's year)"
    ]


def _discount_notes(scenario: Scenario, table: RateTable) -> list[str]:
    """Where a village funder is priced without the PP 50/2025 discount by default, the discounted figure beside it."""
    out = []
    a = scenario.assumptions
    given = {"dana_desa": a.discount_dana_desa, "apbdes": a.discount_apbdes}
    for s in scenario.sources:
        default = table.discount_default(s.kind)
        if default is None or given.get(s.kind) is not None or scenario.rates:
            continue
        for p in scenario.ordered_phases:
            if s.phases is not None and p.id not in s.phases:
                continue
            args = dict(income=scenario.income, sector="", funder=s.kind, table=table)
            off = phase_premium(scenario.programs, p.start, p.months, switches={s.kind: False}, **args)  # type: ignore[arg-type]
            on = phase_premium(scenario.programs, p.start, p.months, switches={s.kind: True}, **args)  # type: ignore[arg-type]
            if on == off:
                continue
            now, other = (on, off) if default else (off, on)
            state = "with" if default else "without"
            out.append(
                f"source {s.id} ({s.kind}) is priced {state} the PP 50/2025 discount in phase {p.id} (the default): "
                f"Rp{now:,} a worker for the phase at the Rp{scenario.income:,} tier (non-transport); "
                f"Rp{other:,} if it {'did not get' if default else 'got'} the discount "
                f"(assumptions.discount_{s.kind}: {str(not default).lower()}, variant discount={'off' if default else 'on'})"
            )
    return out
