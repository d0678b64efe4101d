"""Property tests on random small scenarios, checked against the independent oracle.

Invariants: budgets and every other rule hold (checked by ``tests/reference.py``, not by the
library's own verifier); workers are conserved in every table; the bound is at least the
objective and at least the true optimum; an `optimal` plan is within the gap of the optimum;
more budget never makes the plan worse beyond the gap; the order of input rows changes nothing.

The number of cases comes from the hypothesis profile (tests/conftest.py):
``HYPOTHESIS_PROFILE=thorough`` runs 10,000 per test.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from unittest import mock

import pandas as pd
import pulp
from hypothesis import given
from hypothesis import strategies as st

import premium_alloc as pa
from premium_alloc.plan import worker_plan

try:
    from reference import evaluate_allocations, reference_optimum
    from strategies import small_scenarios
except ImportError:  # tests imported as a package
    from tests.reference import evaluate_allocations, reference_optimum
    from tests.strategies import small_scenarios

TOL = 1e-6


def oracle(sc: dict) -> float:
    """Exact optimum W from the independent reference model, solved by PuLP's HiGHS.

    The reference asks CBC 2.10 for gapRel=0, which on some symmetric knapsacks of this size
    takes minutes to prove; HiGHS proves them in milliseconds. The model is still the
    reference's own, written from the contract, and its plan is still checked by it.
    """
    def highs(msg: bool = False, gapRel: float = 0, **_kw):  # noqa: N803 - PuLP's names
        return pulp.HiGHS(msg=False, gapRel=gapRel, gapAbs=0)

    with warnings.catch_warnings(), mock.patch.object(pulp, "PULP_CBC_CMD", highs):
        warnings.simplefilter("ignore", DeprecationWarning)
        return reference_optimum(sc).objective


def _solve(sc: dict, **kw) -> pa.Result:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.x talks about 4.0
        return pa.solve(copy.deepcopy(sc), **kw)


def _gap(sc: dict) -> float:
    return sc.get("objective", {}).get("gap", 0.005)


def check_conservation(sc: dict, r: pa.Result) -> None:
    """Every worker counted once per phase, and every table adds up to the same totals."""
    total = sum(g["count"] for g in sc["worker_groups"])
    assert [p.phase for p in r.phases] == [p["id"] for p in sorted(sc["phases"], key=lambda p: p["start"])]
    by_phase: dict[str, list] = defaultdict(list)
    for a in r.allocations:
        assert a.workers > 0
        by_phase[a.phase].append(a)
    for p in r.phases:
        allocs = by_phase[p.phase]
        assert p.eligible == total
        assert p.covered + p.uncovered == total
        assert 0 <= p.covered <= total
        assert sum(a.workers for a in allocs) == p.covered
        assert sum(a.cost_idr for a in allocs) == p.cost_idr
        vs = [v for v in r.villages if v.phase == p.phase]
        assert sum(v.eligible for v in vs) == total
        assert sum(v.covered for v in vs) == p.covered
        assert sum(v.uncovered for v in vs) == p.uncovered
        assert sum(v.shortfall_idr for v in vs) == p.shortfall_idr
        for v in vs:
            assert v.covered + v.uncovered == v.eligible
            assert v.quota_met == (v.covered >= v.quota_target)
    for s in r.sources:
        mine = [a for a in r.allocations if a.source == s.source]
        assert s.spent_idr == sum(a.cost_idr for a in mine) <= s.budget_idr
        assert s.workers == sum(a.workers for a in mine)
    for value in (r.phases, r.sources, r.villages):
        for row in value:
            for k, v in vars(row).items():
                if k.endswith("_idr") or k in ("eligible", "covered", "uncovered", "workers"):
                    assert type(v) is int, (k, v)


@given(small_scenarios())
def test_plan_obeys_every_rule_and_the_bound_is_proven(sc):
    r = _solve(sc)
    # the oracle re-checks budgets (to the rupiah), eligibility, counts, caps and continuity
    w, problems = evaluate_allocations(sc, [vars(a) for a in r.allocations])
    assert problems == []
    assert w == r.objective or abs(w - r.objective) <= TOL * max(1.0, abs(w))
    check_conservation(sc, r)
    best = oracle(sc)
    assert r.objective <= best + TOL * max(1.0, best)
    assert r.bound >= r.objective
    assert r.bound >= best - TOL * max(1.0, best), "the 'proven' bound is below the true optimum"
    assert r.gap == (0.0 if r.bound <= 0 else (r.bound - r.objective) / r.bound)
    if r.status == "optimal":
        assert r.gap <= _gap(sc) + 1e-12
        assert r.objective >= (1 - _gap(sc)) * best - TOL * max(1.0, best)
    else:
        assert r.status == "feasible" and r.gap > _gap(sc)


@given(st.data())
def test_more_budget_is_never_worse(data):
    sc = data.draw(small_scenarios())
    more = copy.deepcopy(sc)
    src = data.draw(st.sampled_from(more["sources"]))
    extra = data.draw(st.integers(1, 3_000_000))
    if "budgets" in src:
        vid = data.draw(st.sampled_from(sorted(src["budgets"])))
        src["budgets"][vid] += extra
    else:
        src["budget"] += extra
    r1, r2 = _solve(sc), _solve(more)
    # r1's plan is feasible with more money, so a proven bound for r2 must cover it
    assert r2.bound >= r1.objective - TOL * max(1.0, r1.objective)
    if r2.status == "optimal":  # within the gap of OPT(more) >= OPT(sc) >= r1.objective
        assert r2.objective >= (1 - _gap(more)) * r1.objective - TOL * max(1.0, r1.objective)
    if _gap(sc) == 0 and r1.status == r2.status == "optimal":
        assert r2.objective >= r1.objective - TOL * max(1.0, r1.objective)


def _split_rows(draw, groups: list[dict]) -> list[dict]:
    """The same workers as other rows: some groups split in two, then shuffled."""
    rows = []
    for g in groups:
        if g["count"] >= 2 and draw(st.booleans()):
            k = draw(st.integers(1, g["count"] - 1))
            rows += [dict(g, count=k), dict(g, count=g["count"] - k)]
        else:
            rows.append(dict(g))
    return draw(st.permutations(rows))


@given(st.data())
def test_order_of_input_rows_changes_nothing(data):
    sc = data.draw(small_scenarios())
    other = copy.deepcopy(sc)
    other["worker_groups"] = _split_rows(data.draw, sc["worker_groups"])
    assert _solve(sc).to_json() == _solve(other).to_json()


def _worker_rows(sc: dict) -> pd.DataFrame:
    default = sc.get("income", 1_000_000)
    rows = []
    for gi, g in enumerate(sc["worker_groups"]):
        for k in range(g["count"]):
            rows.append(
                {
                    "worker_id": f"62030{gi:03d}{k:08d}",
                    "village": g["village"],
                    "priority": g["priority"],
                    "sector": g["sector"],
                    "income": int(g.get("income", default)),
                }
            )
    return pd.DataFrame(rows, columns=["worker_id", "village", "priority", "sector", "income"])


@given(st.data())
def test_worker_list_order_changes_nothing_and_conserves_workers(data):
    sc = data.draw(small_scenarios(max_count=12))
    workers = _worker_rows(sc)
    shuffled = workers.iloc[data.draw(st.permutations(range(len(workers))))].reset_index(drop=True)
    as_list = {k: v for k, v in sc.items() if k != "worker_groups"} | {"workers": "unused.csv"}
    r1 = _solve(as_list, workers=workers)
    r2 = _solve(as_list, workers=shuffled)
    assert r1.to_json() == r2.to_json() == _solve(sc).to_json()
    assert worker_plan(r1, workers).to_csv(index=False) == worker_plan(r2, shuffled).to_csv(index=False)
    p1 = worker_plan(r1, workers, mask=False)
    # each worker exactly once per phase, covered counts as in the result
    assert len(p1) == len(workers) * len(r1.phases)
    for p in r1.phases:
        rows = p1[p1["phase"] == p.phase]
        assert rows["worker_id"].is_unique
        assert int((rows["source"] != "").sum()) == p.covered
        assert int(rows["cost_idr"].sum()) == p.cost_idr
