"""The spreadsheet baseline: fill by priority, cheapest source first, as planners do by hand.

Groups are taken from the highest priority weight down (villages in file order within a
priority); each group, phase by phase, is paid from its eligible sources cheapest first
(ties: ``source_order``) for as many workers as the remaining budget allows. Budgets, group
sizes, quota caps and continuity are respected; village floors get no special treatment.
The plan is integer and passes the library's own verification.
"""

from __future__ import annotations

import numpy as np

from premium_alloc.model import NONE, Model
from premium_alloc.tally import plan_value
from premium_alloc.verify import violations


def greedy_plan(model: Model) -> np.ndarray:
    """Workers per column of ``model`` under the by-hand rule (see the module docstring)."""
    sc = model.scenario
    rank_of = {s.id: i for i, s in enumerate(sc.ordered_sources)}
    src_rank = np.array([rank_of[s] for s in model.source_ids], dtype=np.int64)
    P = len(model.phase_ids)
    n = model.groups["count"].to_numpy(np.int64)
    g_v = model.groups["vidx"].to_numpy(np.int64)
    x = np.zeros(model.n_cols, dtype=np.int64)
    left = model.budget.astype(np.int64).copy()
    vcover = np.zeros((model.target.shape[0], P), dtype=np.int64)
    cover = np.zeros((len(n), P), dtype=np.int64)
    # columns in the order a planner fills them: priority weight (desc), village, group, phase, cost, source
    order = np.lexsort((src_rank[model.col_s], model.col_cost, model.col_p, model.col_g, g_v[model.col_g], -model.weights[model.col_g]))
    cols_g = model.col_g[order].tolist()
    cols_p = model.col_p[order].tolist()
    cost = model.col_cost[order].tolist()
    brow = model.col_brow[order].tolist()
    vmax = model.vmax
    for j, g, p, c, b in zip(order.tolist(), cols_g, cols_p, cost, brow):
        k = int(n[g] - cover[g, p])
        if k <= 0:
            continue
        if c > 0:
            k = min(k, int(left[b] // c))
        v = g_v[g]
        if vmax[v, p] != NONE:
            k = min(k, int(vmax[v, p] - vcover[v, p]))
        if k <= 0:
            continue
        x[j] += k
        left[b] -= k * c
        cover[g, p] += k
        vcover[v, p] += k
    if sc.objective.continuity and P > 1:  # cover may not fall: cut earlier phases down to later ones
        from premium_alloc.repair import make_feasible

        for part in model.parts:
            x[part.cols] = make_feasible(part, x[part.cols])
    return x


def greedy_summary(model: Model) -> dict[str, float]:
    """Value and coverage of the greedy plan, verified like any plan of the library."""
    x = greedy_plan(model)
    problems = violations(model, x)
    if problems:
        raise AssertionError(f"greedy plan breaks rules: {problems[:3]}")
    return plan_summary(model, x)


def plan_summary(model: Model, x: np.ndarray) -> dict[str, float]:
    """W, weighted worker-months, villages meeting the floor and money left, for any plan."""
    P = len(model.phase_ids)
    V = model.target.shape[0]
    g_v = model.groups["vidx"].to_numpy(np.int64)
    vcover = np.zeros(V * P, dtype=np.int64)
    np.add.at(vcover, g_v[model.col_g] * P + model.col_p, x)
    vcover = vcover.reshape(V, P)
    spent = int(np.dot(x, model.col_cost))
    return {
        "W": plan_value(model, x),
        "weighted_worker_months": float(np.dot(model.col_w, x)),
        "worker_phases_covered": int(x.sum()),
        "village_phases_at_floor": float(np.mean(vcover >= model.target)) if V else 1.0,
        "unspent_share": 1.0 - spent / max(1, int(model.budget.sum())),
    }
