"""The one LP assembler: a model part as arrays ``max c.x, A x <= b, lower <= x <= upper``.

Every LP and MILP of the package (the solve, the budget questions) is a :class:`LinearProgram`
handed to a back-end of :mod:`premium_alloc.solvers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..model import NONE, Part

__all__ = ["LinearProgram", "linear_program"]


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
