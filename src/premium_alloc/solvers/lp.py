"""The one LP assembler: a model part as arrays ``max c.x, A x <= b, lower <= x <= upper``.

Every LP and MILP of the package (the solve, the budget questions) is a :class:`LinearProgram`
handed to a back-end of :mod:`premium_alloc.solvers`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from ..model import NONE, Model, Part, next_phase

__all__ = ["LinearProgram", "linear_program", "max_spend", "need_program"]


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


def _keyed_rows(col_key: np.ndarray, keys: np.ndarray, size: int, first: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows ``first, first + 1, ...`` for ``keys`` (indices into ``size`` keys, or a mask of them),
    and the columns whose key (``col_key``) has a row. Returns (row of each key or NONE, those columns)."""
    row_of = np.full(size, NONE, dtype=np.int64)
    row_of[keys] = first + np.arange(int(np.count_nonzero(keys)) if keys.dtype == bool else keys.size)
    return row_of, np.flatnonzero(row_of[col_key] != NONE)


def _continuity_rows(
    col_gp: np.ndarray, gp_next: np.ndarray, r: int, rows: list, cols: list, vals: list, lo: list, hi: list
) -> int:
    """Append the rows ``cover(g, p) - cover(g, next p) <= 0`` (columns of (group, phase) ``col_gp``); returns the next row."""
    links = np.flatnonzero(gp_next != NONE)
    if not links.size:
        return r
    link_row, sel = _keyed_rows(col_gp, links, gp_next.size, r)
    prev = np.full(gp_next.size, NONE, dtype=np.int64)
    prev[gp_next[links]] = links
    sel2 = np.flatnonzero(prev[col_gp] != NONE)
    rows += [link_row[col_gp[sel]], link_row[prev[col_gp[sel2]]]]
    cols += [sel, sel2]
    vals += [np.ones(sel.size), -np.ones(sel2.size)]
    lo.append(np.full(links.size, -np.inf))
    hi.append(np.zeros(links.size))
    return r + links.size


def linear_program(part: Part) -> LinearProgram:
    """Build the LP relaxation of a part in bulk. Budget rows are in units of one premium.

    Parameters
    ----------
    part : Part
        One independent part of a model.

    Returns
    -------
    LinearProgram
        Its columns first, then one quota-credit variable per village-phase with a floor.
    """
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
    budget_rows, sel = _keyed_rows(part.brow, binding, part.budget.size, r)
    rows.append(budget_rows[part.brow[sel]])
    cols.append(sel)
    vals.append(part.cost[sel] / scale[part.brow[sel]])
    lo.append(np.full(binding.size, -np.inf))
    hi.append(part.budget[binding] / scale[binding])
    r += binding.size

    # cover rows for (group, phase) with more than one payer
    per_gp = np.bincount(part.gp, minlength=part.cap.size)
    multi = np.flatnonzero(per_gp > 1)
    gp_row, sel = _keyed_rows(part.gp, multi, part.cap.size, r)
    rows.append(gp_row[part.gp[sel]])
    cols.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(np.full(multi.size, -np.inf))
    hi.append(part.cap[multi].astype(float))
    r += multi.size

    # quota credit: q[v,p] - sum of cover in (v,p) <= 0
    vp_row, sel = _keyed_rows(part.vp, has_q, part.target.size, r)
    rows += [vp_row[part.vp[sel]], vp_row[has_q]]
    cols += [sel, nx + np.arange(nq)]
    vals += [-np.ones(sel.size), np.ones(nq)]
    lo.append(np.full(nq, -np.inf))
    hi.append(np.zeros(nq))
    r += nq

    # quota cap rows where the cap can bind
    cover_max = np.bincount(part.vp, weights=ub_x, minlength=part.target.size)
    capv = np.flatnonzero((part.vmax != NONE) & (cover_max > part.vmax))
    cap_row, sel = _keyed_rows(part.vp, capv, part.target.size, r)
    rows.append(cap_row[part.vp[sel]])
    cols.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(np.full(capv.size, -np.inf))
    hi.append(part.vmax[capv].astype(float))
    r += capv.size

    # continuity: cover in (g,p) - cover in (g,next p) <= 0
    r = _continuity_rows(part.gp, part.gp_next, r, rows, cols, vals, lo, hi)

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


def need_program(model: Model, si: int, need_gp: np.ndarray, need_vp: np.ndarray) -> tuple[LinearProgram, np.ndarray, np.ndarray]:
    """The MILP: minimise the extra rupiah of source ``si`` subject to every rule and the target.

    Returns the program, its x columns (model column indices) and its extra-budget rows
    (model budget rows of the source). Budget rows are in units of one premium.

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    si : int
        Index of the source whose budget grows.
    need_gp : ndarray of bool
        (G, P): the (group, phase) pairs to cover fully.
    need_vp : ndarray of bool
        (V, P): the village floors to meet.

    Returns
    -------
    tuple
        ``(lp, cols, extra_rows)``: the program, the model columns of its x, the source's budget rows.
    """
    G, P = need_gp.shape
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    if need_vp.any():
        cols = np.arange(model.n_cols)
    else:  # only the target's groups matter (in every phase, for continuity): others only spend money
        cols = np.flatnonzero(np.asarray(need_gp.any(axis=1))[model.col_g])
    nx = cols.size
    cg, cp, cost, brow = model.col_g[cols], model.col_p[cols], model.col_cost[cols], model.col_brow[cols]
    gp = cg * P + cp
    vp = vidx[cg] * P + cp
    b_u, b_loc = np.unique(brow, return_inverse=True)
    extra_rows = b_u[model.budget_source[b_u] == si]
    ny = extra_rows.size
    scale = np.ones(b_u.size)
    np.maximum.at(scale, b_loc, cost.astype(float))
    rows, cidx, vals, lo, hi = [], [], [], [], []
    r = 0
    # budgets, in units of one premium: spend - extra <= budget
    rows.append(b_loc)
    cidx.append(np.arange(nx))
    vals.append(cost / scale[b_loc])
    ypos = np.searchsorted(b_u, extra_rows)
    rows.append(ypos)
    cidx.append(nx + np.arange(ny))
    vals.append(-np.ones(ny))
    lo.append(np.full(b_u.size, -np.inf))
    cap_spend = max_spend(b_loc, cost, n[cg], model.budget[b_u])
    cap_spend[np.isin(b_u, extra_rows)] = model.budget[b_u][np.isin(b_u, extra_rows)]
    hi.append(cap_spend / scale)
    r += b_u.size
    # cover of each (group, phase): target pairs exactly n, others at most n
    gp_u, gp_loc = np.unique(gp, return_inverse=True)
    rows.append(r + gp_loc)
    cidx.append(np.arange(nx))
    vals.append(np.ones(nx))
    full = need_gp.ravel()[gp_u]
    lo.append(np.where(full, n[gp_u // P], -np.inf).astype(float))
    hi.append(n[gp_u // P].astype(float))
    r += gp_u.size
    # floors and caps of each (village, phase)
    vp_u, vp_loc = np.unique(vp, return_inverse=True)
    floor = np.where(need_vp.ravel()[vp_u], model.target.ravel()[vp_u], -np.inf).astype(float)
    cap = np.where(model.vmax.ravel()[vp_u] != NONE, model.vmax.ravel()[vp_u], np.inf).astype(float)
    keep = np.isfinite(floor) | np.isfinite(cap)
    vrow, sel = _keyed_rows(vp_loc, keep, vp_u.size, r)
    rows.append(vrow[vp_loc[sel]])
    cidx.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(floor[keep])
    hi.append(cap[keep])
    r += int(keep.sum())
    # continuity: cover(g, p) - cover(g, p+1) <= 0
    if model.scenario.objective.continuity and P > 1:
        r = _continuity_rows(gp_loc, next_phase(gp_u, P), r, rows, cidx, vals, lo, hi)
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))), shape=(r, nx + ny))
    # maximise minus the extra rupiah: y is in premium units of its row
    cost_vec = np.concatenate([np.zeros(nx), -scale[ypos]])
    lp = LinearProgram(
        cost=cost_vec,
        lower=np.zeros(nx + ny),
        upper=np.concatenate([n[cg].astype(float), np.full(ny, np.inf)]),
        matrix=matrix,
        row_lower=np.concatenate(lo),
        row_upper=np.concatenate(hi),
        n_x=nx,
        q_vp=np.zeros(0, dtype=np.int64),
        budget_rows=np.zeros(0, dtype=np.int64),
        budget_scale=np.zeros(0),
        col_vp=vp_loc,
        vp_target=np.zeros(0),
    )
    return lp, cols, extra_rows


def max_spend(row: np.ndarray, cost: np.ndarray, count: np.ndarray, budget: np.ndarray, max_states: int = 4_000_000) -> np.ndarray:
    """Per budget row, the most an integer plan can spend: a bounded subset sum <= budget.

    A valid cut for every integer plan (each column at most its group's count); it closes
    most of the gap between the LP and integer plans when small budgets (a village's) leave
    a remainder smaller than one premium. Rows too large for the bitset keep their budget.

    Parameters
    ----------
    row : ndarray
        Budget row of each column.
    cost : ndarray
        Rupiah per worker of each column.
    count : ndarray
        Workers each column can take at most.
    budget : ndarray
        Rupiah of each budget row.
    max_states : int
        Largest bitset (in units of the costs' gcd) worth computing.

    Returns
    -------
    ndarray
        Per budget row, the largest reachable spend (the budget where not computed).
    """
    out = budget.astype(np.int64).copy()
    order = np.argsort(row, kind="stable")
    starts = np.searchsorted(row[order], np.arange(budget.size + 1))
    for b in range(budget.size):
        idx = order[starts[b] : starts[b + 1]]
        c = cost[idx]
        k = count[idx]
        keep = c > 0
        if not keep.any():
            continue
        c, k = c[keep], k[keep]
        if int((c * k).sum()) <= budget[b]:
            out[b] = int((c * k).sum())
            continue
        g = int(np.gcd.reduce(c))
        units = int(budget[b]) // g
        if units > max_states:
            continue
        uc, inv = np.unique(c // g, return_inverse=True)
        uk = np.bincount(inv, weights=k).astype(np.int64)
        reach = np.zeros(units + 1, dtype=bool)
        reach[0] = True
        for w, m in zip(uc.tolist(), uk.tolist()):
            m = min(m, units // w)
            part = 1
            while m > 0:
                take = min(part, m)
                shift = take * w
                if shift <= units:
                    reach[shift:] |= reach[: units + 1 - shift].copy()
                m -= take
                part *= 2
        out[b] = int(np.flatnonzero(reach)[-1]) * g
    return out
