"""HiGHS (highspy) back-end: the LP relaxation and the MILP of one :class:`~.model.Part`."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np

from ..errors import SolverError
from .lp import LinearProgram

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
        sys.stdout.flush()
        saved = os.dup(fd)
    except (AttributeError, ValueError, OSError):  # no stdout (closed): nothing to silence
        yield
        return
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
