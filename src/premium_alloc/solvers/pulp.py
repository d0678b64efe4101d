"""PuLP back-end of the solver interface: every PuLP call in one place (PuLP 3.x with its bundled CBC, and 4.x).

PuLP is only a transport here: the model comes prepared as arrays; the bound and the
status are decided by the caller from the LP relaxation, never from PuLP's status string
(PuLP 3.3 says "Optimal" for a MILP stopped by its time limit).
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SolverError
from .lp import LinearProgram
from .protocol import Feature, Solution, Termination

try:
    import pulp
except ImportError:  # pragma: no cover - pulp is a declared dependency
    pulp = None  # type: ignore[assignment]


_MISSING = object()
CBC_NAMES = ("cbc", "pulp", "pulp_cbc_cmd", "coin_cmd")


@dataclass
class PulpOutcome:
    """Values of the part's columns and what PuLP said about them."""

    x: np.ndarray
    status: str
    solution_status: str
    objective: float | None = None  # LP solves only
    row_dual: np.ndarray | None = None  # LP solves only: dual of each row, in row order
    primal: np.ndarray | None = None  # every variable (x, then quota credits or extras)


class PulpSolver:
    """Any PuLP solver (CBC by default) behind the solver interface.

    The program is built as PuLP objects from its arrays, so it is slow on large models; the
    scenario's gap and time limit are passed on every solve (CBC's defaults never apply). PuLP
    proves no bound the package can read (PuLP 3.x says "Optimal" for a MILP stopped by its
    time limit): :attr:`Solution.bound` is always infinite and callers certify their own.

    Parameters
    ----------
    solver : str or PuLP solver
        ``"cbc"`` (PuLP's bundled CBC on 3.x, COIN_CMD on 4.x), any PuLP solver name (matched
        case-insensitively: ``"GLPK_CMD"``, ``"highs"``), or a PuLP solver instance.
    api : module, optional
        The pulp module (or a stand-in, for fault tests); ``None`` means PuLP is missing.
    msg : bool
        Let the solver print its log.
    """

    features = frozenset({Feature.LP, Feature.MILP, Feature.DUALS})

    def __init__(self, solver: str | Any = "cbc", *, api: Any = _MISSING, msg: bool = False) -> None:
        self.solver = solver
        self.api = pulp if api is _MISSING else api
        self.msg = msg

    def __reduce__(self) -> tuple[Any, ...]:
        if self.api is pulp:
            return (_installed, (self.solver, self.msg))
        return (PulpSolver, (self.solver,), {"api": self.api, "msg": self.msg})

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return f"PulpSolver({self.solver!r})"

    @property
    def name(self) -> str:
        """The PuLP solver's own name (``PULP_CBC_CMD``, ``GLPK_CMD``, ...)."""
        if not isinstance(self.solver, str):
            return str(getattr(self.solver, "name", type(self.solver).__name__))
        try:
            return str(getattr(self.make(gap=0.0, time_limit=1), "name", self.solver))
        except SolverError:
            return self.solver

    @property
    def available(self) -> bool:
        """Whether the PuLP solver can run here."""
        return not self.unavailable_reason

    @property
    def unavailable_reason(self) -> str:
        """Why it cannot run (empty when it can)."""
        try:
            self.make(gap=0.0, time_limit=1)
        except SolverError as err:
            return str(err)
        return ""

    def make(self, *, gap: float, time_limit: float | None) -> Any:
        """The PuLP solver object, set to ``gap`` and ``time_limit`` (raises SolverError if unusable)."""
        return make_solver(self.solver, gap=gap, time_limit=3600.0 if time_limit is None else time_limit, msg=self.msg, api=self.api)

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
        """Solve ``lp``; see :meth:`premium_alloc.solvers.protocol.Solver.solve` (``start``, ``tolerance`` and ``keep`` are ignored)."""
        out = solve_with_pulp(lp, self.make(gap=gap, time_limit=time_limit), integer=integer, api=self.api)
        if out.status == "Infeasible":
            term = Termination.INFEASIBLE
        elif out.status == "Unbounded":
            term = Termination.UNBOUNDED
        elif not integer and out.status == "Optimal":
            term = Termination.OPTIMAL
        elif integer and out.solution_status == "Optimal Solution Found":
            term = Termination.OPTIMAL
        else:
            term = Termination.FEASIBLE
        primal = out.primal if out.primal is not None else out.x
        objective = float(np.dot(lp.cost, primal)) if out.objective is None else out.objective
        return Solution(primal=primal, n_x=lp.n_x, objective=objective, termination=term, row_dual=out.row_dual, report=f"{out.status} / {out.solution_status}")

    def resolve(
        self,
        solution: Solution,
        rows: np.ndarray,
        row_upper: np.ndarray,
        *,
        col_upper: np.ndarray | None = None,
    ) -> Solution:
        """Not supported: PuLP keeps no solved instance (use a cold solve)."""
        raise SolverError("PuLP solvers cannot re-solve warm; solve the changed program instead")


def _installed(solver: str | Any, msg: bool) -> PulpSolver:
    return PulpSolver(solver, msg=msg)


def available_solvers(api: Any = _MISSING) -> list[str]:
    """Names of the PuLP solvers that can run here.

    Parameters
    ----------
    api : module, optional
        pulp (or a stand-in).

    Returns
    -------
    list of str
        The names :func:`pulp.listSolvers` calls available.
    """
    api = pulp if api is _MISSING else api
    if api is None:
        return []
    return list(api.listSolvers(onlyAvailable=True))


def make_solver(name: str | Any, *, gap: float, time_limit: float, msg: bool = False, api: Any = _MISSING) -> Any:
    """A PuLP solver object: 'cbc' (bundled CBC on 3.x, COIN_CMD on 4.x), a PuLP solver name, or an instance.

    An instance gets ``gap`` and ``time_limit`` where it has none of its own.

    Parameters
    ----------
    name : str or PuLP solver
        ``cbc``, a PuLP solver name, or an instance.
    gap : float
        Relative MIP gap.
    time_limit : float
        Seconds.
    msg : bool
        Let the solver print its log.
    api : module, optional
        pulp (or a stand-in).

    Returns
    -------
    PuLP solver
        Ready to ``solve``; raises SolverError when unknown or unavailable.
    """
    pulp = globals()["pulp"] if api is _MISSING else api
    if pulp is None:
        raise SolverError("PuLP is not installed; install pulp or use backend='highs'")
    if not isinstance(name, str):
        if getattr(name, "timeLimit", 0) is None:
            name.timeLimit = max(1, int(np.ceil(time_limit)))
        opts = getattr(name, "optionsDict", None)
        if isinstance(opts, dict):
            opts.setdefault("gapRel", gap)
        return name
    key = name.lower()
    opts = {"msg": msg, "timeLimit": max(1, int(np.ceil(time_limit))), "gapRel": gap}
    if key in CBC_NAMES:
        cls = getattr(pulp, "PULP_CBC_CMD", None) or getattr(pulp, "COIN_CMD", None)
        if cls is None:
            raise SolverError("no CBC available through PuLP")
        solver = cls(**opts)
        if not solver.available():
            raise SolverError(f"the PuLP solver {cls.__name__} is not available on this machine")
        return solver
    if key in ("pulp_highs", "highs_pulp", "highs"):
        key = "highs"
    # PuLP's solver names are case sensitive (GLPK_CMD, HiGHS): match them case-insensitively
    known = {s.lower(): s for s in pulp.listSolvers()}
    if key not in known:
        raise SolverError(f"unknown PuLP solver {name!r}; available: {', '.join(available_solvers(pulp)) or 'none'}")
    try:
        try:
            solver = pulp.getSolver(known[key], **opts)
        except TypeError:  # some solvers (GLPK_CMD) take no relative gap
            solver = pulp.getSolver(known[key], msg=msg, timeLimit=opts["timeLimit"])
    except Exception as err:  # PuLP raises PulpSolverError or KeyError depending on version
        raise SolverError(f"the PuLP solver {name!r} cannot be set up ({err.__class__.__name__}); available: {', '.join(available_solvers(pulp)) or 'none'}") from None
    if not solver.available():
        raise SolverError(f"the PuLP solver {name!r} is not available; available: {', '.join(available_solvers(pulp))}")
    return solver


def _new_var(pulp: Any, prob: Any, name: str, lo: float | None, hi: float | None, integer: bool) -> Any:
    cat = pulp.LpInteger if integer else pulp.LpContinuous
    lo = None if lo is None or math.isinf(lo) else lo
    hi = None if hi is None or math.isinf(hi) else hi
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lowBound=lo, upBound=hi, cat=cat)
    return pulp.LpVariable(name, lowBound=lo, upBound=hi, cat=cat)  # pragma: no cover - PuLP < 3.3


def _read_status(pulp: Any, prob: Any, returned: Any) -> tuple[str, str]:
    """(problem status, solution status) as strings, for PuLP 3.x and 4.x."""
    if isinstance(returned, int):  # PuLP 3.x
        st = pulp.LpStatus.get(prob.status, str(prob.status))
        sol = pulp.LpSolution.get(getattr(prob, "sol_status", 0), "")
        return st, sol
    status = getattr(returned, "status", returned)  # PuLP 4.x LpSolveStats
    name = getattr(status, "name", str(status))
    return name, name


def _value(var: Any) -> float:
    v = var.value() if callable(getattr(var, "value", None)) else getattr(var, "varValue", None)
    return 0.0 if v is None else float(v)


def solve_with_pulp(lp: LinearProgram, solver: Any, *, integer: bool = True, api: Any = _MISSING) -> PulpOutcome:
    """Build the program as PuLP objects from the prepared arrays and solve it (rows with both bounds too).

    Parameters
    ----------
    lp : LinearProgram
        The program (:class:`~premium_alloc.solvers.lp.LinearProgram`).
    solver : PuLP solver
        From :func:`make_solver`.
    integer : bool
        Solve as a MILP.
    api : module, optional
        pulp (or a stand-in).

    Returns
    -------
    PulpOutcome
        Values, PuLP's statuses and (LP) row duals.
    """
    pulp = globals()["pulp"] if api is _MISSING else api
    if pulp is None:
        raise SolverError("PuLP is not installed")
    prob = pulp.LpProblem("premium_alloc", pulp.LpMaximize)
    n = lp.cost.size
    xs = [
        _new_var(pulp, prob, f"v{j}", float(lp.lower[j]), float(lp.upper[j]), integer and j < lp.n_x)
        for j in range(n)
    ]
    prob += pulp.LpAffineExpression([(xs[j], float(c)) for j, c in enumerate(lp.cost) if c != 0])
    csr = lp.matrix.tocsr()
    for r in range(csr.shape[0]):
        lo_, hi_ = csr.indptr[r], csr.indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(csr.indices[lo_:hi_], csr.data[lo_:hi_])])
        lo_r, hi_r = float(lp.row_lower[r]), float(lp.row_upper[r])
        if lo_r == hi_r:
            prob += expr == hi_r, f"r{r}"
        elif math.isinf(lo_r):
            prob += expr <= hi_r, f"r{r}"
        elif math.isinf(hi_r):
            prob += expr >= lo_r, f"r{r}"
        else:  # a range: one row for the dual (the side that binds), the other side as its own row
            prob += expr <= hi_r, f"r{r}"
            prob += pulp.LpAffineExpression(list(expr.items())) >= lo_r, f"s{r}"
    with tempfile.TemporaryDirectory(prefix="premium_alloc_") as tmp:
        if hasattr(solver, "tmpDir"):
            solver.tmpDir = tmp  # CBC's MPS and solution files go away with the folder
        try:
            returned = prob.solve(solver)
        except Exception as err:
            raise SolverError(f"the PuLP solver failed: {err.__class__.__name__}: {err}") from None
    status, sol_status = _read_status(pulp, prob, returned)
    primal = np.array([_value(v) for v in xs])
    x = primal[: lp.n_x]
    if status in ("Infeasible", "Unbounded", "Not Solved", "Undefined") and not x.any():
        raise SolverError(f"the PuLP solver returned no plan (status {status})")
    if integer:
        return PulpOutcome(x=x, status=status, solution_status=sol_status, primal=primal)
    by_name = getattr(prob, "get_constraint_by_name", None) or prob.constraints.get  # PuLP 3.3+ / older
    duals = [_dual(by_name, r, float(lp.row_lower[r]), float(lp.row_upper[r])) for r in range(csr.shape[0])]
    row_dual = None if any(d is None for d in duals) else np.array(duals, dtype=float)
    objective = pulp.value(prob.objective) if n else 0.0
    return PulpOutcome(
        x=x,
        status=status,
        solution_status=sol_status,
        objective=None if objective is None else float(objective),
        row_dual=row_dual,
        primal=primal,
    )


def _dual(by_name: Any, r: int, lo: float, hi: float) -> float | None:
    """The dual of row ``r``; a range row is two PuLP rows, whose duals add up."""
    d = getattr(by_name(f"r{r}"), "pi", None)
    if d is None or math.isinf(lo) or math.isinf(hi) or lo == hi:
        return d
    d2 = getattr(by_name(f"s{r}"), "pi", None)
    return None if d2 is None else float(d) + float(d2)
