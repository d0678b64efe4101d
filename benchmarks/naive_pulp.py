"""The naive formulation: one PuLP binary variable per worker, source and phase.

Same meaning as the library's model (budgets, one payer per worker and phase, village floor
credit, caps), but every worker of a group gets its own variables, as a first model written
from the contract would. Solved with PuLP's HiGHS (highspy) or bundled CBC under a time limit.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pulp

from premium_alloc.model import NONE, Model


def solve_naive(model: Model, *, solver: str = "HiGHS", time_limit: float = 60.0, gap: float = 0.005) -> dict[str, Any]:
    """Build and solve the worker-level MILP; what it reached, and how long build and solve took."""
    t0 = time.perf_counter()
    P = len(model.phase_ids)
    n = model.groups["count"].to_numpy(np.int64)
    g_v = model.groups["vidx"].to_numpy(np.int64)
    prob = pulp.LpProblem("worker_level", pulp.LpMaximize)
    cols_of_gp: dict[tuple[int, int], list[int]] = {}
    for j, (g, p) in enumerate(zip(model.col_g.tolist(), model.col_p.tolist())):
        cols_of_gp.setdefault((g, p), []).append(j)
    y: dict[tuple[int, int], pulp.LpVariable] = {}  # (column, worker k of the group)
    for j, g in enumerate(model.col_g.tolist()):
        for k in range(int(n[g])):
            y[j, k] = pulp.LpVariable(f"y_{j}_{k}", cat="Binary")
    n_vars = len(y)
    budget_terms: dict[int, list[tuple[pulp.LpVariable, float]]] = {}
    cover_vp: dict[tuple[int, int], list[pulp.LpVariable]] = {}
    obj: list[tuple[pulp.LpVariable, float]] = []
    for (j, k), var in y.items():
        budget_terms.setdefault(int(model.col_brow[j]), []).append((var, float(model.col_cost[j])))
        cover_vp.setdefault((int(g_v[model.col_g[j]]), int(model.col_p[j])), []).append(var)
        obj.append((var, float(model.col_w[j])))
    # a worker is paid by at most one source per phase
    for (g, p), cols in cols_of_gp.items():
        if len(cols) > 1:
            for k in range(int(n[g])):
                prob += pulp.lpSum(y[j, k] for j in cols) <= 1
    for b, terms in budget_terms.items():
        prob += pulp.LpAffineExpression(terms) <= float(model.budget[b])
    months = model.months
    for (v, p), vars_ in cover_vp.items():
        t = int(model.target[v, p])
        if t > 0 and model.quota_bonus > 0:
            q = pulp.LpVariable(f"q_{v}_{p}", lowBound=0, upBound=t)
            prob += q <= pulp.lpSum(vars_)
            obj.append((q, float(months[p] * model.quota_bonus)))
        if model.vmax[v, p] != NONE:
            prob += pulp.lpSum(vars_) <= int(model.vmax[v, p])
    prob += pulp.LpAffineExpression(obj)
    build_s = time.perf_counter() - t0
    if solver.upper() == "CBC":
        s = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap)
    else:
        s = pulp.HiGHS(msg=False, timeLimit=time_limit, gapRel=gap)
    t1 = time.perf_counter()
    prob.solve(s)
    solve_s = time.perf_counter() - t1
    value = pulp.value(prob.objective)
    return {
        "solver": solver,
        "variables": n_vars,
        "constraints": len(prob.constraints),
        "build_seconds": build_s,
        "solve_seconds": solve_s,
        "seconds": build_s + solve_s,
        "status": pulp.LpStatus[prob.status],
        "sol_status": pulp.LpSolution.get(prob.sol_status, str(prob.sol_status)),
        "objective": float(value) if value is not None else None,
        "time_limit": time_limit,
        "hit_time_limit": solve_s >= 0.95 * time_limit,
    }
