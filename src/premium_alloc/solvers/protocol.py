"""The solver interface: one protocol for every LP and MILP of the package.

A back-end (:class:`~premium_alloc.solvers.highs.HighsSolver`,
:class:`~premium_alloc.solvers.pulp.PulpSolver`) takes a
:class:`~premium_alloc.solvers.lp.LinearProgram` and returns a :class:`Solution`: the primal,
the row duals (LP), how it stopped (:class:`Termination`), and a bound it proves (MILP).
Back-ends are chosen by name through :func:`premium_alloc.solvers.from_name`; what each can
do is a set of :class:`Feature` flags. The callers (engine, analysis) decide the plan's status
from their own certified bounds, never from a back-end's word.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from .lp import LinearProgram

__all__ = ["Feature", "Solution", "Solver", "Termination", "certified_bound"]


class Termination(StrEnum):
    """How a back-end stopped.

    ``optimal``: it proved its answer optimal within the requested gap; ``time_limit``: it
    stopped on the time limit (``Solution.x`` may hold an incumbent); ``feasible``: it returned
    a plan without saying why it stopped (PuLP 3.x says "Optimal" on a time limit);
    ``infeasible``; ``unbounded``; ``error``: it failed without a plan.
    """

    OPTIMAL = "optimal"
    TIME_LIMIT = "time_limit"
    FEASIBLE = "feasible"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    ERROR = "error"


class Feature(StrEnum):
    """What a back-end can do."""

    LP = "lp"  # solves LPs
    MILP = "milp"  # solves integer programs
    DUALS = "duals"  # returns LP row duals
    PROVEN_BOUND = "proven_bound"  # reports a MILP dual bound it proved
    WARM_RESOLVE = "warm_resolve"  # re-solves a solved LP from its basis after row bounds change
    MILP_START = "milp_start"  # takes a feasible integer start
    BULK_LOAD = "bulk_load"  # takes the program from its arrays at once (no per-element objects)


@dataclass
class Solution:
    """What a back-end returned for one program.

    ``primal`` holds every variable (``lp.n_x`` columns, then the quota credits or extras);
    ``x`` only the columns. ``bound`` is an upper bound on the (maximised) objective that
    the back-end proved, ``math.inf`` when it proves none. ``state`` is the back-end's solved
    instance when it supports :attr:`Feature.WARM_RESOLVE` (``None`` once released).
    """

    primal: np.ndarray
    n_x: int
    objective: float
    termination: Termination
    row_dual: np.ndarray | None = None
    bound: float = math.inf
    report: str = ""  # the back-end's own words about how it stopped
    state: Any = field(default=None, repr=False)

    @property
    def x(self) -> np.ndarray:
        """Values of the program's first ``n_x`` columns (the model's columns)."""
        return self.primal[: self.n_x]

    @property
    def time_limit_reached(self) -> bool:
        """Whether the back-end stopped on its time limit."""
        return self.termination == Termination.TIME_LIMIT

    @property
    def gap_reached(self) -> bool:
        """Whether the back-end proved its answer within the requested gap."""
        return self.termination == Termination.OPTIMAL


@runtime_checkable
class Solver(Protocol):
    """A back-end for :class:`~premium_alloc.solvers.lp.LinearProgram` s (maximisation).

    ``solve`` raises :class:`~premium_alloc.errors.SolverError` when the back-end is missing or
    fails without a usable answer; an infeasible program is a :class:`Solution` with
    ``Termination.INFEASIBLE``.
    """

    features: frozenset[Feature]

    @property
    def name(self) -> str:
        """The back-end's name (in ``SolveInfo.methods``: ``milp-<name>``)."""
        ...

    @property
    def available(self) -> bool:
        """Whether the back-end can run here."""
        ...

    @property
    def unavailable_reason(self) -> str:
        """Why it cannot run (empty when it can)."""
        ...

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
        """Solve ``lp`` (as a MILP when ``integer``), within ``gap``/``abs_gap`` and ``time_limit`` s.

        ``start`` is a feasible integer plan of the first ``n_x`` columns (MILP only);
        ``tolerance`` tightens primal feasibility; ``keep`` keeps the solved instance in
        ``Solution.state`` for :meth:`resolve`.
        """
        ...

    def resolve(
        self,
        solution: Solution,
        rows: np.ndarray,
        row_upper: np.ndarray,
        *,
        col_upper: np.ndarray | None = None,
    ) -> Solution:
        """Re-solve the LP kept in ``solution`` with new upper bounds on ``rows`` (and every column), warm.

        Only back-ends with :attr:`Feature.WARM_RESOLVE`; others raise SolverError.
        """
        ...


def certified_bound(lp: LinearProgram, row_dual: np.ndarray | None) -> float:
    """An upper bound on ``max c.x`` over the LP (hence over every integer plan), from any row duals.

    By weak duality, for any ``y``: ``c.x = y.Ax + (c - A^T y).x``, so ``max c.x <= sum_r
    max(y_r l_r, y_r u_r) + sum_j max(d_j lo_j, d_j up_j)`` with ``d = c - A^T y``. Each ``y_r``
    is first clipped to the side of its row that is finite. The solver's status and objective
    are not trusted: wrong duals only weaken the bound.

    Parameters
    ----------
    lp : LinearProgram
        The program (:class:`~premium_alloc.solvers.lp.LinearProgram`).
    row_dual : ndarray or None
        Any row duals.

    Returns
    -------
    float
        The bound, ``inf`` when the duals are unusable.
    """
    if row_dual is None or row_dual.shape != lp.row_upper.shape or not np.isfinite(row_dual).all():
        return math.inf
    y = np.asarray(row_dual, dtype=float).copy()
    y[~np.isfinite(lp.row_upper)] = np.minimum(y[~np.isfinite(lp.row_upper)], 0.0)
    y[~np.isfinite(lp.row_lower)] = np.maximum(y[~np.isfinite(lp.row_lower)], 0.0)
    d = lp.cost - lp.matrix.T @ y
    with np.errstate(invalid="ignore", over="ignore"):
        rows = np.where(y > 0, y * lp.row_upper, np.where(y < 0, y * lp.row_lower, 0.0))
        cols = np.where(d > 0, d * lp.upper, np.where(d < 0, d * lp.lower, 0.0))
    total = float(rows.sum() + cols.sum())
    return total if not math.isnan(total) else math.inf
