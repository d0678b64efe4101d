"""Solver faults: time limits, missing or broken solvers, numerical trouble, huge amounts.

No test here depends on wall-clock time: a time limit is simulated either by a deadline that
has already passed or by a solver stand-in that answers the way PuLP 3.x and HiGHS do when
they stop on their limit.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import json
import re
import warnings

import numpy as np
import pulp
import pytest

import premium_alloc as pa
from premium_alloc import analysis, solvers, synthetic
from premium_alloc.cli import ExitCode, main
from premium_alloc.errors import SolverError, SolverFallbackWarning, VerificationError
from premium_alloc.groups import group_table
from premium_alloc.model import model_from_groups as build_model
from premium_alloc.solvers.highs import HighsSolver
from premium_alloc.solvers.lp import linear_program
from premium_alloc.solvers.protocol import Feature, Solution, Solver, Termination, certified_bound
from premium_alloc.solvers.pulp import PulpSolver
from premium_alloc.verify import verify, violations

try:
    from reference import evaluate_allocations, reference_optimum
except ImportError:  # tests imported as a package
    from tests.reference import evaluate_allocations, reference_optimum

solve_mod = importlib.import_module("premium_alloc.engine")

V1, V2 = "62.03.01.2011", "62.03.02.2006"


@pytest.fixture(autouse=True)
def _quiet_pulp():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PuLP 3.x announces 4.0
        yield


def knapsack(**objective) -> dict:
    """An integrality gap: the LP bound (6) sits above the optimum W = 5.

    Rp42,000 for one month at Rp16,800 a worker: the extreme worker (weight 3) and 1.5 poor
    workers (weight 2) in the LP; the extreme worker and one poor worker in integers.
    """
    return {
        "format": "premium-alloc/v1",
        "name": "knapsack",
        "programs": ["JKK", "JKM"],
        "rates": {"JKK": 10_000, "JKM": 6_800},
        "phases": [{"id": "p1", "start": "2024-01", "months": 1}],
        "villages": [{"id": V1, "regency": "62.03"}],
        "worker_groups": [
            {"village": V1, "count": 1, "priority": "extreme", "sector": "palm"},
            {"village": V1, "count": 5, "priority": "poor", "sector": "palm"},
        ],
        "sources": [{"id": "APBD", "kind": "apbd", "budget": 42_000}],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2}, "gap": 0.0, **objective},
    }


def tight(seed: int = 3) -> dict:
    """A regency where every budget binds, with flat rates so the oracle can check plans."""
    sc = synthetic.regency(seed, villages=25, workers=4000)
    sc["rates"] = {p: {"JKK": 10_000, "JKM": 6_800, "JHT": 20_000}[p] for p in sc["programs"]}
    return sc


def oracle_problems(sc: dict, r: pa.Result) -> list[str]:
    w, problems = evaluate_allocations(sc, [vars(a) for a in r.allocations])
    assert problems or w == pytest.approx(r.objective)
    return problems


def assert_true_gap(r: pa.Result) -> None:
    assert r.bound >= r.objective
    assert r.gap == pytest.approx((r.bound - r.objective) / r.bound)


# ---- stand-in back-ends: each fault is a broken solver object handed to the engine -------------
class TimeLimitedHighs(HighsSolver):
    """HiGHS whose MILP stops on its time limit with a poor incumbent and a weak bound."""

    def solve(self, lp, *, integer=False, **kw):
        if not integer:
            return super().solve(lp, integer=integer, **kw)
        return Solution(np.zeros(lp.cost.size), lp.n_x, 0.0, Termination.TIME_LIMIT, bound=6.0, report="Time limit reached")


class CbcOptimalOnTimeLimit(PulpSolver):
    """PuLP 3.x's CBC stopped on its time limit: "Optimal", with a poor incumbent."""

    calls = 0

    def solve(self, lp, *, integer=False, **kw):
        if not integer:
            return super().solve(lp, integer=integer, **kw)
        type(self).calls += 1
        return Solution(np.zeros(lp.cost.size), lp.n_x, 0.0, Termination.FEASIBLE, report="Optimal / Solution Found")


class FailingHighs(HighsSolver):
    """HiGHS that fails on the LP, on the MILP, or on both."""

    def __init__(self, lp=False, milp=False):
        super().__init__()
        self.fail_lp, self.fail_milp = lp, milp

    def __reduce__(self):
        return (FailingHighs, (self.fail_lp, self.fail_milp))

    def solve(self, lp, *, integer=False, **kw):
        if integer and self.fail_milp:
            raise SolverError("HiGHS found no integer plan: kSolveError")
        if not integer and self.fail_lp:
            raise SolverError("HiGHS could not solve the LP relaxation: kSolveError")
        return super().solve(lp, integer=integer, **kw)


class CrashingCbc(PulpSolver):
    def solve(self, lp, *, integer=False, **kw):
        if integer:
            raise SolverError("the PuLP solver failed: PulpSolverError: cbc died")
        return super().solve(lp, integer=integer, **kw)


class SpoiledHighs(HighsSolver):
    """HiGHS whose answers are spoiled by ``lp_how`` / ``milp_how`` (Solution -> Solution)."""

    def __init__(self, lp_how=None, milp_how=None):
        super().__init__()
        self.lp_how, self.milp_how = lp_how, milp_how

    def solve(self, lp, *, integer=False, **kw):
        out = super().solve(lp, integer=integer, **kw)
        how = self.milp_how if integer else self.lp_how
        return how(out) if how else out


@pytest.fixture
def registry():
    """Register stand-in back-ends by name for one test (the CLI looks its solvers up by name)."""
    saved = {}

    def use(name, factory):
        saved.setdefault(name, solvers.register(name, factory))

    yield use
    for name, old in saved.items():
        solvers.register(name, old)


def missing_highs():
    return HighsSolver(api=None)


def missing_pulp():
    return PulpSolver("cbc", api=None)


# ---- time limits: the status comes from the proven bound, never from the solver's word ----------
def test_knapsack_reference_numbers():
    assert reference_optimum(knapsack()).objective == 5
    r = pa.solve(knapsack())  # HiGHS's MILP proves it
    assert (r.status, r.objective, r.bound, r.gap) == ("optimal", 5.0, 5.0, 0.0)
    assert r.info.methods == {"milp-highs": 1}


def test_deadline_already_passed_gives_feasible_with_the_true_gap():
    r = pa.solve(knapsack(), time_limit=1e-9, milp="always")
    assert r.info.methods == {"lp+repair": 1}  # no time left for a MILP
    assert (r.status, r.objective, r.bound) == ("feasible", 5.0, 6.0)
    assert r.gap == pytest.approx(1 / 6)
    assert json.loads(r.to_json())["status"] == "feasible"


def test_cbc_saying_optimal_on_its_time_limit_is_not_believed():
    """PuLP 3.x returns "Optimal" for a CBC run stopped by its time limit (sol_status tells)."""
    CbcOptimalOnTimeLimit.calls = 0
    r = pa.solve(knapsack(), backend=CbcOptimalOnTimeLimit("cbc"), milp="always")
    assert CbcOptimalOnTimeLimit.calls == 1
    assert r.status == "feasible"
    assert r.objective == 5.0  # the repaired LP plan beats CBC's poor incumbent and is kept
    assert r.bound == 6.0  # the certified LP bound, not CBC's claim
    assert_true_gap(r)


def test_real_cbc_never_sets_the_bound_from_its_status():
    r = pa.solve(knapsack(), backend="cbc", milp="always")
    assert r.info.methods == {"milp-PULP_CBC_CMD": 1}
    assert r.objective == 5.0
    # CBC proved 5 and PuLP says "Optimal", but PuLP cannot say whether that is a proof or a
    # time limit: the reported bound is the LP's, so the status is honest about it.
    assert (r.status, r.bound) == ("feasible", 6.0)
    assert_true_gap(r)


def test_highs_stopped_on_its_time_limit():
    r = pa.solve(knapsack(), backend=TimeLimitedHighs(), milp="always")
    assert (r.status, r.objective, r.bound) == ("feasible", 5.0, 6.0)
    assert_true_gap(r)


def test_status_is_optimal_exactly_when_the_gap_is_met():
    for gap, status in ((0.0, "feasible"), (0.16, "feasible"), (0.17, "optimal")):
        r = pa.solve(knapsack(gap=gap), milp="never")
        assert (r.status, r.objective, r.bound) == (status, 5.0, 6.0), gap


# ---- missing or broken solvers ------------------------------------------------------------------
def test_missing_highspy_falls_back_to_cbc_with_a_warning():
    sc = tight()
    expected = pa.solve(sc)
    with pytest.warns(SolverFallbackWarning, match="highspy cannot be imported .*falling back to PuLP's CBC"):
        r = pa.solve(sc, backend=missing_highs())
    assert r.info.backend == "cbc"
    assert oracle_problems(sc, r) == []
    assert r.status == "optimal" and r.gap <= 0.005
    assert r.bound == pytest.approx(expected.bound, rel=1e-9)  # the same LP, solved by CBC


def test_missing_highspy_and_cbc_is_a_clear_solver_failure(registry, tmp_path, capsys):
    registry("highs", missing_highs)
    registry("cbc", missing_pulp)
    with pytest.raises(SolverError, match="highspy cannot be imported .* PuLP is not installed"):
        pa.solve(knapsack())
    path = tmp_path / "s.json"
    path.write_text(json.dumps(knapsack()), encoding="utf-8")
    assert main(["solve", str(path), "--out", str(tmp_path / "r.json")]) == ExitCode.SOLVER_FAILURE
    assert "highspy cannot be imported" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_need_without_highspy_answers_through_cbc(registry, tmp_path, capsys):
    """The budget question runs through the same interface: CBC solves it, with the same warning."""
    sc = knapsack()
    with_highs = analysis.min_budget(sc, "APBD", "all", exact="rupiah")
    # every worker for a month: 6 x Rp16,800 = Rp100,800, i.e. Rp58,800 more than Rp42,000
    assert (with_highs.status, with_highs.need_idr) == ("exact", 58_800)
    with pytest.warns(SolverFallbackWarning, match="highspy cannot be imported .*falling back to PuLP's CBC"):
        nd = analysis.min_budget(sc, "APBD", "all", exact="rupiah", backend=missing_highs())
    assert (nd.status, nd.need_idr, nd.lower_idr) == ("exact", 58_800, 58_800)
    registry("highs", missing_highs)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sc), encoding="utf-8")
    with pytest.warns(SolverFallbackWarning):
        code = main(["need", str(path), "--target", "all", "--exact", "rupiah"])
    assert code == ExitCode.OK
    assert re.search(r"Rp58[.,]800 more of APBD", capsys.readouterr().out)


def test_need_without_any_solver_is_a_clear_solver_failure(registry, tmp_path, capsys):
    registry("highs", missing_highs)
    registry("cbc", missing_pulp)
    with pytest.raises(SolverError, match="highspy cannot be imported .* PuLP is not installed"):
        analysis.min_budget(knapsack(), "APBD", "all")
    path = tmp_path / "s.json"
    path.write_text(json.dumps(knapsack()), encoding="utf-8")
    assert main(["need", str(path), "--target", "all"]) == ExitCode.SOLVER_FAILURE
    assert "highspy cannot be imported" in capsys.readouterr().err


def test_highs_failing_on_the_lp_falls_back_to_cbc():
    sc = tight()
    with pytest.warns(SolverFallbackWarning, match="kSolveError; solving the LP relaxation with PuLP's CBC"):
        r = pa.solve(sc, backend=FailingHighs(lp=True))
    assert oracle_problems(sc, r) == [] and r.status == "optimal"


def test_a_failing_milp_keeps_the_repaired_plan_and_reports_its_gap():
    with pytest.warns(SolverFallbackWarning, match="keeping the repaired LP plan"):
        r = pa.solve(knapsack(), backend=FailingHighs(milp=True))
    assert (r.status, r.objective, r.bound) == ("feasible", 5.0, 6.0)

    with pytest.warns(SolverFallbackWarning, match="cbc died"):
        r = pa.solve(knapsack(), backend=CrashingCbc("cbc"))
    assert (r.status, r.objective) == ("feasible", 5.0)


def test_solvers_are_chosen_by_name_with_their_features():
    h, c = solvers.from_name("HiGHS"), solvers.from_name("cbc")
    assert isinstance(h, HighsSolver) and isinstance(c, PulpSolver)
    assert {Feature.WARM_RESOLVE, Feature.DUALS, Feature.PROVEN_BOUND, Feature.MILP_START} <= h.features
    assert Feature.PROVEN_BOUND not in c.features and Feature.WARM_RESOLVE not in c.features
    assert isinstance(h, Solver) and isinstance(c, Solver)
    assert solvers.from_name(h) is h
    with pytest.raises(SolverError, match="cannot re-solve warm"):
        c.resolve(c.solve(_knapsack_lp()), np.zeros(0, dtype=np.int64), np.zeros(0))


def _knapsack_lp():
    model = build_model(pa.load_scenario(knapsack()), group_table(pa.load_scenario(knapsack()))[0])
    return linear_program(model.parts[0])


def test_both_back_ends_give_the_same_lp_and_a_certified_bound():
    lp = _knapsack_lp()
    h = solvers.from_name("highs").solve(lp)
    c = solvers.from_name("cbc").solve(lp)
    assert h.termination == c.termination == Termination.OPTIMAL
    assert h.objective == pytest.approx(6.0) and c.objective == pytest.approx(6.0)
    assert certified_bound(lp, h.row_dual) == pytest.approx(6.0)
    assert certified_bound(lp, c.row_dual) == pytest.approx(6.0)
    m = solvers.from_name("highs").solve(lp, integer=True)
    assert (m.termination, m.objective, m.bound) == (Termination.OPTIMAL, 5.0, 5.0)


def test_cbc_gets_the_scenarios_gap_and_time_limit():
    made = PulpSolver("cbc").make(gap=0.02, time_limit=12.3)
    assert made.timeLimit == 13 and made.optionsDict.get("gapRel") == 0.02


def test_unknown_pulp_solver_lists_the_available_ones():
    with pytest.raises(SolverError) as info:
        pa.solve(knapsack(), backend="NO_SUCH_SOLVER")
    msg = str(info.value)
    assert "unknown PuLP solver 'NO_SUCH_SOLVER'" in msg
    for name in pulp.listSolvers(onlyAvailable=True):
        assert name in msg


def test_pulp_solver_names_match_whatever_the_case():
    for name in ("PULP_CBC_CMD", "pulp_cbc_cmd", "cbc", "pulp_highs"):
        r = pa.solve(knapsack(), backend=name, milp="always")
        assert r.objective == 5.0, name


def test_known_but_unavailable_pulp_solver_says_so():
    absent = [s for s in ("GLPK_CMD", "SCIP_CMD", "CPLEX_CMD", "GUROBI_CMD") if s not in pulp.listSolvers(onlyAvailable=True)]
    if not absent:
        pytest.skip("every candidate solver is installed here")
    with pytest.raises(SolverError, match=f"the PuLP solver '{absent[0]}' is not available; available: "):
        pa.solve(knapsack(), backend=absent[0])


def test_unknown_milp_mode_is_refused():
    with pytest.raises(ValueError, match="milp must be one of auto, always, never"):
        pa.solve(knapsack(), milp="sometimes")


# ---- numerical trouble: repaired, or caught by the integer post-solve check -------------------
def _with(out, **changes):
    return dataclasses.replace(out, **changes)


def test_lp_solution_over_every_budget_is_repaired():
    sc = tight()
    spoiled = SpoiledHighs(lp_how=lambda out: _with(out, primal=out.primal * 1.03 + 0.6, state=None))
    r = pa.solve(sc, backend=spoiled, milp="never")
    assert oracle_problems(sc, r) == []
    for s in r.sources:
        assert s.spent_idr <= s.budget_idr


def test_milp_solution_over_a_budget_is_repaired():
    sc = tight()
    r = pa.solve(sc, backend=SpoiledHighs(milp_how=lambda out: _with(out, primal=out.primal + 1.0)), milp="always")
    assert r.info.methods == {"milp-highs": 1}
    assert oracle_problems(sc, r) == []


def test_unrepaired_plan_over_budget_is_caught_by_verification(monkeypatch, tmp_path, capsys):
    sc = tight()
    # without repair (not a solver fault: the repair step itself is switched off), a plan one
    # worker over what the money allows in every column
    monkeypatch.setattr(solve_mod, "round_plan", lambda part, x: np.floor(x + 1e-6).astype(np.int64) + 1)
    with pytest.raises(VerificationError) as info:
        pa.solve(sc, milp="never")
    assert any("budget" in v for v in info.value.violations)
    path = tmp_path / "s.json"
    path.write_text(json.dumps(sc), encoding="utf-8")
    out = tmp_path / "r.json"
    assert main(["solve", str(path), "--out", str(out)]) == ExitCode.SOLVER_FAILURE
    assert "plan failed verification" in capsys.readouterr().err
    assert not out.exists()  # never a silent wrong result


def test_a_plan_one_rupiah_over_is_caught():
    sc = knapsack()
    groups, _ = group_table(pa.load_scenario(sc))
    model = build_model(pa.load_scenario(sc), groups)
    r = pa.solve(sc)
    x = r.x.copy()
    verify(model, x)
    sc2 = copy.deepcopy(sc)
    sc2["sources"][0]["budget"] = int(r.sources[0].spent_idr) - 1
    m2 = build_model(pa.load_scenario(sc2), groups)
    found = violations(m2, x)
    assert found == [f"source APBD: spends Rp{r.sources[0].spent_idr:,} of a Rp{r.sources[0].spent_idr - 1:,} budget"]


def test_the_bound_does_not_trust_the_solvers_objective():
    sc = tight()
    honest = pa.solve(sc)
    r = pa.solve(sc, backend=SpoiledHighs(lp_how=lambda out: _with(out, objective=0.5 * out.objective, bound=0.5 * out.bound)))
    assert r.bound == honest.bound and r.status == honest.status


@pytest.mark.parametrize("noise", ["scaled", "random", "negative", "nan"])
def test_spoiled_duals_only_weaken_the_bound(noise):
    sc = knapsack(gap=0.005)
    rng = np.random.default_rng(0)
    spoil = {
        "scaled": lambda y: 0.5 * y,
        "random": lambda y: rng.random(y.size) * 3,
        "negative": lambda y: -np.abs(y) - 1,
        "nan": lambda y: np.full(y.size, np.nan),
    }[noise]
    r = pa.solve(sc, backend=SpoiledHighs(lp_how=lambda out: _with(out, row_dual=spoil(out.row_dual))), milp="never")
    assert r.bound >= 5.0  # still an upper bound on the true optimum
    assert r.bound >= r.objective
    assert (r.status == "optimal") == (r.gap <= 0.005)


# ---- money stays exact at Rp10^15 and beyond ----------------------------------------------------
N = 59_523_809_523  # workers that Rp999,999,999,986,400 pays for at Rp16,800
B = N * 16_800


def huge(budget_a: int, budget_v2: int, count: int) -> dict:
    return {
        "format": "premium-alloc/v1",
        "name": "huge",
        "programs": ["JKK", "JKM"],
        "rates": {"JKK": 10_000, "JKM": 6_800},
        "phases": [{"id": "p1", "start": "2024-01", "months": 1}],
        "villages": [{"id": V1}, {"id": V2}],
        "worker_groups": [
            {"village": V1, "count": count, "priority": "extreme", "sector": "palm"},
            {"village": V2, "count": count, "priority": "poor", "sector": "palm"},
        ],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: B, V2: budget_v2}},
            {"id": "APBD", "kind": "apbd", "budget": budget_a},
        ],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2}, "source_order": ["DD", "APBD"]},
    }


def test_budgets_near_10_to_15_are_exact_to_the_rupiah():
    r = pa.solve(huge(B, B, N))
    assert r.status == "optimal" and r.objective == 5 * N == r.bound
    dd, apbd = r.sources
    assert (dd.budget_idr, dd.spent_idr, dd.workers) == (2 * B, 2 * B, 2 * N)
    assert (apbd.spent_idr, apbd.workers) == (0, 0)
    assert r.phases[0].covered == 2 * N and r.phases[0].uncovered == 0

    short = pa.solve(huge(B, B - 1, N))  # one rupiah less in village 2: APBD pays one worker
    dd, apbd = short.sources
    assert (dd.spent_idr, dd.workers) == (2 * B - 16_800, 2 * N - 1)
    assert (apbd.spent_idr, apbd.workers) == (16_800, 1)
    assert short.objective == 5 * N
    text = short.to_json()
    assert f'"budget_idr":{2 * B - 1},' in text and f'"spent_idr":{2 * B - 16_800},' in text
    assert oracle_problems(huge(B, B - 1, N), short) == []


def test_huge_worker_counts_are_conserved_exactly():
    count = 10**11
    r = pa.solve(huge(10**15, 10**15 - 1, count))
    p = r.phases[0]
    assert p.eligible == 2 * count and p.covered + p.uncovered == 2 * count
    assert sum(a.workers for a in r.allocations) == p.covered
    assert sum(a.cost_idr for a in r.allocations) == p.cost_idr == sum(s.spent_idr for s in r.sources)
    assert p.shortfall_idr == p.uncovered * 16_800
    for s in r.sources:
        assert type(s.spent_idr) is int and s.spent_idr <= s.budget_idr
    assert oracle_problems(huge(10**15, 10**15 - 1, count), r) == []


def test_rupiah_one_over_at_10_to_17_is_caught_where_floats_cannot_see_it():
    premium = 12 * 16_800
    k = 500_000_000_000
    budget = k * premium - 1  # about Rp1.008 x 10^17
    assert float(budget) == float(budget + 1)  # a float check would pass this plan
    sc = {
        "format": "premium-alloc/v1",
        "name": "float trap",
        "programs": ["JKK", "JKM"],
        "rates": {"JKK": 10_000, "JKM": 6_800},
        "phases": [{"id": "p1", "start": "2024-01", "months": 12}],
        "villages": [{"id": V1}],
        "worker_groups": [{"village": V1, "count": k, "priority": "poor", "sector": "palm"}],
        "sources": [{"id": "APBD", "kind": "apbd", "budget": budget}],
    }
    r = pa.solve(sc)
    assert r.sources[0].workers == k - 1 and r.sources[0].spent_idr == (k - 1) * premium
    model = r.model
    everyone = np.array([k], dtype=np.int64)
    assert violations(model, everyone) == [f"source APBD: spends Rp{k * premium:,} of a Rp{budget:,} budget"]
