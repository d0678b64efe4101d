"""The engine: build a scenario's model, solve it part by part, certify the bound, verify the plan.

Each independent part is solved as an LP (HiGHS dual simplex) for a proven bound, rounded
and repaired to an integer plan, and handed to a MILP (HiGHS, or a PuLP solver such as the
bundled CBC) only when the repaired plan is not yet within the requested gap.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from . import solvers, tally
from .diagnostics import coverage_warnings
from .errors import SolverError, SolverFallbackWarning, Status
from .io.load import ScenarioLike
from .model import NONE, Model, Part, build_model
from .parallel import make_executor
from .rates import RateTable
from .repair import fill, make_feasible, reserved_budgets, round_plan, shift_to_earlier_sources
from .result import Result, SolveInfo, build_result
from .solvers import protocol
from .solvers.lp import LinearProgram, linear_program
from .solvers.protocol import Feature, Solution, Solver, Termination
from .solvers.pulp import PulpSolver
from .verify import verify

log = logging.getLogger("premium_alloc")

BACKENDS = ("highs", "cbc")
MILP_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class SolveOptions:
    """How to solve. ``gap`` and ``time_limit`` default to the scenario's objective settings."""

    backend: str | Any = "highs"  # a name (see solvers.from_name), a Solver, or a PuLP solver instance
    gap: float | None = None
    time_limit: float | None = None
    milp: str = "auto"  # "auto": only when the repaired LP plan misses the gap; "always"; "never"


@dataclass
class PartSolution:
    """Integer plan, value and proven bound of one part."""

    x: np.ndarray
    objective: float
    bound: float
    lp_bound: float
    budget_dual: np.ndarray  # W per rupiah of each of the part's budget rows (LP duals)
    method: str
    seconds: float
    stop: str = ""  # why the search ended before the gap: a code of STOP_REASONS, "" when it did not


# why a part may end above the requested gap, most telling first (Result.status_reason)
STOP_REASONS = ("time_limit", "solver_stopped", "solver_failed", "solver_gap", "milp_off")


def _tighten(bound: float, granularity: float | None) -> float:
    """Round a bound down to the next multiple of the plan-value granularity, when known."""
    if granularity is None or granularity <= 0 or not math.isfinite(bound):
        return bound
    units = bound / granularity
    # slack for the LP's floating-point error only: ~1e-9 relative
    return math.floor(units + 1e-9 * abs(units) + 1e-6) * granularity


def _trivial_bound(part: Part) -> float:
    """Everyone covered at their best weight, every floor met."""
    best = np.zeros(part.cap.size)
    np.maximum.at(best, part.gp, part.w)
    return float(np.dot(best, part.cap) + np.dot(part.qcoef, part.target))


def _relgap(bound: float, value: float) -> float:
    return (bound - value) / bound if bound > 0 else 0.0


def certified_bound(lp: LinearProgram, row_dual: np.ndarray | None) -> float:
    """An upper bound on the LP, hence on W of every integer plan, from any row duals (weak duality).

    See :func:`premium_alloc.solvers.protocol.certified_bound`.

    Parameters
    ----------
    lp : LinearProgram
        The program (:class:`~premium_alloc.solvers.lp.LinearProgram`).
    row_dual : ndarray or None
        Any row duals (a solver's, or spoiled ones).

    Returns
    -------
    float
        The bound, ``inf`` when the duals are unusable.
    """
    return protocol.certified_bound(lp, row_dual)


def _fallback(message: str) -> None:
    warnings.warn(message, SolverFallbackWarning, stacklevel=3)


def _cbc() -> Solver:
    return solvers.from_name("cbc")


def lp_solver_for(solver: Solver) -> Solver:
    """The back-end for the LP relaxations when ``solver`` runs the MILPs.

    A back-end that takes programs from their arrays and returns duals (HiGHS) solves both;
    otherwise the LPs go to HiGHS (PuLP's CBC when highspy is missing).

    Parameters
    ----------
    solver : Solver
        The MILP back-end.

    Returns
    -------
    Solver
        The LP back-end.
    """
    if {Feature.LP, Feature.DUALS, Feature.BULK_LOAD} <= solver.features:
        return solver if solver.available else _cbc()
    lp = solvers.from_name("highs")
    return lp if lp.available else _cbc()


def relaxation(lp: LinearProgram, solver: Solver, *, keep: bool = False) -> Solution:
    """The LP relaxation by ``solver``, or by PuLP's CBC (with a warning) when it fails.

    Parameters
    ----------
    lp : LinearProgram
        The program (see :func:`premium_alloc.solvers.lp.linear_program`).
    solver : Solver
        The LP back-end.
    keep : bool
        Keep the solved instance for warm re-solves (back-ends with ``Feature.WARM_RESOLVE``).

    Returns
    -------
    Solution
        Primal, row duals and objective of the LP.
    """
    if solver.available:
        try:
            return solver.solve(lp, keep=keep)
        except SolverError as err:
            if isinstance(solver, PulpSolver):
                raise
            _fallback(f"{err}; solving the LP relaxation with PuLP's CBC instead")
    return _cbc().solve(lp, time_limit=3600)


@dataclass
class Warm:
    """A part's solved LP, kept for warm re-solves (see :class:`Resolver`)."""

    lp: LinearProgram | None = None
    solution: Solution | None = None


def _same_structure(a: LinearProgram, b: LinearProgram) -> bool:
    """Whether ``b`` differs from ``a`` only in its bounds (so ``a``'s solved instance can take it)."""
    return (
        a.matrix.shape == b.matrix.shape
        and a.matrix.nnz == b.matrix.nnz
        and np.array_equal(a.budget_rows, b.budget_rows)
        and np.array_equal(a.cost, b.cost)
        and np.array_equal(a.matrix.indptr, b.matrix.indptr)
        and np.array_equal(a.matrix.indices, b.matrix.indices)
        and np.array_equal(a.matrix.data, b.matrix.data)
        and np.array_equal(a.row_lower, b.row_lower)
    )


def _relax_part(lp: LinearProgram, solver: Solver, warm: Warm) -> Solution:
    """The part's LP: warm from ``warm`` when only bounds changed, else cold (kept for the next change)."""
    before = warm.solution
    if before is not None and before.state is not None and warm.lp is not None and _same_structure(warm.lp, lp):
        try:
            out = solver.resolve(before, np.arange(lp.row_upper.size), lp.row_upper, col_upper=lp.upper)
            if out.termination == Termination.OPTIMAL:
                return out
        except SolverError:
            pass
    return relaxation(lp, solver, keep=Feature.WARM_RESOLVE in solver.features)


def _better_with_reserve(
    part: Part, lp: LinearProgram, relax: Solution, solver: Solver, x: np.ndarray, value: float, method: str
) -> tuple[np.ndarray, float, str]:
    """Round again from the LP with shared budgets partly held back; keep it if strictly better.

    The reserved LP is only a starting point: the bound stays the full LP's. With a back-end
    that re-solves warm (HiGHS) it starts from the basis of the LP just solved.
    """
    held = reserved_budgets(part)
    rows = lp.budget_rows
    on = (rows != NONE) & (held < part.budget)
    if not on.any():
        return x, value, method
    try:
        if relax.state is not None and Feature.WARM_RESOLVE in solver.features:
            again = solver.resolve(relax, rows[on], held[on] / lp.budget_scale[on])
            if again.termination != Termination.OPTIMAL:
                return x, value, method
            x_frac = again.x
        else:
            x_frac = relaxation(linear_program(replace(part, budget=held)), solver).x
    except SolverError:
        return x, value, method
    x2 = round_plan(part, x_frac)
    v2 = tally.part_value(part, x2)
    return (x2, v2, "lp+reserve+repair") if v2 > value else (x, value, method)


def solve_part(
    part: Part,
    backend: str | Any = "highs",
    gap: float = 0.005,
    deadline: float | None = None,
    milp: str = "auto",
    *,
    lp_solver: Solver | None = None,
    warm: Warm | None = None,
) -> PartSolution:
    """Solve one independent part to within ``gap`` of its proven bound (or until ``deadline``, wall-clock).

    Parameters
    ----------
    part : Part
        One independent part of a model.
    backend : str, Solver or PuLP solver
        The MILP back-end (see :func:`premium_alloc.solvers.from_name`).
    gap : float
        Relative gap to the proven bound that ends the search.
    deadline : float, optional
        Wall-clock time (``time.time()``) by which to stop.
    milp : {"auto", "always", "never"}
        When the MILP runs after the repaired LP plan.
    lp_solver : Solver, optional
        The LP back-end (default: :func:`lp_solver_for` the MILP back-end).
    warm : Warm, optional
        The part's LP solved before: re-solved warm when only bounds changed; updated in place.

    Returns
    -------
    PartSolution
        The part's integer plan, value and proven bound.
    """
    t0 = time.perf_counter()
    milp_solver = solvers.from_name(backend)
    lp_s = lp_solver or lp_solver_for(milp_solver)
    lp = linear_program(part)
    if warm is not None:
        relax = _relax_part(lp, lp_s, warm)
    else:
        relax = relaxation(lp, lp_s, keep=Feature.WARM_RESOLVE in lp_s.features)
    trivial = _trivial_bound(part)  # exact: no floating-point slack needed
    lp_bound = min(certified_bound(lp, relax.row_dual), trivial)
    bound = min(_tighten(lp_bound, part.granularity), trivial)
    duals = np.zeros(part.budget.size)
    if relax.row_dual is not None:
        rows = lp.budget_rows
        on = rows != NONE
        duals[on] = relax.row_dual[rows[on]] / lp.budget_scale[on]
    x = round_plan(part, relax.x)
    value = tally.part_value(part, x)
    method = "lp+repair"
    if value < bound and (part.target > 0).any():
        x, value, method = _better_with_reserve(part, lp, relax, lp_s, x, value, method)
    if warm is not None:
        warm.lp, warm.solution = lp, relax
    else:
        relax.state = None  # free the LP instance before a MILP builds its own
    need_milp = milp == "always" or (milp == "auto" and _relgap(bound, value) > gap)
    stop = "milp_off" if milp == "never" else ""
    if need_milp:
        # HiGHS may overshoot its limit while separating cuts: keep a margin
        left = 1e9 if deadline is None else 0.8 * (deadline - time.time())
        stop = "time_limit"  # unless the MILP runs and says otherwise
        if left > 0.05:
            abs_gap = 0.999 * part.granularity if part.granularity else 1e-6
            x2 = None
            try:
                if not milp_solver.available:
                    raise SolverError(milp_solver.unavailable_reason)
                start = x if Feature.MILP_START in milp_solver.features else None
                out = milp_solver.solve(lp, integer=True, start=start, gap=gap * 0.9, abs_gap=abs_gap, time_limit=left)
                if out.primal.size:
                    x2 = np.rint(out.x).astype(np.int64)
                # only a bound the back-end proves: PuLP 3.x says "Optimal" on a time limit
                if Feature.PROVEN_BOUND in milp_solver.features and math.isfinite(out.bound):
                    bound = min(bound, _tighten(out.bound, part.granularity))

                stop = {Termination.TIME_LIMIT: "time_limit", Termination.FEASIBLE: "solver_stopped", Termination.OPTIMAL: "solver_gap"}.get(
                    out.termination, "solver_failed"
                )
                if stop == "solver_stopped" and deadline is not None and time.time() >= deadline - 0.25 * left:
                    stop = "time_limit"  # PuLP does not say why it stopped; the clock does
                method = f"milp-{milp_solver.name}"
            except SolverError as err:
                stop = "solver_failed"
                _fallback(f"{err}; keeping the repaired LP plan (its true gap is reported)")
            if x2 is not None:
                x2 = fill(part, shift_to_earlier_sources(part, make_feasible(part, x2)))
                v2 = tally.part_value(part, x2)
                if v2 >= value:
                    x, value = x2, v2
    bound = max(bound, value)
    return PartSolution(
        x=x,
        objective=value,
        bound=bound,
        lp_bound=lp_bound,
        budget_dual=duals,
        method=method,
        seconds=time.perf_counter() - t0,
        stop=stop if _relgap(bound, value) > gap else "",
    )


@dataclass(frozen=True)
class PartJob:
    """One part to solve, as sent to a process pool or a cluster worker.

    ``deadline`` is wall-clock time (``time.time()``), so that it means the same on every machine.
    ``backend`` and ``lp_solver`` are :class:`~premium_alloc.solvers.protocol.Solver` s (picklable).
    """

    part: Part
    backend: str | Any
    gap: float
    deadline: float | None
    milp: str = "auto"
    lp_solver: Any = None

    @property
    def cols(self) -> np.ndarray:
        """The part's columns (the work estimate the executors balance)."""
        return self.part.cols


def solve_job(job: PartJob) -> PartSolution:
    """Solve one :class:`PartJob` (the function executors map over the parts).

    Parameters
    ----------
    job : PartJob
        The part and how to solve it.

    Returns
    -------
    PartSolution
        The part's plan and bound.
    """
    return solve_part(job.part, job.backend, job.gap, job.deadline, job.milp, lp_solver=job.lp_solver)


@dataclass(frozen=True)
class _Plan:
    """The back-ends and limits of one solve."""

    milp_solver: Solver
    lp_solver: Solver
    label: str
    gap: float
    limit: float


def _plan(model: Model, options: SolveOptions) -> _Plan:
    """Choose the back-ends: a missing HiGHS falls back to PuLP's CBC with a warning; a missing PuLP solver fails."""
    sc = model.scenario
    gap = sc.objective.gap if options.gap is None else options.gap
    limit = sc.objective.time_limit if options.time_limit is None else options.time_limit
    if options.milp not in MILP_MODES:
        raise ValueError(f"milp must be one of {', '.join(MILP_MODES)}, not {options.milp!r}")
    solver = solvers.from_name(options.backend)
    label = options.backend.lower() if isinstance(options.backend, str) else str(solver.name)
    if not solver.available:
        reason = solver.unavailable_reason
        if isinstance(solver, PulpSolver):  # a named PuLP solver: fail early and clearly
            raise SolverError(reason)
        cbc = _cbc()
        if not cbc.available:
            raise SolverError(f"{reason} and {cbc.unavailable_reason}")
        _fallback(f"{reason}; falling back to PuLP's CBC")
        solver, label = cbc, "cbc"
    return _Plan(solver, lp_solver_for(solver), label, gap, limit)


def _collect(model: Model, plan: _Plan, results: list[PartSolution], t0: float) -> Result:
    """Put the parts' plans together, verify, and build the result."""
    parts = model.parts
    x = np.zeros(model.n_cols, dtype=np.int64)
    bound = 0.0
    lp_bound = 0.0
    methods: dict[str, int] = {}
    dual = np.zeros(model.budget.size)
    for part, sol in zip(parts, results):
        x[part.cols] = sol.x
        bound += sol.bound
        lp_bound += sol.lp_bound
        methods[sol.method] = methods.get(sol.method, 0) + 1
        b_ids = np.unique(model.col_brow[part.cols])
        dual[b_ids] = sol.budget_dual
    verify(model, x)
    value = tally.plan_value(model, x)
    status = Status.OPTIMAL if _relgap(max(bound, value), value) <= plan.gap + 1e-12 else Status.FEASIBLE
    result = build_result(model, x, status=status, bound=bound, warnings=model.warnings + coverage_warnings(model, x))
    if status == Status.FEASIBLE:
        stops = {sol.stop for sol in results if sol.stop}
        result.status_reason = next((r for r in STOP_REASONS if r in stops), "solver_gap")
    result.info = SolveInfo(
        backend=plan.label,
        parts=len(parts),
        columns=model.n_cols,
        seconds=time.perf_counter() - t0,
        build_seconds=0.0,
        lp_bound=lp_bound,
        methods=methods,
        budget_dual=dual,
        requested_gap=plan.gap,
        time_limit=plan.limit,
    )
    log.info("solved %d part(s), %d columns: status %s, gap %.2e", len(parts), model.n_cols, status, result.gap)
    return result


def solve_model(
    model: Model,
    options: SolveOptions = SolveOptions(),
    *,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Solve a built model part by part and return the verified result.

    Parameters
    ----------
    model : Model
        From :func:`build_model`.
    options : SolveOptions
        Back-end, gap, time limit and MILP mode (gap and time limit default to the scenario's).
    executor : concurrent.futures.Executor, optional
        Solves independent parts in parallel.
    progress : callable, optional
        Called as ``progress(done, total)`` after each part.

    Returns
    -------
    Result
        The verified plan.

    Raises
    ------
    SolverError
        No back-end can run (HiGHS and CBC both missing, or an unavailable PuLP solver).
    VerificationError
        The plan failed the integer post-solve check (never returned).
    """
    t0 = time.perf_counter()
    plan = _plan(model, options)
    deadline = time.time() + plan.limit
    parts = model.parts
    jobs = [PartJob(p, plan.milp_solver, plan.gap, deadline, options.milp, plan.lp_solver) for p in parts]
    results = []
    if executor is not None and len(parts) > 1:
        mapped = executor.map(solve_job, jobs, chunksize=max(1, len(jobs) // 64)) if _takes_chunks(executor) else executor.map(solve_job, jobs)
        for i, r in enumerate(mapped):
            results.append(r)
            if progress:
                progress(i + 1, len(parts))
    else:
        for i, job in enumerate(jobs):
            results.append(solve_job(job))
            if progress:
                progress(i + 1, len(parts))
    return _collect(model, plan, results, t0)


class Resolver:
    """Solve a model once, then re-solve budget changes warm from the kept LP bases.

    Every part keeps its solved LP instance (HiGHS); a changed scenario whose model differs
    only in budget amounts is re-solved part by part from the previous basis (a few dual
    simplex pivots), falling back to a cold solve for a part whose program changed shape (a
    budget row that starts or stops binding). The answer is the one a cold solve of the
    changed scenario proves: the same bound, and a plan within the same gap of it.

    Parameters
    ----------
    model : Model
        The base model (from :func:`build_model`).
    options : SolveOptions
        How to solve; a back-end without warm re-solves simply solves cold.

    Examples
    --------
    >>> r = Resolver(build_model(sc))            # doctest: +SKIP
    >>> r.result.objective                       # doctest: +SKIP
    >>> r.resolve(sc_with_more_apbd).objective   # doctest: +SKIP
    """

    def __init__(self, model: Model, options: SolveOptions = SolveOptions()) -> None:
        self.options = options
        self.model = model
        self._warm = [Warm() for _ in model.parts]
        self.warm_parts = 0  #: parts re-solved warm by the last :meth:`resolve`
        self.result = self._run(model)

    def _run(self, model: Model) -> Result:
        t0 = time.perf_counter()
        plan = _plan(model, self.options)
        deadline = time.time() + plan.limit
        results = [
            solve_part(p, plan.milp_solver, plan.gap, deadline, self.options.milp, lp_solver=plan.lp_solver, warm=w)
            for p, w in zip(model.parts, self._warm)
        ]
        return _collect(model, plan, results, t0)

    def resolve(self, scenario: ScenarioLike | Model) -> Result:
        """Solve a changed scenario (only budget amounts may differ) from the kept bases.

        Parameters
        ----------
        scenario : Scenario, dict, path or Model
            The changed scenario, or its model.

        Returns
        -------
        Result
            The verified plan of the changed scenario.

        Raises
        ------
        ValueError
            The change is more than budget amounts (other columns or parts).
        """
        model = scenario if isinstance(scenario, Model) else build_model(scenario)
        base = self.model
        same = (
            model.n_cols == base.n_cols
            and len(model.parts) == len(base.parts)
            and np.array_equal(model.col_g, base.col_g)
            and np.array_equal(model.col_s, base.col_s)
            and np.array_equal(model.col_p, base.col_p)
            and np.array_equal(model.col_cost, base.col_cost)
            and all(np.array_equal(a.cols, b.cols) for a, b in zip(model.parts, base.parts))
        )
        if not same:
            raise ValueError("a warm re-solve takes changed budget amounts only; solve the changed scenario instead")
        before = [w.solution for w in self._warm]
        result = self._run(model)
        self.warm_parts = sum(1 for b, w in zip(before, self._warm) if b is not None and w.solution is not None and w.solution.state is b.state)
        self.model = model
        self.result = result
        return result


def _takes_chunks(executor: Executor) -> bool:
    return isinstance(executor, ProcessPoolExecutor)


def lp_value(scenario: ScenarioLike | Model, backend: str | Any = "highs") -> float:
    """Optimum of the LP relaxation the solver uses (the sum over independent parts).

    Parameters
    ----------
    scenario : Scenario, dict, path or Model
        The scenario or its built model.
    backend : str or Solver
        As in :class:`SolveOptions` (the LP goes to :func:`lp_solver_for` it).

    Returns
    -------
    float
        The LP optimum (an upper bound on W of every plan).
    """
    model = scenario if isinstance(scenario, Model) else build_model(scenario)
    solver = _plan(model, SolveOptions(backend=backend)).lp_solver
    return float(sum(relaxation(linear_program(p), solver).objective for p in model.parts))


def solve(
    scenario: ScenarioLike,
    options: SolveOptions | None = None,
    *,
    backend: str | Any | None = None,
    gap: float | None = None,
    time_limit: float | None = None,
    milp: str | None = None,
    workers: pd.DataFrame | None = None,
    executor: Executor | None = None,
    jobs: int | None = None,
    rates: RateTable | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Solve a v1 scenario and return its verified plan.

    Parameters
    ----------
    scenario : Scenario, dict or path
        A v1 scenario: a :class:`Scenario`, a parsed dict, or a YAML/JSON/workbook path.
    options : SolveOptions, optional
        How to solve; the keyword arguments below override its fields.
    backend : str, Solver or PuLP solver, optional
        ``"highs"`` (default, through highspy), ``"cbc"`` (PuLP's bundled CBC), the name of
        any PuLP solver or of a registered back-end (:func:`premium_alloc.solvers.from_name`),
        a :class:`~premium_alloc.solvers.protocol.Solver`, or a PuLP solver instance.
    gap, time_limit : float, optional
        Override the scenario's ``objective.gap`` and ``objective.time_limit``.
    milp : {"auto", "always", "never"}, optional
        When a MILP runs after the rounded LP plan ("auto": only when the gap is missed).
    workers : DataFrame, optional
        A worker list instead of the scenario's groups.
    executor : concurrent.futures.Executor, optional
        Solves independent parts in parallel (a process pool, or a Dask client adapted by
        :func:`premium_alloc.parallel.as_executor`).
    jobs : int, optional
        Without ``executor``: 0/None chooses as the CLI does (a process pool only for large
        models with several parts), 1 solves in this process, N uses N processes.
    rates : RateTable, optional
        A dated rate table instead of the packaged one.
    progress : callable, optional
        Called as ``progress(done, total)`` after each part.

    Returns
    -------
    Result
        The verified plan, with status, objective, proven bound and gap.
    """
    opts = options or SolveOptions()
    overrides: dict[str, Any] = {k: v for k, v in (("backend", backend), ("gap", gap), ("time_limit", time_limit), ("milp", milp)) if v is not None}
    opts = replace(opts, **overrides)
    t0 = time.perf_counter()
    model = build_model(scenario, workers=workers, rates=rates)
    build_s = time.perf_counter() - t0
    if executor is not None:
        result = solve_model(model, opts, executor=executor, progress=progress)
    else:
        pool = make_executor(jobs, len(model.parts), model.n_cols)
        try:
            result = solve_model(model, opts, executor=pool, progress=progress)
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
    assert result.info is not None
    result.info.build_seconds = build_s
    result.info.seconds += build_s
    return result
