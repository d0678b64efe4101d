"""The core allocator, solved through the public API.

Three kinds of evidence:

* hand-worked scenarios (Sintang, Bangka, village floors, caps, continuity, tie-breaks,
  eligibility) with every expected number written out by hand;
* the independent oracle of ``tests/reference.py`` (exact PuLP/CBC MILP and brute force,
  written from the contract) on random scenarios from ``tests/strategies.py``;
* properties checked in Python integers straight from the result tables (budgets, sums,
  monotonicity, determinism) and a cross-check of the CBC back-end against HiGHS.
"""

from __future__ import annotations

import copy
import json
import math
import random
from dataclasses import asdict
from unittest import mock

import pulp
import pytest
from hypothesis import HealthCheck, example, given, reject, settings
from hypothesis import strategies as st

import premium_alloc as pa
from premium_alloc import synthetic

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, V2, V3, group, location_villages
    from reference import evaluate_allocations, reference_optimum
    from strategies import small_scenarios, tiny_scenarios
except ImportError:  # tests imported as a package
    from tests.handworked import V1, V2, V3, group, location_villages
    from tests.reference import evaluate_allocations, reference_optimum
    from tests.strategies import small_scenarios, tiny_scenarios

REL = 1e-9  # relative tolerance for comparing W with the oracle's bound

HYP = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# PuLP 3.x warns about its own 4.0 API (PULP_CBC_CMD) on every CBC solve
pytestmark = pytest.mark.filterwarnings("ignore:.*PuLP 4.0.*:DeprecationWarning")


def scenario(**overrides) -> dict:
    """A hand-worked base: JKK+JKM from the built-in table (Rp16,800 a month in 2024)."""
    base = {
        "format": "premium-alloc/v1",
        "name": "hand-worked",
        "programs": ["JKK", "JKM"],
        "phases": [{"id": "p1", "start": "2024-01", "months": 12}],
        "villages": [
            {"id": V1, "name": "Desa Satu", "regency": "62.03", "province": "62"},
            {"id": V2, "name": "Desa Dua", "regency": "62.03", "province": "62"},
        ],
        "worker_groups": [group(V1, 10)],
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 0}],
    }
    base.update(overrides)
    return base


def allocs(r: pa.Result) -> list[dict]:
    return [asdict(a) for a in r.allocations]


def by_phase(r: pa.Result) -> dict[str, tuple[int, int, int, int, int]]:
    """phase -> (eligible, covered, uncovered, cost_idr, shortfall_idr)"""
    return {p.phase: (p.eligible, p.covered, p.uncovered, p.cost_idr, p.shortfall_idr) for p in r.phases}


def spent(r: pa.Result) -> dict[str, tuple[int, int]]:
    """source -> (workers, spent_idr)"""
    return {s.source: (s.workers, s.spent_idr) for s in r.sources}


def village_cover(r: pa.Result) -> dict[tuple[str, str], int]:
    return {(v.village, v.phase): v.covered for v in r.villages}


def assert_totals_add_up(sc: dict, r: pa.Result) -> None:
    """Every total of the result equals the sum of its allocations (Python ints), and
    covered + uncovered = eligible, per phase and per village."""
    total = sum(g["count"] for g in sc.get("worker_groups", []))
    per_village = {v["id"]: 0 for v in sc["villages"]}
    for g in sc.get("worker_groups", []):
        per_village[g["village"]] += g["count"]
    for a in r.allocations:
        assert isinstance(a.workers, int) and a.workers > 0
        assert isinstance(a.cost_idr, int) and a.cost_idr >= 0
        if a.income is not None:
            assert isinstance(a.income, int)
    for p in r.phases:
        rows = [a for a in r.allocations if a.phase == p.phase]
        assert p.eligible == total
        assert p.covered == sum(a.workers for a in rows)
        assert p.cost_idr == sum(a.cost_idr for a in rows)
        assert p.covered + p.uncovered == p.eligible
        vs = [v for v in r.villages if v.phase == p.phase]
        assert p.shortfall_idr == sum(v.shortfall_idr for v in vs)
        assert p.covered == sum(v.covered for v in vs)
        assert p.uncovered == sum(v.uncovered for v in vs)
        if p.uncovered == 0:
            assert p.shortfall_idr == 0
    for v in r.villages:
        rows = [a for a in r.allocations if a.phase == v.phase and a.village == v.village]
        assert v.eligible == per_village[v.village]
        assert v.covered == sum(a.workers for a in rows)
        assert v.covered + v.uncovered == v.eligible
        assert v.quota_met == (v.covered >= v.quota_target)
    for s in r.sources:
        rows = [a for a in r.allocations if a.source == s.source]
        assert s.spent_idr == sum(a.cost_idr for a in rows)
        assert s.workers == sum(a.workers for a in rows)
    assert {s.source for s in r.sources} == {s["id"] for s in sc["sources"]}
    # phases in time order (sorted is stable: equal starts keep their listed order)
    assert [p.phase for p in r.phases] == [p["id"] for p in sorted(sc["phases"], key=lambda p: p["start"])]


def spent_by_budget(sc: dict, rows: list[dict], premium) -> dict[tuple[str, str | None], int]:
    """Rupiah spent per budget (source, village or None), recomputed in Python ints from
    workers x premium(row) -- never from the library's cost figures."""
    src = {s["id"]: s for s in sc["sources"]}
    out: dict[tuple[str, str | None], int] = {}
    for a in rows:
        s = src[a["source"]]
        key = (a["source"], a["village"] if s.get("scope") == "village" else None)
        out[key] = out.get(key, 0) + a["workers"] * premium(a)
    return out


def assert_no_budget_exceeded(sc: dict, rows: list[dict], premium) -> None:
    src = {s["id"]: s for s in sc["sources"]}
    for (sid, village), amount in spent_by_budget(sc, rows, premium).items():
        s = src[sid]
        limit = s["budget"] if village is None else s["budgets"][village]
        assert amount <= limit, f"{sid} {village}: Rp{amount} > Rp{limit}"


# =====================================================================================
# Hand-worked scenarios
# =====================================================================================
def sintang(budget: int, continuity: bool = False) -> dict:
    # Sintang, Nov 2023: 3,000 extreme-poor workers, JKK+JKM, 2 months then 4 months
    return scenario(
        name="Sintang 2023",
        phases=[{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 4}],
        villages=[{"id": V1, "name": "Desa Satu", "regency": "61.05"}],
        worker_groups=[group(V1, 3_000, "extreme", "farming")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": budget}],
        objective={"continuity": continuity, "source_order": ["APBD"]},
    )


@pytest.mark.parametrize("gap", [0.0, None])
def test_sintang_budget_covers_everyone(gap):
    # 3,000 x (2 + 4) x 16,800 = 302,400,000
    r = pa.solve(sintang(302_400_000), gap=gap)
    assert r.status == "optimal"
    assert r.objective == 18_000.0  # 3,000 x 2 + 3,000 x 4 (weight 1)
    assert by_phase(r) == {
        # eligible, covered, uncovered, cost (3,000 x 2 x 16,800 / 3,000 x 4 x 16,800), shortfall
        "p1": (3_000, 3_000, 0, 100_800_000, 0),
        "p2": (3_000, 3_000, 0, 201_600_000, 0),
    }
    assert spent(r) == {"APBD": (6_000, 302_400_000)}
    assert [(a.phase, a.workers, a.cost_idr) for a in r.allocations] == [
        ("p1", 3_000, 100_800_000),
        ("p2", 3_000, 201_600_000),
    ]


@pytest.mark.parametrize("continuity", [False, True])
def test_sintang_one_rupiah_short_drops_one_worker_in_the_short_phase(continuity):
    # Rp302,399,999: one worker must go. Dropping one in p1 loses 2 worker-months (saves
    # 33,600), in p2 4 worker-months; so the optimum drops exactly one worker in p1.
    r = pa.solve(sintang(302_400_000 - 1, continuity), gap=0)
    assert r.status == "optimal"
    assert r.objective == 17_998.0
    assert r.bound >= 17_998.0
    assert by_phase(r) == {
        # p1: 2,999 x 33,600 = 100,766,400; shortfall = 1 worker x 2 x 16,800 = 33,600
        "p1": (3_000, 2_999, 1, 100_766_400, 33_600),
        "p2": (3_000, 3_000, 0, 201_600_000, 0),
    }
    assert spent(r) == {"APBD": (5_999, 302_366_400)}  # 100,766,400 + 201,600,000


def test_sintang_default_gap_is_within_half_a_percent():
    r = pa.solve(sintang(302_400_000 - 1))
    # contract: W >= (1 - 0.005) x bound, and bound >= the true optimum 17,998
    assert r.bound >= 17_998.0
    assert r.objective >= 0.995 * r.bound
    assert r.sources[0].spent_idr <= 302_399_999


def bangka(apbd: int, dbh: int | None = None) -> dict:
    groups = [group(V1, 1_000, "poor", "farming")]
    sources = [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": apbd}]
    if dbh is not None:
        groups.append(group(V2, 2_450))
        sources.insert(0, {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": dbh,
                           "eligible": {"sector": ["palm"]}})
    return scenario(name="Bangka", worker_groups=groups, sources=sources)


def test_bangka_apbd_pays_exactly_950_workers_for_12_months():
    # 950 x 12 x 16,800 = 191,520,000
    r = pa.solve(bangka(191_520_000), gap=0)
    assert r.status == "optimal"
    assert r.objective == 11_400.0  # 950 x 12
    # 50 uncovered: 50 x 12 x 16,800 = 10,080,000
    assert by_phase(r) == {"p1": (1_000, 950, 50, 191_520_000, 10_080_000)}
    assert spent(r) == {"APBD": (950, 191_520_000)}
    # one rupiah less: 949 workers, 949 x 201,600 = 191,318,400
    r = pa.solve(bangka(191_520_000 - 1), gap=0)
    assert by_phase(r) == {"p1": (1_000, 949, 51, 191_318_400, 10_281_600)}


def test_bangka_dbh_and_apbd():
    # DBH 2,450 palm workers: 2,450 x 12 x 16,800 = 493,920,000; APBD 950 farming
    r = pa.solve(bangka(191_520_000, 493_920_000), gap=0)
    assert r.status == "optimal"
    assert r.objective == 40_800.0  # (950 + 2,450) x 12
    assert spent(r) == {"DBH": (2_450, 493_920_000), "APBD": (950, 191_520_000)}
    assert village_cover(r) == {(V1, "p1"): 950, (V2, "p1"): 2_450}
    # 50 farming workers left: 50 x 201,600
    assert by_phase(r)["p1"] == (3_450, 3_400, 50, 685_440_000, 10_080_000)


def floor_scenario(bonus: float) -> dict:
    # Village A: 200 extreme (weight 3); village B: 5 vulnerable (weight 1); floor 5.
    # APBD buys 100 workers for 12 months: 100 x 201,600 = 20,160,000.
    return scenario(
        quota={"min": 5},
        worker_groups=[group(V1, 200, "extreme"), group(V2, 5, "vulnerable")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 20_160_000}],
        objective={"priority_weights": {"extreme": 3, "vulnerable": 1}, "quota_bonus": bonus},
    )


@pytest.mark.parametrize("gap", [0.0, None])
def test_quota_floor_forces_money_to_a_small_village(gap):
    # per worker-month: A's first 5 are worth 3 + 10, A's others 3, B's 5 are worth 1 + 10.
    # 95 in A + 5 in B: 5 x 13 + 90 x 3 + 5 x 11 = 390  >  100 in A: 5 x 13 + 95 x 3 = 350
    r = pa.solve(floor_scenario(10), gap=gap)
    assert r.status == "optimal"
    assert r.objective == 4_680.0  # 12 x 390
    assert village_cover(r) == {(V1, "p1"): 95, (V2, "p1"): 5}
    assert [(v.village, v.quota_target, v.quota_met) for v in r.villages] == [(V1, 5, True), (V2, 5, True)]
    assert spent(r) == {"APBD": (100, 20_160_000)}


def test_without_quota_bonus_the_small_village_gets_nothing():
    r = pa.solve(floor_scenario(0), gap=0)
    assert r.objective == 3_600.0  # 12 x 100 x 3
    assert village_cover(r) == {(V1, "p1"): 100, (V2, "p1"): 0}
    assert [(v.village, v.quota_met) for v in r.villages] == [(V1, True), (V2, False)]
    # B's 5 uncovered: 5 x 201,600
    assert r.villages[1].shortfall_idr == 1_008_000


def test_floor_target_is_capped_by_village_size():
    # T = min(100, workers in the village)
    r = pa.solve(scenario(quota={"min": 100},
                          worker_groups=[group(V1, 150), group(V2, 7)]), gap=0)
    assert [(v.village, v.quota_target) for v in r.villages] == [(V1, 100), (V2, 7)]


def test_quota_max_is_a_hard_cap():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 6}],
        villages=[
            {"id": V1, "name": "A", "regency": "62.03", "quota": {"max": 30}},
            {"id": V2, "name": "B", "regency": "62.03"},
        ],
        worker_groups=[group(V1, 100, "extreme"), group(V2, 20)],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**10}],
    )
    r = pa.solve(sc, gap=0)
    assert r.status == "optimal"
    assert village_cover(r) == {(V1, "p1"): 30, (V2, "p1"): 20}
    assert r.objective == 300.0  # 6 x (30 + 20)
    # 50 workers x 6 x 16,800 = 5,040,000 spent
    assert spent(r) == {"APBD": (50, 5_040_000)}
    # A's 70 capped-out workers are uncovered: 70 x 100,800
    assert r.villages[0].uncovered == 70 and r.villages[0].shortfall_idr == 7_056_000


def test_quota_max_below_the_floor_is_obeyed_and_warned():
    sc = scenario(
        quota={"min": 100},
        villages=[{"id": V1, "name": "A", "regency": "62.03", "quota": {"max": 30}}],
        worker_groups=[group(V1, 150)],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**10}],
        objective={"quota_bonus": 10},
    )
    r = pa.solve(sc, gap=0)
    assert village_cover(r) == {(V1, "p1"): 30}
    assert r.objective == 12 * (30 + 10 * 30)  # credit min(100, 30) = 30
    assert r.villages[0].quota_target == 100 and not r.villages[0].quota_met
    assert any(V1 in w and "p1" in w for w in r.warnings), r.warnings


def test_quota_max_zero_with_a_floor_covers_nobody():
    # regression: a floor above a cap of 0 once made the repair cover a worker anyway
    sc = scenario(
        villages=[{"id": V1, "name": "A", "regency": "62.03", "quota": {"min": 1, "max": 0}}],
        worker_groups=[group(V1, 1, "extreme")],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 201_600}],
        objective={"quota_bonus": 1},
    )
    r = pa.solve(sc, gap=0)
    assert r.objective == 0.0 and r.allocations == []
    assert by_phase(r)["p1"] == (1, 0, 1, 0, 201_600)


def continuity_scenario(continuity: bool) -> dict:
    # 10 workers; A pays only p1 (Jan-Jun), enough for all 10: 10 x 6 x 16,800 = 1,008,000;
    # B pays only p2 (Jul-Dec), enough for 4: 4 x 100,800 = 403,200.
    return scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        sources=[
            {"id": "A", "kind": "apbd", "scope": "regency", "budget": 1_008_000, "phases": ["p1"]},
            {"id": "B", "kind": "apbd", "scope": "regency", "budget": 403_200, "phases": ["p2"]},
        ],
        objective={"continuity": continuity},
    )


def test_without_continuity_each_phase_on_its_own():
    r = pa.solve(continuity_scenario(False), gap=0)
    assert r.objective == 84.0  # 6 x 10 + 6 x 4
    assert by_phase(r) == {"p1": (10, 10, 0, 1_008_000, 0), "p2": (10, 4, 6, 403_200, 604_800)}


def test_continuity_holds_earlier_cover_to_the_later_budget():
    r = pa.solve(continuity_scenario(True), gap=0)
    assert r.status == "optimal"
    assert r.objective == 48.0  # 6 x 4 + 6 x 4
    # 6 uncovered per phase: 6 x 100,800 = 604,800
    assert by_phase(r) == {"p1": (10, 4, 6, 403_200, 604_800), "p2": (10, 4, 6, 403_200, 604_800)}
    assert spent(r) == {"A": (4, 403_200), "B": (4, 403_200)}


def test_continuity_with_no_payer_in_the_later_phase_blocks_the_earlier_one():
    sc = continuity_scenario(True)
    sc["sources"] = sc["sources"][:1]
    r = pa.solve(sc, gap=0)
    assert r.objective == 0.0 and r.allocations == []
    assert r.warnings  # the contract: settings that force coverage down are warned about


def test_continuity_follows_phase_start_not_list_order():
    sc = continuity_scenario(True)
    sc["phases"] = list(reversed(sc["phases"]))
    r = pa.solve(sc, gap=0)
    assert r.objective == 48.0
    assert [p.phase for p in r.phases] == ["p1", "p2"]


def test_continuity_swap_regression():
    # regression: the floor repair once moved the only worker from p2 to p1 (budget for
    # one phase only), breaking continuity. Optimum: cover p2 only, W = 1 x (1 + 1).
    sc = scenario(
        rates={"JKK": 10_000, "JKM": 6_800},
        phases=[{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 1}],
        villages=[{"id": V1, "name": "A", "regency": "62.03", "quota": {"min": 1, "max": 1}}],
        worker_groups=[group(V1, 1, "extreme")],
        sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 33_600}}],
        objective={"quota_bonus": 1, "continuity": True},
    )
    r = pa.solve(sc, gap=0)
    assert r.objective == 2.0
    assert by_phase(r) == {"p1": (1, 0, 1, 0, 33_600), "p2": (1, 1, 0, 16_800, 0)}


def order_scenario(order: list[str], a_budget: int = 10**9) -> dict:
    # two APBD-like sources that can both pay all 10 workers for 12 months (2,016,000)
    return scenario(
        sources=[
            {"id": "A", "kind": "apbd", "scope": "regency", "budget": a_budget},
            {"id": "B", "kind": "apbd", "scope": "regency", "budget": 10**9},
        ],
        objective={"source_order": order},
    )


@pytest.mark.parametrize("gap", [0.0, None])
def test_source_order_spends_the_earlier_source_first(gap):
    r = pa.solve(order_scenario(["A", "B"]), gap=gap)
    assert spent(r) == {"A": (10, 2_016_000), "B": (0, 0)}
    r = pa.solve(order_scenario(["B", "A"]), gap=gap)
    assert spent(r) == {"A": (0, 0), "B": (10, 2_016_000)}
    assert r.objective == 120.0


def test_source_order_with_a_short_first_source():
    # A can pay 4 workers (Rp1 short of 5: 4 x 201,600 + 201,599); B pays the other 6
    r = pa.solve(order_scenario(["A", "B"], a_budget=1_008_000 - 1), gap=0)
    assert spent(r) == {"A": (4, 806_400), "B": (6, 1_209_600)}
    r = pa.solve(order_scenario(["B", "A"], a_budget=1_008_000 - 1), gap=0)
    assert spent(r) == {"A": (0, 0), "B": (10, 2_016_000)}


def test_sources_missing_from_source_order_come_last():
    r = pa.solve(order_scenario(["B"]), gap=0)
    assert spent(r) == {"A": (0, 0), "B": (10, 2_016_000)}
    sc = order_scenario(["A"])
    del sc["objective"]["source_order"]  # no order at all: as listed
    r = pa.solve(sc, gap=0)
    assert spent(r) == {"A": (10, 2_016_000), "B": (0, 0)}


def test_source_order_never_costs_coverage():
    # REG (either village) comes first in source_order, V2ONLY can pay V2 only. Spending REG
    # on V2 "because it is earlier" would leave V1 uncovered: the tie-break must never cost
    # coverage, so REG pays V1 and V2ONLY pays V2.
    sc = scenario(
        worker_groups=[group(V1, 5), group(V2, 5)],
        sources=[
            {"id": "REG", "kind": "apbd", "scope": "regency", "budget": 5 * 201_600, "eligible": {"village": [V1, V2]}},
            {"id": "V2ONLY", "kind": "csr", "scope": "regency", "budget": 5 * 201_600, "eligible": {"village": [V2]}},
        ],
        objective={"source_order": ["REG", "V2ONLY"]},
    )
    r = pa.solve(sc, gap=0)
    assert r.objective == 120.0  # all 10 covered
    assert village_cover(r) == {(V1, "p1"): 5, (V2, "p1"): 5}
    assert spent(r) == {"REG": (5, 1_008_000), "V2ONLY": (5, 1_008_000)}


def test_dbh_sawit_pays_only_palm_workers():
    sc = scenario(
        worker_groups=[group(V1, 10), group(V1, 7, "extreme", "farming")],
        sources=[{"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 10**10,
                  "eligible": {"sector": ["palm"]}}],
        objective={"priority_weights": {"extreme": 5, "poor": 1}},
    )
    r = pa.solve(sc, gap=0)
    assert {(a.sector, a.source, a.workers) for a in r.allocations} == {("palm", "DBH", 10)}
    # 7 farming workers uncovered: 7 x 201,600 = 1,411,200
    assert by_phase(r) == {"p1": (17, 10, 7, 2_016_000, 1_411_200)}
    assert r.objective == 120.0


def test_village_scope_pays_only_its_own_village():
    sc = scenario(
        worker_groups=[group(V1, 10), group(V2, 2)],
        # V1's budget buys 3 workers (Rp1 short of 4); V2's budget is huge but only for V2
        sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 806_399, V2: 10**10}}],
    )
    r = pa.solve(sc, gap=0)
    assert village_cover(r) == {(V1, "p1"): 3, (V2, "p1"): 2}
    per_village = {}
    for a in r.allocations:
        per_village[a.village] = per_village.get(a.village, 0) + a.cost_idr
    assert per_village == {V1: 604_800, V2: 403_200}  # 3 and 2 x 201,600
    assert spent(r) == {"DD": (5, 1_008_000)}
    assert r.sources[0].budget_idr == 806_399 + 10**10


def test_village_scope_without_a_budget_for_the_village():
    sc = scenario(
        worker_groups=[group(V1, 4), group(V2, 6)],
        sources=[{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 10**10}}],
    )
    r = pa.solve(sc, gap=0)
    assert village_cover(r) == {(V1, "p1"): 4, (V2, "p1"): 0}
    assert {a.village for a in r.allocations} == {V1}


def test_location_filters():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        villages=location_villages(),
        worker_groups=[group(V1, 2), group(V2, 3), group(V3, 4)],
        sources=[
            {"id": "REG", "kind": "apbd", "scope": "regency", "budget": 10**9, "eligible": {"regency": ["62.04"]}},
            {"id": "PROV", "kind": "apbd_provinsi", "scope": "province", "budget": 10**9, "eligible": {"province": ["62"]}},
        ],
    )
    r = pa.solve(sc, gap=0)
    # V1 by PROV; V2 has no province so nobody; V3 by REG or PROV
    assert village_cover(r) == {(V1, "p1"): 2, (V2, "p1"): 0, (V3, "p1"): 4}


def unfundable_scenario() -> dict:
    # DBH pays palm workers only: V2's 3 fishing workers have no source that may pay for them
    return scenario(
        worker_groups=[group(V1, 10), group(V2, 3, "extreme", "fishing")],
        sources=[{"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 10**10,
                  "eligible": {"sector": ["palm"]}}],
    )


def test_unfundable_worker_is_uncovered_and_still_eligible():
    r = pa.solve(unfundable_scenario(), gap=0)
    # 13 eligible, 10 covered, 3 uncovered; shortfall 3 x 201,600 = 604,800
    assert by_phase(r) == {"p1": (13, 10, 3, 2_016_000, 604_800)}
    v2 = [v for v in r.villages if v.village == V2][0]
    assert (v2.eligible, v2.covered, v2.uncovered, v2.shortfall_idr) == (3, 0, 3, 604_800)


def test_source_phase_restriction():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        sources=[{"id": "APBD23", "kind": "apbd", "scope": "regency", "budget": 10**10, "phases": ["p1"]}],
    )
    r = pa.solve(sc, gap=0)
    assert {a.phase for a in r.allocations} == {"p1"}
    assert by_phase(r) == {"p1": (10, 10, 0, 1_008_000, 0), "p2": (10, 0, 10, 0, 1_008_000)}


def test_cost_depends_on_income():
    # income 1,500,000: JKK 15,000 + JKM 6,800 = 21,800 a month; 12 months = 261,600
    sc = scenario(
        worker_groups=[group(V1, 3, income=1_500_000), group(V1, 2)],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 10**10}],
    )
    r = pa.solve(sc, gap=0)
    assert {(a.income, a.workers, a.cost_idr) for a in r.allocations} == {
        (1_500_000, 3, 784_800),  # 3 x 261,600
        (1_000_000, 2, 403_200),  # 2 x 201,600
    }


def test_cheaper_workers_first_when_weights_are_equal():
    # budget 1,000,000 for 1 month: cheapest first maximises headcount.
    # 1,000,000 tier: 16,800; 2,500,000 tier: 25,000 + 6,800 = 31,800
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 1}],
        worker_groups=[group(V1, 50, income=2_500_000), group(V1, 50)],
        sources=[{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 1_000_000}],
    )
    r = pa.solve(sc, gap=0)
    # 50 x 16,800 = 840,000; 160,000 left buys 5 x 31,800 = 159,000
    assert r.objective == 55.0
    assert {(a.income, a.workers) for a in r.allocations} == {(1_000_000, 50), (2_500_000, 5)}


def test_totals_add_up_on_the_contract_example():
    sc = scenario(
        phases=[{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        quota={"min": 100},
        villages=[{"id": V1, "name": "Desa Contoh", "regency": "62.03", "quota": {"min": 100, "max": 150}},
                  {"id": V2, "name": "Desa Dua", "regency": "62.03"}],
        worker_groups=[
            group(V1, 250, "extreme"),
            group(V1, 90, "poor", "farming", income=1_500_000),
            group(V2, 40, "vulnerable", "fishing"),
        ],
        sources=[
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 25_000_000}},
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 12_000_000, "eligible": {"sector": ["palm"]}},
            {"id": "APBD23", "kind": "apbd", "scope": "regency", "budget": 3_000_000, "phases": ["p1"]},
            {"id": "APBD24", "kind": "apbd", "scope": "regency", "budget": 3_000_000},
        ],
        objective={"priority_weights": {"extreme": 3, "poor": 2, "vulnerable": 1}, "quota_bonus": 10,
                   "source_order": ["DD", "DBH", "APBD23", "APBD24"]},
    )
    r = pa.solve(sc)
    assert_totals_add_up(sc, r)
    # cost_idr = workers x phase premium, by hand: 6 x 16,800 = 100,800 at the lowest tier,
    # 6 x 21,800 = 130,800 at 1,500,000 (no discount in 2024)
    for a in r.allocations:
        assert a.cost_idr == a.workers * {1_000_000: 100_800, 1_500_000: 130_800}[a.income]
    assert max(v.covered for v in r.villages if v.village == V1) <= 150
    rows = allocs(r)
    assert_no_budget_exceeded(sc, rows, lambda a: {1_000_000: 100_800, 1_500_000: 130_800}[a["income"]])


def test_result_json_has_the_contract_fields():
    r = pa.solve(sintang(302_400_000))
    d = json.loads(r.to_json())
    assert d["format"] == "premium-alloc-result/v1"
    assert {"format", "scenario", "status", "objective", "bound", "gap", "allocations", "phases", "sources",
            "villages"} <= set(d)
    assert d["allocations"][0] == {"village": V1, "priority": "extreme", "sector": "farming", "income": 1_000_000,
                                   "source": "APBD", "phase": "p1", "workers": 3_000, "cost_idr": 100_800_000}
    assert d["phases"][1] == {"phase": "p2", "eligible": 3_000, "covered": 3_000, "uncovered": 0,
                              "cost_idr": 201_600_000, "shortfall_idr": 0, "months": 4, "worker_months": 12_000}
    # v1 `workers` counts worker-phases (3,000 people in two phases); the new fields count people per
    # phase and worker-months (3,000 x 2 + 3,000 x 4)
    assert d["sources"] == [{"source": "APBD", "budget_idr": 302_400_000, "spent_idr": 302_400_000, "workers": 6_000,
                             "workers_by_phase": {"p1": 3_000, "p2": 3_000}, "worker_months": 18_000}]
    assert d["gap"] == 0.0 and d["objective"] == d["bound"] == 18_000


# =====================================================================================
# Against the independent oracle
# =====================================================================================
ORACLE_SECONDS = 3


class _GuardedCBC(pulp.PULP_CBC_CMD):
    """The oracle's CBC with a time limit, remembering whether it *proved* optimality.

    CBC 2.10 can take many minutes to prove a tiny knapsack optimal (budgets one rupiah
    short), and PuLP 3.x still says "Optimal" when its time limit stops it; only the
    solution status tells.  Such an example is rejected, never trusted.
    """

    proved: bool | None = None

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timeLimit", ORACLE_SECONDS)
        super().__init__(*args, **kwargs)

    def actualSolve(self, lp, **kwargs):
        out = super().actualSolve(lp, **kwargs)
        type(self).proved = getattr(lp, "sol_status", None) == pulp.LpSolutionOptimal
        return out


def exact_optimum(sc: dict) -> float:
    """W* of the contract's problem from the independent oracle (PuLP/CBC, gapRel=0)."""
    _GuardedCBC.proved = None
    with mock.patch.object(pulp, "PULP_CBC_CMD", _GuardedCBC):
        try:
            res = reference_optimum(sc, method="milp")
        except RuntimeError:  # CBC stopped by the time limit without a plan
            reject()
    if _GuardedCBC.proved is False:  # None: no triple at all, the oracle did not solve
        reject()
    return res.objective


def _rates_premium(sc: dict):
    """Premium of an allocation row in a strategies scenario: months x sum(rates)."""
    monthly = sum(sc["rates"][p] for p in sc["programs"])
    months = {p["id"]: p["months"] for p in sc["phases"]}
    return lambda a: months[a["phase"]] * monthly


@settings(max_examples=80, **HYP)
@given(tiny_scenarios())
@example(  # regression: quota.max 0 below a floor of 1
    {"format": "premium-alloc/v1", "name": "r", "programs": ["JKK", "JKM"], "rates": {"JKK": 10000, "JKM": 6800},
     "phases": [{"id": "p1", "start": "2023-11", "months": 1}, {"id": "p2", "start": "2023-12", "months": 1}],
     "villages": [{"id": V1, "name": "Desa Satu", "regency": "62.03", "quota": {"min": 1, "max": 0}}],
     "worker_groups": [group(V1, 1, "extreme")],
     "sources": [{"id": "S1", "kind": "dbh_sawit", "scope": "regency", "budget": 16800, "eligible": {"sector": ["palm"]}}],
     "objective": {"quota_bonus": 1, "source_order": ["S1"], "gap": 0.0}}
)
@example(  # regression: floor repair broke continuity
    {"format": "premium-alloc/v1", "name": "r", "programs": ["JKK", "JKM"], "rates": {"JKK": 10000, "JKM": 6800},
     "phases": [{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 1}],
     "villages": [{"id": V1, "name": "Desa Satu", "regency": "62.03", "quota": {"min": 1, "max": 1}}],
     "worker_groups": [group(V1, 1, "extreme")],
     "sources": [{"id": "S1", "kind": "dana_desa", "scope": "village", "budgets": {V1: 33600}}],
     "objective": {"quota_bonus": 1, "continuity": True, "source_order": ["S1"], "gap": 0.0}}
)
def test_gap_zero_equals_brute_force(sc):
    truth = reference_optimum(sc, method="brute").objective
    r = pa.solve(sc, gap=0)
    assert r.status == "optimal"
    assert r.objective == truth
    assert r.bound >= truth * (1 - REL) - 1e-9
    w, problems = evaluate_allocations(sc, allocs(r))
    assert problems == []
    assert w == r.objective


@settings(max_examples=80, **HYP)
@given(small_scenarios())
def test_plan_is_valid_and_within_gap_of_the_exact_optimum(sc):
    requested = sc["objective"].get("gap", 0.005)
    truth = exact_optimum(sc)
    r = pa.solve(sc)
    w, problems = evaluate_allocations(sc, allocs(r))
    assert problems == []
    assert math.isclose(w, r.objective, rel_tol=1e-12, abs_tol=1e-9)
    assert r.objective >= (1 - requested) * truth - 1e-9
    assert r.bound >= truth * (1 - REL) - 1e-9
    assert r.objective <= r.bound
    assert math.isclose(r.gap, (r.bound - r.objective) / r.bound if r.bound > 0 else 0.0, rel_tol=1e-9, abs_tol=1e-12)
    assert (r.status == "optimal") == (r.gap <= requested + 1e-12)
    assert_totals_add_up(sc, r)


@settings(max_examples=40, **HYP)
@given(small_scenarios(), st.sampled_from([0.0, 0.001, 0.02, 0.1]))
def test_requested_gap_is_honoured(sc, gap):
    truth = exact_optimum(sc)
    r = pa.solve(sc, gap=gap)
    assert r.objective >= (1 - gap) * truth - 1e-9
    assert r.bound >= truth * (1 - REL) - 1e-9
    assert (r.status == "optimal") == (r.gap <= gap + 1e-12)
    if gap == 0.0:
        assert r.objective == truth


# =====================================================================================
# Properties
# =====================================================================================
@settings(max_examples=80, **HYP)
@given(small_scenarios(max_villages=4, max_groups=8, max_sources=4, max_phases=3, max_count=60))
def test_no_budget_exceeded_and_costs_exact(sc):
    r = pa.solve(sc)
    premium = _rates_premium(sc)
    rows = allocs(r)
    for a in rows:
        assert a["cost_idr"] == a["workers"] * premium(a)
    assert_no_budget_exceeded(sc, rows, premium)
    for s in r.sources:
        src = next(x for x in sc["sources"] if x["id"] == s.source)
        assert s.budget_idr == (src["budget"] if src.get("scope") != "village" else sum(src["budgets"].values()))
        assert s.spent_idr <= s.budget_idr
    assert_totals_add_up(sc, r)


@settings(max_examples=40, **HYP)
@given(small_scenarios(max_villages=4, max_groups=8, max_sources=4, max_phases=3, max_count=60))
def test_cover_never_exceeds_groups_and_sums_per_village(sc):
    r = pa.solve(sc)
    counts: dict[tuple, int] = {}
    income = sc.get("income", 1_000_000)
    for g in sc["worker_groups"]:
        key = (g["village"], g["priority"], g["sector"], g.get("income", income))
        counts[key] = counts.get(key, 0) + g["count"]
    cover: dict[tuple, int] = {}
    for a in r.allocations:
        key = (a.village, a.priority, a.sector, a.income, a.phase)
        cover[key] = cover.get(key, 0) + a.workers
    for key, c in cover.items():
        assert c <= counts[key[:4]]
    for v in r.villages:
        assert v.covered + v.uncovered == v.eligible
    for p in r.phases:
        assert p.covered + p.uncovered == p.eligible == sum(counts.values())


def _scale_one_budget(sc: dict, which: int, factor: int, extra: int) -> dict:
    sc = copy.deepcopy(sc)
    s = sc["sources"][which % len(sc["sources"])]
    if s.get("scope") == "village":
        vid = sorted(s["budgets"])[which % len(s["budgets"])]
        s["budgets"][vid] = s["budgets"][vid] * factor + extra
    else:
        s["budget"] = s["budget"] * factor + extra
    return sc


@settings(max_examples=50, **HYP)
@given(small_scenarios(), st.integers(0, 7), st.sampled_from([1, 2, 3]), st.integers(0, 500_000))
def test_more_budget_never_lowers_the_objective(sc, which, factor, extra):
    more = _scale_one_budget(sc, which, factor, extra)
    a = pa.solve(sc, gap=0)
    b = pa.solve(more, gap=0)
    assert a.status == b.status == "optimal"
    assert b.objective >= a.objective


@settings(max_examples=30, **HYP)
@given(small_scenarios(max_groups=8), st.randoms(use_true_random=False))
def test_same_input_gives_byte_identical_json(sc, rnd):
    first = pa.solve(sc).to_json()
    assert pa.solve(copy.deepcopy(sc)).to_json() == first
    shuffled = copy.deepcopy(sc)
    rnd.shuffle(shuffled["worker_groups"])
    assert pa.solve(shuffled).to_json() == first


def test_byte_identical_json_on_a_regency():
    sc = synthetic.regency(3, villages=25, workers=4_000)
    first = pa.solve(sc).to_json()
    shuffled = copy.deepcopy(sc)
    random.Random(7).shuffle(shuffled["worker_groups"])
    assert pa.solve(shuffled).to_json() == first
    assert pa.solve(sc).to_json() == first


# ---- real rate table: costs by hand --------------------------------------------------------
# PP 50/2025 excludes APBN/APBD payers; Dana Desa and APBDes get the discount only when a
# scenario switches it on (the default is the conservative no-discount reading)
_DISCOUNTED_FUNDERS = {"csr"}


def _month_by_hand(programs, year: int, month: int, income: int, sector: str, funder: str) -> int:
    """domain.md: JKK 1% of income, JKM 6,800, JHT 2%; PP 50/2025 halves JKK and JKM for
    transport Jan 2026..Mar 2027, other sectors Apr..Dec 2026, not for APBD/DBH funders."""
    ym = (year, month)
    if sector == "transport":
        disc = (2026, 1) <= ym <= (2027, 3)
    else:
        disc = (2026, 4) <= ym <= (2026, 12)
    disc = disc and funder in _DISCOUNTED_FUNDERS
    total = 0
    for p in programs:
        amount = {"JKK": income // 100, "JKM": 6_800, "JHT": income // 50}[p]
        if disc and p in ("JKK", "JKM"):
            amount //= 2  # every amount here is even
        total += amount
    return total


def _phase_by_hand(sc: dict, phase_id: str, income: int, sector: str, funder: str) -> int:
    ph = next(p for p in sc["phases"] if p["id"] == phase_id)
    y, m = map(int, ph["start"].split("-"))
    total = 0
    for i in range(ph["months"]):
        k = m - 1 + i
        total += _month_by_hand(sc["programs"], y + k // 12, k % 12 + 1, income, sector, funder)
    return total


@pytest.mark.parametrize("year,jht", [(2024, 0.0), (2026, 0.0), (2026, 0.5)])
def test_synthetic_regency_costs_budgets_and_totals_by_hand(year, jht):
    sc = synthetic.regency(11, villages=30, workers=5_000, year=year, jht_share=jht)
    r = pa.solve(sc)
    kind = {s["id"]: s["kind"] for s in sc["sources"]}

    def premium(a: dict) -> int:
        return _phase_by_hand(sc, a["phase"], a["income"], a["sector"], kind[a["source"]])

    rows = allocs(r)
    assert rows
    for a in rows:
        assert a["cost_idr"] == a["workers"] * premium(a), a
    assert_no_budget_exceeded(sc, rows, premium)
    assert_totals_add_up(sc, r)
    # DBH pays palm only; DD pays only villages it has a budget for
    for a in rows:
        if kind[a["source"]] == "dbh_sawit":
            assert a["sector"] == "palm"
    # shortfall at the APBD price (no discount), by hand
    unc: dict[tuple, int] = {}
    income = sc["income"]
    for g in sc["worker_groups"]:
        for p in sc["phases"]:
            key = (g["village"], g["priority"], g["sector"], g.get("income", income), p["id"])
            unc[key] = unc.get(key, 0) + g["count"]
    for a in rows:
        unc[(a["village"], a["priority"], a["sector"], a["income"], a["phase"])] -= a["workers"]
    for p in r.phases:
        expect = sum(n * _phase_by_hand(sc, p.phase, k[3], k[2], "apbd") for k, n in unc.items() if k[4] == p.phase)
        assert p.shortfall_idr == expect
    assert r.status == "optimal" and r.gap <= 0.005


def test_time_limit_returns_the_best_plan_with_its_true_gap():
    sc = synthetic.regency(villages=20, workers=3_000)
    r = pa.solve(sc, gap=0, time_limit=1.0)
    assert r.info is not None and r.info.seconds < 15
    assert r.objective <= r.bound
    assert r.gap == pytest.approx((r.bound - r.objective) / r.bound, rel=1e-12)
    assert (r.status == "optimal") == (r.gap == 0.0)
    # the bound stays a proven bound: no better than what the default solve proves
    d = pa.solve(sc)
    assert r.objective <= d.bound and d.objective <= r.bound
    assert_totals_add_up(sc, r)


def test_discount_buys_more_cover_from_dana_desa_in_2026():
    # same money, 2026 with the discount switched on: Dana Desa pays half price for 9 of the
    # 12 months (non-transport), so it covers more worker-months than in 2024.
    a = pa.solve(synthetic.regency(5, villages=20, workers=3_000, year=2024))
    on = synthetic.regency(5, villages=20, workers=3_000, year=2026)
    on["assumptions"] = {"discount_dana_desa": True}
    b = pa.solve(on)
    # by default Dana Desa gets no discount: 2026 prices equal 2024 ones for every source here
    c = pa.solve(synthetic.regency(5, villages=20, workers=3_000, year=2026))
    dd_c = next(s for s in c.sources if s.source == "DD")
    dd_a0 = next(s for s in a.sources if s.source == "DD")
    assert (dd_c.workers, dd_c.spent_idr) == (dd_a0.workers, dd_a0.spent_idr)
    dd_a = next(s for s in a.sources if s.source == "DD")
    dd_b = next(s for s in b.sources if s.source == "DD")
    assert dd_b.workers > dd_a.workers


# =====================================================================================
# CBC back-end against HiGHS
# =====================================================================================
CBC_CASES = [
    floor_scenario(10),
    continuity_scenario(True),
    bangka(191_520_000 - 1, 493_920_000),
    order_scenario(["B", "A"], a_budget=1_008_000 - 1),
]


@pytest.mark.parametrize("sc", CBC_CASES, ids=["floor", "continuity", "bangka", "order"])
@pytest.mark.parametrize("milp", ["auto", "always"])
def test_cbc_matches_highs_on_hand_worked(sc, milp):
    h = pa.solve(sc, gap=0)
    c = pa.solve(sc, backend="cbc", gap=0, milp=milp)
    assert c.objective == h.objective
    assert c.info is not None and c.info.backend == "cbc"
    if milp == "always":
        assert any("CBC" in m for m in c.info.methods)


@settings(max_examples=12, **HYP)
@given(small_scenarios())
def test_cbc_matches_highs_on_small(sc):
    gap = sc["objective"].get("gap", 0.005)
    truth = exact_optimum(sc)
    h = pa.solve(sc)
    c = pa.solve(sc, backend="cbc", milp="always")
    w, problems = evaluate_allocations(sc, allocs(c))
    assert problems == [] and w == c.objective
    assert c.objective >= (1 - gap) * truth - 1e-9
    assert abs(c.objective - h.objective) <= gap * max(h.bound, c.bound) + 1e-9


def test_cbc_matches_highs_on_a_20_village_regency():
    sc = synthetic.regency(villages=20, workers=3_000)
    h = pa.solve(sc)
    c = pa.solve(sc, backend="cbc", milp="always")
    assert h.status == c.status == "optimal"
    assert abs(c.objective - h.objective) <= 0.005 * max(h.bound, c.bound)
    # both bounds are proven, so each plan is within the gap of the smaller one
    best_bound = min(h.bound, c.bound)
    assert c.objective >= 0.995 * best_bound and h.objective >= 0.995 * best_bound
    assert_totals_add_up(sc, c)


# =====================================================================================
# Reporting: uncovered workers the plan cannot reach are named in warnings
# =====================================================================================
def test_unfundable_workers_are_explained():
    # contract: "a worker no source may fund is uncovered, and the reports say why"
    r = pa.solve(unfundable_scenario(), gap=0)
    assert by_phase(r)["p1"][:3] == (13, 10, 3)
    assert r.warnings == [
        f"uncovered worker(s) 3 in p1, in 1 village(s) ({V2}): no source may pay for them"
    ]


def test_continuity_forced_down_is_warned():
    # contract: continuity with a small later budget forces cover down; the warning names
    # the villages and phases and gives the reason
    r = pa.solve(continuity_scenario(True), gap=0)
    assert r.warnings == [
        f"uncovered worker(s) 6 in p1, in 1 village(s) ({V1}): "
        "continuity holds their cover to that of a later phase with less money"
    ]
    # without continuity the later budget does not hold p1 down, so there is nothing to warn about
    assert pa.solve(continuity_scenario(False), gap=0).warnings == []


def test_repr_and_notebook_summary_are_short_and_true():
    from premium_alloc import synthetic

    r = pa.solve(synthetic.regency(7))
    text = repr(r)
    assert len(text) < 400 and "\n" not in text
    assert f"status={r.status}" in text and f"objective={r.objective:,.0f}" in text
    assert f"{len(r.allocations):,} allocations" in text
    covered = sum(p.covered for p in r.phases)
    assert f"covered={covered:,}/" in text
    html = r._repr_html_()
    assert len(html) < 5_000 and html.count("<tr>") == 1 + len(r.phases) + 1 + len(r.sources)
    assert f"Rp{r.shortfall_idr:,}" in html
