"""HiGHS (highspy) back-end of the solver interface (:mod:`premium_alloc.solvers.protocol`)."""

from __future__ import annotations

import math
import os
import sys
from contextlib import contextmanager
from typing import Any, Iterator

import numpy as np

from ..errors import SolverError
from .lp import LinearProgram
from .protocol import Feature, Solution, Termination

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


_MISSING = object()


class HighsSolver:
    """HiGHS through highspy: LPs by dual simplex (with duals and warm re-solves), MILPs with a start.

    Parameters
    ----------
    api : module, optional
        The highspy module (or a stand-in with its interface, for fault tests); ``None`` means
        highspy is missing. Defaults to the installed highspy.
    threads : int
        HiGHS threads per solve (1: parts are solved in parallel instead).
    """

    name = "highs"
    features = frozenset(
        {Feature.LP, Feature.MILP, Feature.DUALS, Feature.PROVEN_BOUND, Feature.WARM_RESOLVE, Feature.MILP_START, Feature.BULK_LOAD}
    )

    def __init__(self, api: Any = _MISSING, threads: int = 1) -> None:
        self.api = highspy if api is _MISSING else api
        self.threads = threads

    def __reduce__(self) -> tuple[Any, ...]:  # the module itself cannot be pickled
        return (_installed, (self.threads,)) if self.api is highspy else (HighsSolver, (self.api, self.threads))

    def __repr__(self) -> str:
        return f"HighsSolver(threads={self.threads})" if self.api is highspy else f"HighsSolver(api={self.api!r})"

    @property
    def available(self) -> bool:
        """Whether highspy can be used."""
        return self.api is not None

    @property
    def unavailable_reason(self) -> str:
        """Why highspy cannot be used (empty when it can)."""
        if self.api is not None:
            return ""
        return f"highspy cannot be imported ({IMPORT_ERROR or 'not installed'})" if self.api is highspy else "highspy cannot be imported (not installed)"

    def new(self) -> Any:
        """A silent HiGHS instance with deterministic settings."""
        if self.api is None:
            raise SolverError(f"{self.unavailable_reason}; install it or choose a PuLP solver (backend='cbc')")
        with _no_stdout():
            h = self.api.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", self.threads)
        h.setOptionValue("random_seed", 0)
        return h

    def solve(
        self,
        lp: LinearProgram,
        *,
        integer: bool = False,
        start: np.ndarray | None = None,
        gap: float = 0.0,
        abs_gap: float = 0.0,
        time_limit: float | None = None,
        tolerance: float | None = None,
        keep: bool = False,
    ) -> Solution:
        """Solve ``lp``; see :meth:`premium_alloc.solvers.protocol.Solver.solve`."""
        api = self.api
        h = self.new()
        if not integer:
            h.setOptionValue("solver", "simplex")
        pass_model(api, h, lp, integer)
        if integer:
            h.setOptionValue("mip_rel_gap", float(gap))
            h.setOptionValue("mip_abs_gap", max(float(abs_gap), 1e-6))
        if time_limit is not None:
            h.setOptionValue("time_limit", max(0.05, float(time_limit)))
        if tolerance is not None:
            h.setOptionValue("primal_feasibility_tolerance", float(tolerance))
            if integer:
                h.setOptionValue("mip_feasibility_tolerance", float(tolerance))
        if integer and start is not None:
            full = np.zeros(lp.cost.size)
            full[: lp.n_x] = start
            if lp.q_vp.size:  # the best quota credit for this cover: min(floor, covered)
                vcover = np.bincount(lp.col_vp, weights=start, minlength=lp.vp_target.size)
                full[lp.n_x :] = np.minimum(vcover[lp.q_vp], lp.vp_target[lp.q_vp])
            sol = api.HighsSolution()
            sol.col_value = full
            sol.value_valid = True
            h.setSolution(sol)
        h.run()
        return self._outcome(h, lp.n_x, integer, keep)

    def _outcome(self, h: Any, n_x: int, integer: bool, keep: bool) -> Solution:
        api = self.api
        st = h.getModelStatus()
        words = h.modelStatusToString(st)
        MS = api.HighsModelStatus
        if st == MS.kOptimal:
            term = Termination.OPTIMAL
        elif st == MS.kTimeLimit:
            term = Termination.TIME_LIMIT
        elif st == MS.kInfeasible:
            term = Termination.INFEASIBLE
        elif st in (MS.kUnbounded, MS.kUnboundedOrInfeasible):
            term = Termination.INFEASIBLE if integer else Termination.UNBOUNDED
        else:
            term = Termination.ERROR
        if term in (Termination.INFEASIBLE, Termination.UNBOUNDED):
            return Solution(np.zeros(0), 0, -math.inf, term, report=words)
        info = h.getInfo()
        sol = h.getSolution()
        if integer:
            if not sol.value_valid:
                if term == Termination.TIME_LIMIT:
                    return Solution(np.zeros(0), 0, -math.inf, term, bound=float(info.mip_dual_bound), report=words)
                raise SolverError(f"HiGHS found no integer plan: {words}")
            return Solution(
                primal=np.asarray(sol.col_value),
                n_x=n_x,
                objective=float(info.objective_function_value),
                termination=term,
                bound=float(info.mip_dual_bound),
                report=words,
            )
        if term != Termination.OPTIMAL:
            raise SolverError(f"HiGHS could not solve the LP relaxation: {words}")
        obj = float(info.objective_function_value)
        return Solution(
            primal=np.asarray(sol.col_value),
            n_x=n_x,
            objective=obj,
            termination=term,
            row_dual=np.asarray(sol.row_dual),
            bound=obj,
            report=words,
            state=h if keep else None,
        )

    def resolve(
        self,
        solution: Solution,
        rows: np.ndarray,
        row_upper: np.ndarray,
        *,
        col_upper: np.ndarray | None = None,
    ) -> Solution:
        """Re-solve the LP kept in ``solution.state`` with new upper bounds on ``rows`` (and on every column).

        Dual simplex starts from the previous basis: a few pivots instead of a fresh solve.
        The instance stays in the returned solution, so changes can be chained.
        """
        h = solution.state
        if h is None:
            raise SolverError("this solution keeps no HiGHS instance to re-solve (solve with keep=True)")
        rows = np.asarray(rows)
        if rows.size:
            h.changeRowsBounds(int(rows.size), rows.astype(np.int32), np.full(rows.size, -np.inf), np.asarray(row_upper, dtype=float))
        if col_upper is not None:
            n = int(col_upper.size)
            h.changeColsBounds(n, np.arange(n, dtype=np.int32), np.zeros(n), np.asarray(col_upper, dtype=float))
        h.run()
        return self._outcome(h, solution.n_x, False, True)


def _installed(threads: int) -> HighsSolver:
    return HighsSolver(threads=threads)


def pass_model(api: Any, h: Any, lp: LinearProgram, integer: bool) -> None:
    """Hand ``lp`` to ``h`` from its arrays (a HighsLp would copy them value by value, 1 ms a part).

    Parameters
    ----------
    api : module
        highspy (or a stand-in).
    h : Highs
        The instance to load.
    lp : LinearProgram
        The program (:class:`~premium_alloc.solvers.lp.LinearProgram`).
    integer : bool
        Mark the first ``lp.n_x`` columns integer.
    """
    m = lp.matrix
    kinds = np.zeros(lp.cost.size, dtype=np.int32)  # continuous
    if integer:
        kinds[: lp.n_x] = int(api.HighsVarType.kInteger)
    status = h.passModel(
        lp.cost.size,
        lp.row_lower.size,
        m.nnz,
        int(api.MatrixFormat.kColwise),
        int(api.ObjSense.kMaximize),
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
    if status == api.HighsStatus.kError:
        raise SolverError("HiGHS refused the model")
