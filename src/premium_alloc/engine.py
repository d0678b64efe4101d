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

from . import tally
from .diagnostics import coverage_warnings
from .errors import SolverError, SolverFallbackWarning, Status
from .groups import group_table
from .io.load import ScenarioLike, as_scenario
from .model import NONE, Model, Part, model_from_groups
from .parallel import make_executor
from .rates import RateTable
from .repair import fill, make_feasible, reserved_budgets, round_plan, shift_to_earlier_sources
from .result import Result, SolveInfo, build_result
from .solvers import highs
from .solvers.lp import LinearProgram, linear_program
from .solvers.pulp import make_solver, solve_with_pulp
from .verify import verify

log = logging.getLogger("premium_alloc")

BACKENDS = ("highs", "cbc")
MILP_MODES = ("auto", "always", "never")


@dataclass(frozen=True)
class SolveOptions:
    """How to solve. ``gap`` and ``time_limit`` default to the scenario's objective settings."""

    backend: str | Any = "highs"
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
    """An upper bound on the LP, hence on W of every integer plan, from any row duals.

    Every row of the LP is ``A x <= b`` and every variable lies in ``[0, u]``, so by weak
    duality, for any ``y >= 0``: max c.x <= b.y + sum_j u_j max(0, c_j - (A^T y)_j). The
    solver's status and objective are not trusted: wrong duals only weaken the bound.
    """
    if row_dual is None or row_dual.shape != lp.row_upper.shape or not np.isfinite(row_dual).all():
        return math.inf
    y = np.maximum(row_dual, 0.0)
    reduced = lp.cost - lp.matrix.T @ y
    rows = float(np.dot(np.where(y > 0, lp.row_upper, 0.0), y))
    cols = float(np.dot(np.where(reduced > 0, lp.upper, 0.0), np.maximum(reduced, 0.0)))
    return rows + cols


def _fallback(message: str) -> None:
    warnings.warn(message, SolverFallbackWarning, stacklevel=3)


def _relaxation(lp: LinearProgram) -> highs.HighsOutcome:
    """The LP relaxation by HiGHS, or by PuLP's CBC when highspy is missing or HiGHS fails."""
    if highs.highspy is not None:
        try:
            return highs.solve_lp(lp)
        except SolverError as err:
            _fallback(f"{err}; solving the LP relaxation with PuLP's CBC instead")
    out = solve_with_pulp(lp, make_solver("cbc", gap=0.0, time_limit=3600), integer=False)
    return highs.HighsOutcome(
        x=out.x,
        objective=math.inf if out.objective is None else out.objective,
        bound=math.inf,
        row_dual=out.row_dual,
        status=out.status,
    )


def _better_with_reserve(
    part: Part, lp: LinearProgram, relax: highs.HighsOutcome, x: np.ndarray, value: float, method: str
) -> tuple[np.ndarray, float, str]:
    """Round again from the LP with shared budgets partly held back; keep it if strictly better.

    The reserved LP is only a starting point: the bound stays the full LP's. With HiGHS it is
    a warm re-solve of the LP just solved, with lower budget rows.
    """
    held = reserved_budgets(part)
    rows = lp.budget_rows
    on = (rows != NONE) & (held < part.budget)
    if not on.any():
        return x, value, method
    try:
        if relax.solver is not None:
            x_frac = highs.resolve_with_row_upper(relax.solver, rows[on], held[on] / lp.budget_scale[on], lp.n_x)
        else:
            x_frac = _relaxation(linear_program(replace(part, budget=held))).x
    except SolverError:
        return x, value, method
    if x_frac is None:
        return x, value, method
    x2 = round_plan(part, x_frac)
    v2 = tally.part_value(part, x2)
    return (x2, v2, "lp+reserve+repair") if v2 > value else (x, value, method)


def solve_part(part: Part, backend: str | Any = "highs", gap: float = 0.005, deadline: float | None = None, milp: str = "auto") -> PartSolution:
    """Solve one independent part to within ``gap`` of its proven bound (or until ``deadline``, wall-clock)."""
    t0 = time.perf_counter()
    lp = linear_program(part)
    relax = _relaxation(lp)
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
        x, value, method = _better_with_reserve(part, lp, relax, x, value, method)
    relax.solver = None  # free HiGHS's copy of the model before a MILP builds its own
    need_milp = milp == "always" or (milp == "auto" and _relgap(bound, value) > gap)
    if need_milp:
        # HiGHS may overshoot its limit while separating cuts: keep a margin
        left = 1e9 if deadline is None else 0.8 * (deadline - time.time())
        if left > 0.05:
            abs_gap = 0.999 * part.granularity if part.granularity else 1e-6
            x2 = None
            try:
                if isinstance(backend, str) and backend == "highs" and highs.highspy is not None:
                    out = highs.solve_milp(lp, x, gap=gap * 0.9, abs_gap=abs_gap, time_limit=left)
                    x2 = np.rint(out.x).astype(np.int64)
                    if math.isfinite(out.bound):
                        bound = min(bound, _tighten(out.bound, part.granularity))
                    method = "milp-highs"
                else:
                    # the bound stays the certified LP one: PuLP 3.x says "Optimal" on a time limit
                    solver = make_solver("cbc" if backend == "highs" else backend, gap=gap * 0.9, time_limit=left)
                    out2 = solve_with_pulp(lp, solver)
                    x2 = np.rint(out2.x).astype(np.int64)
                    method = f"milp-{getattr(solver, 'name', 'pulp')}"
            except SolverError as err:
                _fallback(f"{err}; keeping the repaired LP plan (its true gap is reported)")
            if x2 is not None:
                x2 = fill(part, shift_to_earlier_sources(part, make_feasible(part, x2)))
                v2 = tally.part_value(part, x2)
                if v2 >= value:
                    x, value = x2, v2
    bound = max(bound, value)
    return PartSolution(
        x=x, objective=value, bound=bound, lp_bound=lp_bound, budget_dual=duals, method=method, seconds=time.perf_counter() - t0
    )


@dataclass(frozen=True)
class PartJob:
    """One part to solve, as sent to a process pool or a cluster worker.

    ``deadline`` is wall-clock time (``time.time()``), so that it means the same on every machine.
    """

    part: Part
    backend: str | Any
    gap: float
    deadline: float | None
    milp: str = "auto"

    @property
    def cols(self) -> np.ndarray:
        """The part's columns (the work estimate the executors balance)."""
        return self.part.cols


def solve_job(job: PartJob) -> PartSolution:
    """Solve one :class:`PartJob` (the function executors map over the parts)."""
    return solve_part(job.part, job.backend, job.gap, job.deadline, job.milp)


def solve_model(
    model: Model,
    options: SolveOptions = SolveOptions(),
    *,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Solve a built model part by part and return the verified result."""
    t0 = time.perf_counter()
    sc = model.scenario
    gap = sc.objective.gap if options.gap is None else options.gap
    limit = sc.objective.time_limit if options.time_limit is None else options.time_limit
    deadline = time.time() + limit
    if options.milp not in MILP_MODES:
        raise ValueError(f"milp must be one of {', '.join(MILP_MODES)}, not {options.milp!r}")
    if isinstance(options.backend, str) and options.backend.lower() != "highs":
        # CBC or a named PuLP solver: fail early and clearly if it is not there
        make_solver(options.backend, gap=gap, time_limit=limit)
    backend = options.backend.lower() if isinstance(options.backend, str) else options.backend
    if backend == "highs" and highs.highspy is None:
        try:
            make_solver("cbc", gap=gap, time_limit=limit)
        except SolverError as err:
            raise SolverError(f"highspy cannot be imported ({highs.IMPORT_ERROR or 'not installed'}) and {err}") from None
        _fallback(f"highspy cannot be imported ({highs.IMPORT_ERROR or 'not installed'}); falling back to PuLP's CBC")
        backend = "cbc"
    parts = model.parts
    jobs = [PartJob(p, backend, gap, deadline, options.milp) for p in parts]
    if executor is not None and len(parts) > 1:
        results = []
        for i, r in enumerate(executor.map(solve_job, jobs, chunksize=max(1, len(jobs) // 64)) if _takes_chunks(executor) else executor.map(solve_job, jobs)):
            results.append(r)
            if progress:
                progress(i + 1, len(parts))
    else:
        results = []
        for i, job in enumerate(jobs):
            results.append(solve_job(job))
            if progress:
                progress(i + 1, len(parts))
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
    status = Status.OPTIMAL if _relgap(max(bound, value), value) <= gap + 1e-12 else Status.FEASIBLE
    result = build_result(model, x, status=status, bound=bound, warnings=model.warnings + coverage_warnings(model, x))
    result.info = SolveInfo(
        backend=str(getattr(backend, "name", backend)),
        parts=len(parts),
        columns=model.n_cols,
        seconds=time.perf_counter() - t0,
        build_seconds=0.0,
        lp_bound=lp_bound,
        methods=methods,
        budget_dual=dual,
    )
    log.info("solved %d part(s), %d columns: status %s, gap %.2e", len(parts), model.n_cols, status, result.gap)
    return result


def _takes_chunks(executor: Executor) -> bool:
    return isinstance(executor, ProcessPoolExecutor)


def build_model(
    scenario: ScenarioLike,
    *,
    workers: pd.DataFrame | None = None,
    rates: RateTable | None = None,
) -> Model:
    """Group a scenario's workers and build its integer program, split into independent parts.

    Parameters
    ----------
    scenario : Scenario, dict or path
        A v1 scenario (loaded and validated when not a :class:`Scenario`).
    workers : DataFrame, optional
        A worker list (``worker_id, village, priority, sector[, income]``) used instead of
        the scenario's ``worker_groups`` / ``workers`` file.
    rates : RateTable, optional
        A dated rate table instead of the packaged one.

    Returns
    -------
    Model
        The arrays of the program; :func:`solve_model` solves it.
    """
    sc = as_scenario(scenario)
    groups, listed = group_table(sc, workers)
    model = model_from_groups(sc, groups, rates)
    model.workers = listed
    return model


def lp_value(scenario: ScenarioLike | Model) -> float:
    """Optimum of the LP relaxation the solver uses (the sum over independent parts)."""
    model = scenario if isinstance(scenario, Model) else build_model(scenario)
    return float(sum(_relaxation(linear_program(p)).objective for p in model.parts))


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
    backend : str or PuLP solver, optional
        ``"highs"`` (default, through highspy), ``"cbc"`` (PuLP's bundled CBC), the name of
        any PuLP solver, or a PuLP solver instance.
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
    overrides = {k: v for k, v in (("backend", backend), ("gap", gap), ("time_limit", time_limit), ("milp", milp)) if v is not None}
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
