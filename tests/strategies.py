"""Hypothesis strategies for small, valid premium-alloc v1 scenario dicts.

Every scenario uses ``worker_groups`` and an explicit ``rates`` map for every program, so
``tests/reference.py`` can solve it.  Scenarios are plain JSON/YAML-serialisable dicts.

Public API
----------
``small_scenarios(max_villages=3, max_groups=5, max_sources=3, max_phases=2, *,
                  max_count=30, max_quota=40, min_groups=1) -> SearchStrategy[dict]``
``tiny_scenarios() -> SearchStrategy[dict]``  (small enough for method="brute")
``allocations_for(scenario, max_workers=None) -> SearchStrategy[list[dict]]``
    random (often infeasible) plans in the result format, over the eligible-or-not
    (group, source, phase) cells of ``scenario``; for fuzzing a plan checker.
"""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["small_scenarios", "tiny_scenarios", "allocations_for", "RATES"]

PRIORITIES = ("extreme", "poor", "vulnerable")
SECTORS = ("palm", "farming")
INCOMES = (1_000_000, 1_500_000)
RATES = {"JKK": 10_000, "JKM": 6_800, "JHT": 20_000}
PROGRAM_SETS = (("JKK", "JKM"), ("JKK", "JKM", "JHT"))

# (id, name, regency, province)
VILLAGE_POOL = (
    ("62.03.01.2011", "Desa Satu", "62.03", "62"),
    ("62.03.02.2006", "Desa Dua", "62.03", "62"),
    ("62.04.01.2004", "Desa Tiga", "62.04", "62"),
    ("61.05.01.2007", "Desa Empat", "61.05", "61"),
)
FIRST_STARTS = ((2023, 11), (2024, 1), (2024, 7))


def _ym(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    total = year * 12 + (month - 1) + months
    return total // 12, total % 12 + 1


def _nonempty_subset(draw, items, *, ordered=True):
    items = list(items)
    chosen = draw(st.lists(st.sampled_from(items), min_size=1, max_size=len(items), unique=True))
    if ordered:
        chosen.sort(key=items.index)
    return chosen


def _budget(draw, unit: int, full: int) -> int:
    """A whole-rupiah budget in [0, full]: 0 (rarely), full, a multiple of `unit`, one
    rupiah short of one, a little over one, or any amount."""
    units_max = max(full // unit, 1) if unit > 0 else 1
    kind = draw(st.sampled_from(_BUDGET_KINDS))
    if kind == "zero":
        return 0
    if kind == "full":
        return full
    k = draw(st.integers(1, units_max))
    if kind == "multiple":
        return k * unit
    if kind == "short":
        return k * unit - 1
    if kind == "over":
        return k * unit + draw(st.integers(1, max(unit - 1, 1)))
    return draw(st.integers(0, full))


_BUDGET_KINDS = ("multiple", "short", "over", "any", "full", "multiple", "short", "any", "full", "zero")


@st.composite
def small_scenarios(
    draw,
    max_villages: int = 3,
    max_groups: int = 5,
    max_sources: int = 3,
    max_phases: int = 2,
    *,
    max_count: int = 30,
    max_quota: int = 40,
    min_groups: int = 1,
) -> dict:
    """A random valid v1 scenario dict (worker_groups + explicit rates)."""
    programs = list(draw(st.sampled_from(PROGRAM_SETS)))
    rates = {p: RATES[p] for p in programs}
    monthly = sum(rates.values())

    # phases: consecutive, chronological (p2 starts when p1 ends)
    n_phases = draw(st.integers(1, max_phases))
    year, month = draw(st.sampled_from(FIRST_STARTS))
    phases = []
    for i in range(n_phases):
        months = draw(st.integers(1, 12))
        phases.append({"id": f"p{i + 1}", "start": _ym(year, month), "months": months})
        year, month = _add_months(year, month, months)
    phase_ids = [p["id"] for p in phases]
    total_months = sum(p["months"] for p in phases)

    # villages
    n_villages = draw(st.integers(1, min(max_villages, len(VILLAGE_POOL))))
    villages = []
    for vid, name, regency, province in VILLAGE_POOL[:n_villages]:
        v = {"id": vid, "name": name, "regency": regency}
        if draw(st.booleans()):
            v["province"] = province
        if draw(st.integers(0, 3)) == 0:
            quota = {}
            if draw(st.booleans()):
                quota["min"] = draw(st.integers(0, max_quota))
            # a cap of 0 (nobody may be covered) now and then, usually 1..max_quota
            zero_cap = draw(st.integers(0, 4)) == 0
            quota["max"] = 0 if zero_cap else draw(st.integers(1, max_quota))
            v["quota"] = quota
        villages.append(v)
    village_ids = [v["id"] for v in villages]

    # groups (keys may repeat: the library must add them up)
    top_income = draw(st.sampled_from((None, 1_000_000)))
    n_groups = draw(st.integers(min_groups, max(min_groups, max_groups)))
    groups = []
    for _ in range(n_groups):
        grp = {
            "village": draw(st.sampled_from(village_ids)),
            "count": draw(st.integers(1, max_count)),
            "priority": draw(st.sampled_from(PRIORITIES)),
            "sector": draw(st.sampled_from(SECTORS)),
        }
        if draw(st.integers(0, 2)) == 0:
            grp["income"] = draw(st.sampled_from(INCOMES))
        groups.append(grp)
    workers_in = {vid: sum(g["count"] for g in groups if g["village"] == vid) for vid in village_ids}
    total_workers = sum(workers_in.values())

    # sources
    n_sources = draw(st.integers(1, max_sources))
    sources = []
    for i in range(n_sources):
        sid = f"S{i + 1}"
        unit = monthly * draw(st.sampled_from([p["months"] for p in phases]))
        scope = draw(st.sampled_from(("village", "regency", "regency")))
        src: dict = {"id": sid}
        eligible: dict = {}
        if scope == "village":
            src["kind"] = "dana_desa"
            src["scope"] = "village"
            src["budgets"] = {
                vid: _budget(draw, unit, max(workers_in[vid], 1) * total_months * monthly)
                for vid in _nonempty_subset(draw, village_ids)
            }
        else:
            palm_only = draw(st.integers(0, 3)) == 0
            src["kind"] = "dbh_sawit" if palm_only else "apbd"
            src["scope"] = "regency"
            src["budget"] = _budget(draw, unit, max(total_workers, 1) * total_months * monthly)
            if palm_only:
                eligible["sector"] = ["palm"]
        if draw(st.integers(0, 2)) == 0:
            key = draw(st.sampled_from(("sector", "priority", "village", "regency", "province")))
            pool = {
                "sector": SECTORS,
                "priority": PRIORITIES,
                "village": village_ids,
                "regency": sorted({v["regency"] for v in villages}),
                "province": sorted({p for _v, _n, _r, p in VILLAGE_POOL[:n_villages]}),
            }[key]
            if key not in eligible:
                eligible[key] = _nonempty_subset(draw, pool)
        if eligible:
            src["eligible"] = eligible
        if n_phases > 1 and draw(st.integers(0, 2)) == 0:
            src["phases"] = _nonempty_subset(draw, phase_ids)
        sources.append(src)

    objective: dict = {}
    if draw(st.booleans()):
        objective["priority_weights"] = {
            p: draw(st.integers(1, 5)) for p in _nonempty_subset(draw, PRIORITIES)
        }
    if draw(st.booleans()):
        objective["quota_bonus"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        objective["continuity"] = draw(st.booleans())
    objective["source_order"] = draw(st.permutations([s["id"] for s in sources]))
    objective["gap"] = draw(st.sampled_from((0.0, 0.005)))

    scenario: dict = {
        "format": "premium-alloc/v1",
        "name": "random small scenario",
        "programs": programs,
    }
    if top_income is not None:
        scenario["income"] = top_income
    scenario["rates"] = rates
    scenario["phases"] = phases
    quota_kind = draw(st.sampled_from(("none", "min", "min", "minmax")))
    if quota_kind != "none":
        scenario["quota"] = {"min": draw(st.integers(0, max_quota))}
        if quota_kind == "minmax":
            scenario["quota"]["max"] = draw(st.integers(1, max_quota))
    scenario["villages"] = villages
    scenario["worker_groups"] = groups
    scenario["sources"] = sources
    scenario["objective"] = objective
    return scenario


def tiny_scenarios() -> st.SearchStrategy[dict]:
    """Scenarios small enough for reference_optimum(..., method="brute") (<= ~50k plans)."""
    return small_scenarios(
        max_villages=2, max_groups=2, max_sources=2, max_phases=2, max_count=4, max_quota=6
    )


@st.composite
def allocations_for(draw, scenario: dict, max_workers: int | None = None) -> list[dict]:
    """Random plans (result-format rows) for `scenario`; may break any rule on purpose.

    cost_idr is workers x months x sum(rates) (the correct premium), so only the
    allocation itself can be wrong.
    """
    default_income = scenario.get("income", 1_000_000)
    monthly = sum(scenario["rates"][p] for p in scenario["programs"])
    months = {p["id"]: p["months"] for p in scenario["phases"]}
    keys = []
    for g in scenario["worker_groups"]:
        key = (g["village"], g["priority"], g["sector"], g.get("income", default_income))
        if key not in keys:
            keys.append(key)
    cells = [(k, s["id"], p) for k in keys for s in scenario["sources"] for p in months]
    top = max_workers if max_workers is not None else max(g["count"] for g in scenario["worker_groups"])
    rows = []
    for key, sid, pid in draw(st.lists(st.sampled_from(cells), max_size=len(cells), unique=True)):
        n = draw(st.integers(0, top))
        village, priority, sector, income = key
        rows.append(
            {
                "village": village,
                "priority": priority,
                "sector": sector,
                "income": income,
                "source": sid,
                "phase": pid,
                "workers": n,
                "cost_idr": n * months[pid] * monthly,
            }
        )
    return rows
