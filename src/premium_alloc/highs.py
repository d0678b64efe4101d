"""HiGHS (highspy) back-end: the LP relaxation and the MILP of one :class:`~.model.Part`."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
from scipy import sparse

from .errors import SolverError
from .model import NONE, Part

try:
    import highspy
except Exception as _err:  # pragma: no cover - ImportError, or OSError/AttributeError from a broken build
    highspy = None  # type: ignore[assignment]
    IMPORT_ERROR = f"{_err.__class__.__name__}: {_err}"
else:
    IMPORT_ERROR = ""


@contextmanager
def _no_stdout() -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when the first instance is made)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def new_highs(threads: int = 1) -> highspy.Highs:
    """A silent HiGHS instance with deterministic settings."""
    if highspy is None:
        raise SolverError("highspy is not installed; install it or choose a PuLP solver (backend='cbc')")
    with _no_stdout():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("random_seed", 0)
    return h


@dataclass
class LinearProgram:
    """A Part as an LP: variables are the part's columns then its quota-credit variables."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    matrix: sparse.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    n_x: int
    q_vp: np.ndarray  # village-phase of each quota-credit variable
    budget_rows: np.ndarray  # LP row of each budget row of the part (-1 when never binding)
    budget_scale: np.ndarray  # rupiah per unit of each budget row
    col_vp: np.ndarray  # village-phase of each column
    vp_target: np.ndarray  # quota floor of each village-phase


def linear_program(part: Part) -> LinearProgram:
    """Build the LP relaxation of a part in bulk. Budget rows are in units of one premium."""
    nx = part.w.size
    ub_x = part.cap[part.gp].astype(float)
    # Valid for every integer plan, and it tightens the LP: x <= budget // premium.
    with np.errstate(divide="ignore"):
        afford = np.where(part.cost > 0, part.budget[part.brow] // np.maximum(part.cost, 1), ub_x.max(initial=0))
    ub_x = np.minimum(ub_x, afford)
    capped = part.vmax[part.vp] != NONE
    ub_x[capped] = np.minimum(ub_x[capped], part.vmax[part.vp][capped])
    has_q = np.flatnonzero((part.target > 0) & (part.qcoef > 0))
    nq = has_q.size
    rows, cols, vals, lo, hi = [], [], [], [], []
    r = 0

    # budget rows, skipped when they can never bind
    spend_max = np.bincount(part.brow, weights=part.cost * ub_x, minlength=part.budget.size)
    scale = np.ones(part.budget.size)
    np.maximum.at(scale, part.brow, part.cost.astype(float))
    binding = np.flatnonzero(spend_max > part.budget)
    budget_rows = np.full(part.budget.size, NONE, dtype=np.int64)
    budget_rows[binding] = r + np.arange(binding.size)
    sel = np.flatnonzero(budget_rows[part.brow] != NONE)
    rows.append(budget_rows[part.brow[sel]])
    cols.append(sel)
    vals.append(part.cost[sel] / scale[part.brow[sel]])
    lo.append(np.full(binding.size, -np.inf))
    hi.append(part.budget[binding] / scale[binding])
    r += binding.size

    # cover rows for (group, phase) with more than one payer
    per_gp = np.bincount(part.gp, minlength=part.cap.size)
    multi = np.flatnonzero(per_gp > 1)
    gp_row = np.full(part.cap.size, NONE, dtype=np.int64)
    gp_row[multi] = r + np.arange(multi.size)
    sel = np.flatnonzero(gp_row[part.gp] != NONE)
    rows.append(gp_row[part.gp[sel]])
    cols.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(np.full(multi.size, -np.inf))
    hi.append(part.cap[multi].astype(float))
    r += multi.size

    # quota credit: q[v,p] - sum of cover in (v,p) <= 0
    vp_row = np.full(part.target.size, NONE, dtype=np.int64)
    vp_row[has_q] = r + np.arange(nq)
    sel = np.flatnonzero(vp_row[part.vp] != NONE)
    rows += [vp_row[part.vp[sel]], vp_row[has_q]]
    cols += [sel, nx + np.arange(nq)]
    vals += [-np.ones(sel.size), np.ones(nq)]
    lo.append(np.full(nq, -np.inf))
    hi.append(np.zeros(nq))
    r += nq

    # quota cap rows where the cap can bind
    cover_max = np.bincount(part.vp, weights=ub_x, minlength=part.target.size)
    capv = np.flatnonzero((part.vmax != NONE) & (cover_max > part.vmax))
    cap_row = np.full(part.target.size, NONE, dtype=np.int64)
    cap_row[capv] = r + np.arange(capv.size)
    sel = np.flatnonzero(cap_row[part.vp] != NONE)
    rows.append(cap_row[part.vp[sel]])
    cols.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(np.full(capv.size, -np.inf))
    hi.append(part.vmax[capv].astype(float))
    r += capv.size

    # continuity: cover in (g,p) - cover in (g,next p) <= 0
    links = np.flatnonzero(part.gp_next != NONE)
    if links.size:
        link_row = np.full(part.cap.size, NONE, dtype=np.int64)
        link_row[links] = r + np.arange(links.size)
        sel = np.flatnonzero(link_row[part.gp] != NONE)
        prev = np.full(part.cap.size, NONE, dtype=np.int64)
        prev[part.gp_next[links]] = links
        sel2 = np.flatnonzero(prev[part.gp] != NONE)
        rows += [link_row[part.gp[sel]], link_row[prev[part.gp[sel2]]]]
        cols += [sel, sel2]
        vals += [np.ones(sel.size), -np.ones(sel2.size)]
        lo.append(np.full(links.size, -np.inf))
        hi.append(np.zeros(links.size))
        r += links.size

    matrix = sparse.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, nx + nq)
    )
    return LinearProgram(
        cost=np.concatenate([part.w, part.qcoef[has_q]]),
        lower=np.zeros(nx + nq),
        upper=np.concatenate([ub_x, part.target[has_q].astype(float)]),
        matrix=matrix,
        row_lower=np.concatenate(lo),
        row_upper=np.concatenate(hi),
        n_x=nx,
        q_vp=has_q,
        budget_rows=budget_rows,
        budget_scale=scale,
        col_vp=part.vp,
        vp_target=part.target.astype(float),
    )


@dataclass
class HighsOutcome:
    """What HiGHS returned for one solve."""

    x: np.ndarray  # values of the part's columns
    objective: float
    bound: float  # a proven upper bound on the objective
    row_dual: np.ndarray | None
    status: str
    solver: Any = field(default=None, repr=False)  # the solved Highs instance, for warm re-solves


def pass_model(h: highspy.Highs, lp: LinearProgram, integer: bool) -> None:
    """Hand ``lp`` to ``h`` from its arrays (a HighsLp would copy them value by value, 1 ms a part)."""
    m = lp.matrix
    kinds = np.zeros(lp.cost.size, dtype=np.int32)  # continuous
    if integer:
        kinds[: lp.n_x] = int(highspy.HighsVarType.kInteger)
    status = h.passModel(
        lp.cost.size,
        lp.row_lower.size,
        m.nnz,
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMaximize),
        0.0,
        lp.cost,
        lp.lower,
        lp.upper,
        lp.row_lower,
        lp.row_upper,
        m.indptr.astype(np.int32, copy=False),
        m.indices.astype(np.int32, copy=False),
        m.data,
        kinds,
    )
    if status == highspy.HighsStatus.kError:
        raise SolverError("HiGHS refused the model")


def solve_lp(lp: LinearProgram) -> HighsOutcome:
    """Solve the LP relaxation with dual simplex; its optimum bounds every integer plan."""
    h = new_highs()
    h.setOptionValue("solver", "simplex")
    pass_model(h, lp, integer=False)
    h.run()
    st = h.getModelStatus()
    if st != highspy.HighsModelStatus.kOptimal:
        raise SolverError(f"HiGHS could not solve the LP relaxation: {h.modelStatusToString(st)}")
    sol = h.getSolution()
    obj = float(h.getInfo().objective_function_value)
    return HighsOutcome(
        x=np.asarray(sol.col_value)[: lp.n_x],
        objective=obj,
        bound=obj,
        row_dual=np.asarray(sol.row_dual),
        status="optimal",
        solver=h,
    )


def resolve_with_row_upper(h: highspy.Highs, rows: np.ndarray, upper: np.ndarray, n_x: int) -> np.ndarray | None:
    """Re-solve an LP already solved in ``h`` with new upper bounds on ``rows``.

    Dual simplex starts from the previous basis, a few pivots instead of a fresh solve.
    Returns the part's column values, or ``None`` when HiGHS does not reach an optimum.
    """
    if rows.size:
        h.changeRowsBounds(int(rows.size), rows.astype(np.int32), np.full(rows.size, -np.inf), upper.astype(float))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(h.getSolution().col_value)[:n_x]


def solve_milp(
    lp: LinearProgram,
    start: np.ndarray | None,
    *,
    gap: float,
    abs_gap: float,
    time_limit: float,
) -> HighsOutcome:
    """Solve the integer program, warm started from ``start`` (a feasible integer plan)."""
    h = new_highs()
    pass_model(h, lp, integer=True)
    h.setOptionValue("mip_rel_gap", gap)
    h.setOptionValue("mip_abs_gap", abs_gap)
    h.setOptionValue("time_limit", max(0.05, float(time_limit)))
    if start is not None:
        full = np.zeros(lp.cost.size)
        full[: lp.n_x] = start
        if lp.q_vp.size:  # the best quota credit for this cover: min(floor, covered)
            vcover = np.bincount(lp.col_vp, weights=start, minlength=lp.vp_target.size)
            full[lp.n_x :] = np.minimum(vcover[lp.q_vp], lp.vp_target[lp.q_vp])
        sol = highspy.HighsSolution()
        sol.col_value = full
        sol.value_valid = True
        h.setSolution(sol)
    h.run()
    info = h.getInfo()
    st = h.getModelStatus()
    sol = h.getSolution()
    if not sol.value_valid:
        raise SolverError(f"HiGHS found no integer plan: {h.modelStatusToString(st)}")
    return HighsOutcome(
        x=np.asarray(sol.col_value)[: lp.n_x],
        objective=float(info.objective_function_value),
        bound=float(info.mip_dual_bound),
        row_dual=None,
        status=h.modelStatusToString(st),
    )
