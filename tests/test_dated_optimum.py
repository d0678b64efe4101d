"""The plan against an exact MILP on scenarios priced by the built-in dated rate table.

``tests/reference.py`` needs explicit ``rates``; here premiums vary by income, sector, funder
and month (JKK tiers, JHT, PP 50/2025 discounts in 2025-2026). The exact model below is written
from the contract's "Meaning" section with PuLP, solved by HiGHS to a zero gap; it shares only
the premium of a worker-phase with the library (``rates.phase_premium``, itself checked against
hand-worked figures in ``test_rates.py``).
"""

from __future__ import annotations

import copy
import random
import warnings

import pulp
import pytest

import premium_alloc as pa
from premium_alloc import synthetic
from premium_alloc.rates import phase_premium

TOL = 1e-6


def _eligible(source: dict, group: tuple, village: dict) -> bool:
    v, priority, sector, _ = group
    filters = source.get("eligible", {})
    values = {
        "sector": sector,
        "priority": priority,
        "village": v,
        "regency": village.get("regency"),
        "province": village.get("province"),
    }
    if any(values[key] not in allowed for key, allowed in filters.items()):
        return False
    return source["scope"] != "village" or v in source.get("budgets", {})


def exact(sc: dict) -> float:
    """Exact optimum W of the contract's integer program, proven by HiGHS (gap 0)."""
    default_income = sc.get("income", 1_000_000)
    villages = {v["id"]: v for v in sc["villages"]}
    groups: dict[tuple, int] = {}
    for g in sc["worker_groups"]:
        key = (g["village"], g.get("priority"), g.get("sector"), g.get("income", default_income))
        groups[key] = groups.get(key, 0) + g["count"]
    keys = list(groups)
    phases = sorted(sc["phases"], key=lambda p: p["start"])
    weights = sc["objective"].get("priority_weights", {})
    bonus = sc["objective"].get("quota_bonus", 0)

    m = pulp.LpProblem("exact", pulp.LpMaximize)
    x: dict[tuple, pulp.LpVariable] = {}
    cost: dict[tuple, int] = {}
    for gi, key in enumerate(keys):
        for s in sc["sources"]:
            if not _eligible(s, key, villages[key[0]]):
                continue
            for p in phases:
                if "phases" in s and p["id"] not in s["phases"]:
                    continue
                t = (gi, s["id"], p["id"])
                x[t] = pulp.LpVariable(f"x_{gi}_{s['id']}_{p['id']}", 0, groups[key], cat="Integer")
                cost[t] = phase_premium(
                    sc["programs"], p["start"], p["months"], income=key[3], sector=key[2],
                    funder=s["kind"], overrides=sc.get("rates"),
                )
    cover = {
        (gi, p["id"]): pulp.lpSum(v for t, v in x.items() if t[0] == gi and t[2] == p["id"])
        for gi in range(len(keys))
        for p in phases
    }
    objective = []
    for p in phases:
        for gi, key in enumerate(keys):
            m += cover[gi, p["id"]] <= groups[key]
            objective.append(p["months"] * weights.get(key[1], 1) * cover[gi, p["id"]])
        for vid, village in villages.items():
            quota = {**sc.get("quota", {}), **village.get("quota", {})}
            size = sum(n for key, n in groups.items() if key[0] == vid)
            covered = pulp.lpSum(cover[gi, p["id"]] for gi, key in enumerate(keys) if key[0] == vid)
            credit = pulp.LpVariable(f"q_{vid}_{p['id']}", 0, min(quota.get("min", 0), size))
            m += credit <= covered
            if "max" in quota:
                m += covered <= quota["max"]
            objective.append(p["months"] * bonus * credit)
    if sc["objective"].get("continuity"):
        for i, p in enumerate(phases):
            for later in phases[i + 1 :]:
                for gi in range(len(keys)):
                    m += cover[gi, later["id"]] >= cover[gi, p["id"]]
    for s in sc["sources"]:
        mine = [t for t in x if t[1] == s["id"]]
        if s["scope"] == "regency":
            m += pulp.lpSum(cost[t] * x[t] for t in mine) <= s["budget"]
        else:
            for vid, budget in s["budgets"].items():
                m += pulp.lpSum(cost[t] * x[t] for t in mine if keys[t[0]][0] == vid) <= budget
    m += pulp.lpSum(objective)
    m.solve(pulp.HiGHS(msg=False, gapRel=0, gapAbs=0))
    assert pulp.LpStatus[m.status] == "Optimal"
    return pulp.value(m.objective) or 0.0


def mutate(rng: random.Random, sc: dict) -> dict:
    """Random settings and budgets on a synthetic regency."""
    sc = copy.deepcopy(sc)
    o = sc["objective"]
    o["continuity"] = rng.random() < 0.4
    o["gap"] = rng.choice([0.005, 0.005, 0.001, 0.0])
    o["quota_bonus"] = rng.choice([0, 1, 10, 50])
    if rng.random() < 0.3:
        sc["quota"] = {"min": rng.choice([5, 20, 100])}
        if rng.random() < 0.5:
            sc["quota"]["max"] = rng.choice([10, 40, 80])
    if rng.random() < 0.4:  # three phases: 2 + 4 + 6 months
        year = sc["phases"][0]["start"][:4]
        sc["phases"] = [
            {"id": "p1", "start": f"{year}-01", "months": 2},
            {"id": "p2", "start": f"{year}-03", "months": 4},
            {"id": "p3", "start": f"{year}-07", "months": 6},
        ]
    for s in sc["sources"]:
        f = rng.choice([0.05, 0.3, 1, 2])
        if "budget" in s:
            s["budget"] = int(s["budget"] * f)
        else:
            s["budgets"] = {k: int(b * f) + rng.randint(0, 20_000) for k, b in s["budgets"].items()}
    if rng.random() < 0.3 and len(sc["phases"]) > 1:
        sc["sources"][-1]["phases"] = [sc["phases"][-1]["id"]]
    return sc


def case(seed: int) -> dict:
    rng = random.Random(seed)
    base = synthetic.regency(
        rng.randint(0, 10**6),
        villages=rng.randint(2, 10),
        workers=rng.randint(60, 1200),
        year=rng.choice([2024, 2025, 2026]),
        jht_share=rng.choice([0, 0, 0.3]),
        palm_share=rng.choice([0, 0.3, 0.7]),
    )
    return mutate(rng, base)


@pytest.mark.parametrize("seed", range(40))
def test_plan_is_within_its_gap_of_the_exact_optimum(seed: int) -> None:
    sc = case(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = pa.solve(copy.deepcopy(sc))
        best = exact(sc)
    gap = sc["objective"]["gap"]
    scale = max(1.0, best)
    assert result.bound >= best - TOL * scale, "the proven bound is below the true optimum"
    assert result.objective <= best + TOL * scale
    if result.status == "optimal":
        assert result.objective >= (1 - gap) * best - TOL * scale
    else:
        assert result.status == "feasible" and result.gap > gap
