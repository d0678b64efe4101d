"""Checks of the independent oracle (tests/reference.py) against hand-worked numbers."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, V2, V3, group, location_villages
    from reference import evaluate_allocations, monthly_premium, reference_optimum, scenario_groups
    from strategies import allocations_for, small_scenarios, tiny_scenarios
except ImportError:  # tests imported as a package
    from tests.handworked import V1, V2, V3, group, location_villages
    from tests.reference import evaluate_allocations, monthly_premium, reference_optimum, scenario_groups
    from tests.strategies import allocations_for, small_scenarios, tiny_scenarios

JKK_JKM = {"JKK": 10_000, "JKM": 6_800}


def scenario(**overrides) -> dict:
    base = {
        "format": "premium-alloc/v1",
        "name": "hand-worked",
        "programs": ["JKK", "JKM"],
        "rates": dict(JKK_JKM),
        "phases": [{"id": "p1", "start": "2024-01", "months": 12}],
        "villages": [{"id": V1, "name": "Desa Satu", "regency": "62.03", "province": "62"}],
        "worker_groups": [group(V1, 10, "extreme")],
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 0}],
        "objective": {"source_order": ["APBD"]},
    }
    base.update(overrides)
    return base


def both(sc: dict) -> tuple:
    milp = reference_optimum(sc, method="milp")
    brute = None
    try:
        brute = reference_optimum(sc, method="brute")
    except ValueError:
        pass
    if brute is not None:
        assert milp.objective == pytest.approx(brute.objective)
    return milp, brute


# ---- premiums ---------------------------------------------------------------------------
def test_monthly_premiums():
    assert monthly_premium(scenario()) == 16_800
    jht = scenario(programs=["JKK", "JKM", "JHT"], rates={"JKK": 10_000, "JKM": 6_800, "JHT": 20_000})
    assert monthly_premium(jht) == 36_800


def test_jht_package_cost_36800_a_month():
    sc = scenario(
        programs=["JKK", "JKM", "JHT"],
        rates={"JKK": 10_000, "JKM": 6_800, "JHT": 20_000},
        phases=[{"id": "p1", "start": "2024-01", "months": 6}],
        worker_groups=[group(V1, 100, "poor", "farming")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 100 * 6 * 36_800}],
    )
    res = reference_optimum(sc)
    assert res.objective == 600
    assert res.allocations() == [
        {"village": V1, "priority": "poor", "sector": "farming", "income": 1_000_000,
         "source": "APBD", "phase": "p1", "workers": 100, "cost_idr": 22_080_000}
    ]
    sc["sources"][0]["budget"] -= 1
    assert reference_optimum(sc).objective == 99 * 6


# ---- real cases ------------------------------------------------------------------------
def sintang(budget: int, continuity: bool = False) -> dict:
    return scenario(
        name="Sintang 2023",
        phases=[
            {"id": "p1", "start": "2023-11", "months": 2},
            {"id": "p2", "start": "2024-01", "months": 4},
        ],
        worker_groups=[group(V1, 3_000, "extreme", "farming")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": budget}],
        objective={"continuity": continuity, "source_order": ["APBD"]},
    )


def test_sintang_budget_exactly_covers_everyone():
    assert 3_000 * (2 + 4) * 16_800 == 302_400_000
    res = reference_optimum(sintang(302_400_000))
    assert res.objective == 3_000 * 2 + 3_000 * 4 == 18_000
    assert res.cover() == {(0, "p1"): 3_000, (0, "p2"): 3_000}
    assert res.spent() == {"APBD": 302_400_000}
    w, problems = evaluate_allocations(sintang(302_400_000), res.allocations())
    assert (w, problems) == (18_000, [])


def test_sintang_one_rupiah_short():
    # W = 2 c1 + 4 c2 and cost = 16,800 W: at most 17,999 worker-months, W even -> 17,998.
    res = reference_optimum(sintang(302_400_000 - 1))
    assert res.objective == 17_998
    assert res.spent()["APBD"] == 17_998 * 16_800
    res = reference_optimum(sintang(302_400_000 - 1, continuity=True))
    assert res.objective == 17_998
    c = res.cover()
    assert c[(0, "p2")] >= c[(0, "p1")]


def bangka(budget: int) -> dict:
    return scenario(
        name="Bangka APBD",
        worker_groups=[group(V1, 950, "poor", "farming")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": budget}],
    )


def test_bangka_apbd():
    assert 950 * 12 * 16_800 == 191_520_000
    res = reference_optimum(bangka(191_520_000))
    assert res.objective == 950 * 12
    assert res.covered("p1") == 950
    short = reference_optimum(bangka(191_520_000 - 1))
    assert short.covered("p1") == 949
    assert short.objective == 949 * 12
    assert short.allocations()[0]["cost_idr"] == 949 * 12 * 16_800 == 191_318_400


def test_bangka_dbh_and_apbd_sectors():
    # DBH (palm only) 2,450 workers ~ Rp493,920,000; APBD 950 workers.
    sc = scenario(
        worker_groups=[group(V1, 2_450), group(V1, 950, "poor", "farming")],
        sources=[
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 2_450 * 12 * 16_800,
             "eligible": {"sector": ["palm"]}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 950 * 12 * 16_800},
        ],
    )
    res = reference_optimum(sc)
    assert res.objective == (2_450 + 950) * 12
    # farming workers can only be paid by APBD, so APBD must pay all 950 farming workers
    assert res.x[(1, "APBD", "p1")] == 950
    assert (1, "DBH", "p1") not in res.x


# ---- the model's rules, small enough for brute force ------------------------------------
def test_priority_weights():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        worker_groups=[group(V1, 3, "extreme"), group(V1, 3), group(V1, 3, "vulnerable")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 4 * 16_800 + 16_799}],
        objective={"priority_weights": {"extreme": 3, "poor": 2}, "source_order": ["APBD"]},
    )
    milp, brute = both(sc)
    assert brute is not None
    assert milp.objective == 3 * 3 + 2 * 1
    assert milp.cover()[(0, "p1")] == 3 and milp.cover()[(1, "p1")] == 1


def test_quota_floor_bonus():
    # Village A 150 workers, village B 50, floor 100, bonus 10, 6 months.
    def sc(workers_paid: int) -> dict:
        return scenario(
            phases=[{"id": "p1", "start": "2024-01", "months": 6}],
            villages=[{"id": V1, "name": "A", "regency": "62.03"}, {"id": V2, "name": "B", "regency": "62.03"}],
            quota={"min": 100},
            worker_groups=[group(V1, 150), group(V2, 50)],
            sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": workers_paid * 6 * 16_800}],
            objective={"quota_bonus": 10, "source_order": ["APBD"]},
        )

    assert reference_optimum(sc(120)).objective == 6 * 120 * 11
    assert reference_optimum(sc(200)).objective == 6 * (150 * 11 + 50 * 1)
    res = reference_optimum(sc(200))
    assert evaluate_allocations(sc(200), res.allocations()) == (6 * 1700, [])


def test_village_quota_overrides_top_level_field_by_field():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        quota={"min": 2},
        villages=[{"id": V1, "name": "A", "regency": "62.03", "quota": {"max": 3}}],
        worker_groups=[group(V1, 5)],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**9}],
        objective={"quota_bonus": 4, "source_order": ["APBD"]},
    )
    milp, brute = both(sc)
    # covered capped at 3; floor credit min(2, 3) = 2 from the top-level min
    assert milp.objective == 3 + 4 * 2


def test_continuity():
    def sc(cont: bool) -> dict:
        return scenario(
            phases=[{"id": "p1", "start": "2024-01", "months": 3}, {"id": "p2", "start": "2024-04", "months": 2}],
            worker_groups=[group(V1, 4)],
            sources=[
                {"id": "A", "kind": "apbd", "scope": "regency", "budget": 4 * 3 * 16_800, "phases": ["p1"]},
                {"id": "B", "kind": "apbd", "scope": "regency", "budget": 1 * 2 * 16_800, "phases": ["p2"]},
            ],
            objective={"continuity": cont, "source_order": ["A", "B"]},
        )

    assert both(sc(False))[0].objective == 4 * 3 + 1 * 2
    assert both(sc(True))[0].objective == 1 * 3 + 1 * 2


def test_continuity_follows_start_not_list_order():
    sc = scenario(
        phases=[{"id": "late", "start": "2024-07", "months": 1}, {"id": "early", "start": "2024-01", "months": 1}],
        worker_groups=[group(V1, 3)],
        sources=[
            {"id": "A", "kind": "apbd", "scope": "regency", "budget": 3 * 16_800, "phases": ["early"]},
            {"id": "B", "kind": "apbd", "scope": "regency", "budget": 1 * 16_800, "phases": ["late"]},
        ],
        objective={"continuity": True, "source_order": ["A", "B"]},
    )
    assert both(sc)[0].objective == 2


def test_village_scope_and_location_filters():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        villages=location_villages(),
        worker_groups=[group(V1, 2), group(V2, 2), group(V3, 2)],
        sources=[
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 10**9, V3: 0}},
            {"id": "REG", "kind": "apbd", "scope": "regency", "budget": 10**9, "eligible": {"regency": ["62.03"]}},
            {"id": "PROV", "kind": "apbd", "scope": "regency", "budget": 10**9, "eligible": {"province": ["62"]}},
        ],
    )
    res = reference_optimum(sc)
    # V1: DD/REG/PROV; V2: REG (no province field -> PROV no); V3: PROV only (DD budget 0)
    assert res.objective == 6
    sc["sources"] = sc["sources"][:1] + [dict(sc["sources"][2])]
    res = reference_optimum(sc)
    assert res.objective == 2 + 2  # V1 by DD or PROV, V3 by PROV; V2 nobody
    assert all(gi != 1 for gi, _s, _p in res.x)


def test_village_budget_is_per_village():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        villages=[{"id": V1, "name": "A", "regency": "62.03"}, {"id": V2, "name": "B", "regency": "62.03"}],
        worker_groups=[group(V1, 5), group(V2, 5)],
        sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 5 * 16_800, V2: 2 * 16_800 + 5}}],
    )
    assert both(sc)[0].objective == 5 + 2


def test_identical_groups_are_summed():
    sc = scenario(
        income=1_000_000,
        worker_groups=[group(V1, 2), group(V1, 3, income=1_000_000), group(V1, 4, income=1_500_000)],
    )
    groups = scenario_groups(sc)
    assert [(g.income, g.count) for g in groups] == [(1_000_000, 5), (1_500_000, 4)]


def test_nobody_eligible_gives_zero():
    sc = scenario(sources=[{"id": "D", "kind": "dbh_sawit", "scope": "regency", "budget": 10**9,
                            "eligible": {"sector": ["farming"]}}])
    assert reference_optimum(sc).objective == 0
    assert reference_optimum(sc, method="brute").objective == 0


# ---- evaluate_allocations catches violations ----------------------------------------------
def row(sc, **kw) -> dict:
    r = {"village": V1, "priority": "extreme", "sector": "palm", "income": 1_000_000,
         "source": "APBD", "phase": "p1", "workers": 1}
    r.update(kw)
    months = {p["id"]: p["months"] for p in sc["phases"]}[r["phase"]]
    r.setdefault("cost_idr", r["workers"] * months * monthly_premium(sc))
    return r


def test_evaluate_detects_violations():
    sc = scenario(
        sources=[
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10 * 12 * 16_800 - 1},
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 10**9, "eligible": {"sector": ["farming"]}},
        ],
        villages=[{"id": V1, "name": "A", "regency": "62.03", "quota": {"max": 8}}],
    )
    assert evaluate_allocations(sc, [row(sc, workers=8)]) == (8 * 12, [])
    _, p = evaluate_allocations(sc, [row(sc, workers=10)])
    assert any("over by Rp1" in m for m in p) and any("quota.max" in m for m in p)
    _, p = evaluate_allocations(sc, [row(sc, workers=1, source="DBH")])
    assert any("may not pay" in m for m in p)
    _, p = evaluate_allocations(sc, [row(sc, workers=6), row(sc, workers=6, source="DBH", cost_idr=6 * 12 * 16_800)])
    assert any("> 10 workers" in m for m in p)
    _, p = evaluate_allocations(sc, [row(sc, workers=2, cost_idr=1)])
    assert any("cost_idr" in m for m in p)
    _, p = evaluate_allocations(sc, [row(sc, workers=2, priority="poor")])
    assert any("no worker group" in m for m in p)
    _, p = evaluate_allocations(sc, [row(sc, workers=1.5, cost_idr=0)])
    assert any("not a whole number" in m for m in p)


def test_evaluate_detects_continuity_break():
    sc = sintang(10**10, continuity=True)
    group = {"village": V1, "priority": "extreme", "sector": "farming", "income": 1_000_000, "source": "APBD"}
    plan = [
        dict(group, phase="p1", workers=5, cost_idr=5 * 2 * 16_800),
        dict(group, phase="p2", workers=4, cost_idr=4 * 4 * 16_800),
    ]
    w, p = evaluate_allocations(sc, plan)
    assert w == 5 * 2 + 4 * 4
    assert any("continuity" in m for m in p)
    sc["objective"]["continuity"] = False
    assert evaluate_allocations(sc, plan) == (26, [])


# ---- properties ---------------------------------------------------------------------------
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiny_scenarios())
def test_milp_equals_brute_on_tiny(sc):
    original = copy.deepcopy(sc)
    milp = reference_optimum(sc, method="milp")
    brute = reference_optimum(sc, method="brute")
    assert sc == original  # the oracle never mutates its input
    assert milp.objective == pytest.approx(brute.objective, rel=1e-9, abs=1e-9)
    for res in (milp, brute):
        w, problems = evaluate_allocations(sc, res.allocations())
        assert problems == []
        assert w == pytest.approx(res.objective)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_feasible_plan_beats_the_optimum(data):
    sc = data.draw(tiny_scenarios())
    best = reference_optimum(sc, method="brute").objective
    plan = data.draw(allocations_for(sc))
    w, problems = evaluate_allocations(sc, plan)
    if not problems:
        assert w <= best + 1e-9


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_milp_plan_is_feasible_on_small(sc):
    res = reference_optimum(sc)
    w, problems = evaluate_allocations(sc, res.allocations())
    assert problems == [] and w == pytest.approx(res.objective)
