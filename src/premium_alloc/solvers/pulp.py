"""Every PuLP call in one place, so that PuLP 3.x (bundled CBC) and 4.x both work.

PuLP is only a transport here: the model comes prepared as arrays; the bound and the
status are decided by the caller from the LP relaxation, never from PuLP's status string
(PuLP 3.3 says "Optimal" for a MILP stopped by its time limit).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SolverError
from .lp import LinearProgram

try:
    import pulp
except ImportError:  # pragma: no cover - pulp is a declared dependency
    pulp = None  # type: ignore[assignment]


@dataclass
class PulpOutcome:
    """Values of the part's columns and what PuLP said about them."""

    x: np.ndarray
    status: str
    solution_status: str
    objective: float | None = None  # LP solves only
    row_dual: np.ndarray | None = None  # LP solves only: dual of each row, in row order


def available_solvers() -> list[str]:
    """Names of the PuLP solvers that can run here."""
    if pulp is None:
        return []
    return list(pulp.listSolvers(onlyAvailable=True))


def make_solver(name: str | Any, *, gap: float, time_limit: float, msg: bool = False) -> Any:
    """A PuLP solver object: 'cbc' (bundled CBC on 3.x, COIN_CMD on 4.x), a PuLP solver name, or an instance."""
    if pulp is None:
        raise SolverError("PuLP is not installed; install pulp or use backend='highs'")
    if not isinstance(name, str):
        return name
    key = name.lower()
    opts = {"msg": msg, "timeLimit": max(1, int(np.ceil(time_limit))), "gapRel": gap}
    if key in ("cbc", "pulp", "pulp_cbc_cmd", "coin_cmd"):
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
        raise SolverError(f"unknown PuLP solver {name!r}; available: {', '.join(available_solvers()) or 'none'}")
    try:
        try:
            solver = pulp.getSolver(known[key], **opts)
        except TypeError:  # some solvers (GLPK_CMD) take no relative gap
            solver = pulp.getSolver(known[key], msg=msg, timeLimit=opts["timeLimit"])
    except Exception as err:  # PuLP raises PulpSolverError or KeyError depending on version
        raise SolverError(f"the PuLP solver {name!r} cannot be set up ({err.__class__.__name__}); available: {', '.join(available_solvers()) or 'none'}") from None
    if not solver.available():
        raise SolverError(f"the PuLP solver {name!r} is not available; available: {', '.join(available_solvers())}")
    return solver


def _new_var(prob: Any, name: str, lo: float, hi: float, integer: bool) -> Any:
    cat = pulp.LpInteger if integer else pulp.LpContinuous
    if hasattr(prob, "add_variable"):
        return prob.add_variable(name, lowBound=lo, upBound=hi, cat=cat)
    return pulp.LpVariable(name, lowBound=lo, upBound=hi, cat=cat)  # pragma: no cover - PuLP < 3.3


def _read_status(prob: Any, returned: Any) -> tuple[str, str]:
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


def solve_with_pulp(lp: LinearProgram, solver: Any, *, integer: bool = True) -> PulpOutcome:
    """Build the part's program as PuLP objects from the prepared arrays and solve it."""
    if pulp is None:
        raise SolverError("PuLP is not installed")
    prob = pulp.LpProblem("premium_alloc", pulp.LpMaximize)
    n = lp.cost.size
    xs = [
        _new_var(prob, f"v{j}", float(lp.lower[j]), float(lp.upper[j]), integer and j < lp.n_x)
        for j in range(n)
    ]
    prob += pulp.LpAffineExpression([(xs[j], float(c)) for j, c in enumerate(lp.cost) if c != 0])
    csr = lp.matrix.tocsr()
    for r in range(csr.shape[0]):
        lo_, hi_ = csr.indptr[r], csr.indptr[r + 1]
        expr = pulp.LpAffineExpression([(xs[j], float(v)) for j, v in zip(csr.indices[lo_:hi_], csr.data[lo_:hi_])])
        prob += expr <= float(lp.row_upper[r]), f"r{r}"
    with tempfile.TemporaryDirectory(prefix="premium_alloc_") as tmp:
        if hasattr(solver, "tmpDir"):
            solver.tmpDir = tmp  # CBC's MPS and solution files go away with the folder
        try:
            returned = prob.solve(solver)
        except Exception as err:
            raise SolverError(f"the PuLP solver failed: {err.__class__.__name__}: {err}") from None
    status, sol_status = _read_status(prob, returned)
    x = np.array([_value(v) for v in xs[: lp.n_x]])
    if status in ("Infeasible", "Unbounded", "Not Solved", "Undefined") and not x.any():
        raise SolverError(f"the PuLP solver returned no plan (status {status})")
    if integer:
        return PulpOutcome(x=x, status=status, solution_status=sol_status)
    by_name = getattr(prob, "get_constraint_by_name", None) or prob.constraints.get  # PuLP 3.3+ / older
    duals = [getattr(by_name(f"r{r}"), "pi", None) for r in range(csr.shape[0])]
    row_dual = None if any(d is None for d in duals) else np.array(duals, dtype=float)
    objective = pulp.value(prob.objective) if n else 0.0
    return PulpOutcome(
        x=x,
        status=status,
        solution_status=sol_status,
        objective=None if objective is None else float(objective),
        row_dual=row_dual,
    )
