"""The solver interface: warm re-solves of budget changes agree with cold solves."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import premium_alloc as pa
from premium_alloc import engine, synthetic
from premium_alloc.solvers.pulp import PulpSolver


def scenario(seed: int = 5) -> dict:
    sc = synthetic.regency(seed, villages=4, workers=300)
    sc["objective"]["gap"] = 0.0  # both answers proven optimal: the objectives must agree exactly
    return sc


def changed(sc: dict, factor: float) -> dict:
    out = copy.deepcopy(sc)
    for s in out["sources"]:
        if "budget" in s:
            s["budget"] = int(s["budget"] * factor)
        else:
            s["budgets"] = {v: int(b * factor) for v, b in s["budgets"].items()}
    return out


@pytest.mark.parametrize("factor", [1.1, 0.8])
def test_warm_resolve_equals_a_cold_solve_of_the_changed_scenario(factor):
    sc = scenario()
    resolver = engine.Resolver(engine.build_model(sc))
    base = pa.solve(sc)
    assert (resolver.result.objective, resolver.result.bound) == (base.objective, base.bound)

    sc2 = changed(sc, factor)
    warm = resolver.resolve(sc2)
    cold = pa.solve(sc2)
    assert resolver.warm_parts > 0  # some part really started from its previous basis
    assert (warm.status, warm.objective, warm.bound) == (cold.status, cold.objective, cold.bound)
    assert warm.info.lp_bound == pytest.approx(cold.info.lp_bound, rel=1e-9)
    assert [s.budget_idr for s in warm.sources] == [s.budget_idr for s in cold.sources]
    # chained: back to the base budgets
    again = resolver.resolve(sc)
    assert (again.objective, again.bound) == (base.objective, base.bound)


def test_warm_resolve_refuses_more_than_a_budget_change():
    sc = scenario()
    resolver = engine.Resolver(engine.build_model(sc))
    other = copy.deepcopy(sc)
    other["worker_groups"] = other["worker_groups"][:-1]
    with pytest.raises(ValueError, match="changed budget amounts only"):
        resolver.resolve(other)


def test_a_back_end_without_warm_resolves_solves_cold():
    sc = scenario()
    cbc = PulpSolver("cbc")
    resolver = engine.Resolver(engine.build_model(sc), pa.SolveOptions(backend=cbc, milp="never"))
    resolver.resolve(changed(sc, 1.1))
    assert resolver.warm_parts > 0  # the LPs still go to HiGHS, which re-solves warm
    part = engine.build_model(sc).parts[0]  # LPs by CBC too: nothing is kept, every solve is cold
    warm = engine.solve_part(part, cbc, 0.0, None, "never", lp_solver=cbc, warm=engine.Warm())
    cold = engine.solve_part(part, cbc, 0.0, None, "never", lp_solver=cbc)
    assert np.array_equal(warm.x, cold.x) and warm.bound == cold.bound
