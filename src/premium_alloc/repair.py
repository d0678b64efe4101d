"""From a fractional (or slightly infeasible) plan to a feasible integer plan of high value.

Rounding an LP down breaks village floors (villages sit at their floor with a fractional
split), so after flooring the plan is repaired: first made feasible in integers, then
filled greedily by value per rupiah (quota credit counted while a village is below its
floor), then workers are moved to earlier sources in ``source_order`` where those can pay,
and the freed money is filled again.

A second rounding starts from the LP solved with a little of each shared budget held back
(:func:`reserved_budgets`): the held-back money then tops up the villages that flooring left
one or two workers below their floor, which village budgets alone cannot do.
"""

from __future__ import annotations

import heapq

import numpy as np

from .model import NONE, Part


def _groups_of(index: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(index, kind="stable")
    starts = np.searchsorted(index[order], np.arange(size + 1))
    return order, starts


def make_feasible(part: Part, x: np.ndarray) -> np.ndarray:
    """Lower ``x`` (integers) until every cover, cap, budget and continuity row holds.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x : ndarray of int
        Workers per column of the part.

    Returns
    -------
    ndarray
        A plan that keeps every row.
    """
    x = np.maximum(np.asarray(x, dtype=np.int64), 0)
    density = part.w / np.maximum(part.cost, 1)

    def shrink(index: np.ndarray, weight: np.ndarray, limit: np.ndarray) -> None:
        load = np.zeros(limit.size, dtype=np.int64)
        np.add.at(load, index, x * weight)
        bad = np.flatnonzero(load > limit)
        if bad.size == 0:
            return
        order, starts = _groups_of(index, limit.size)
        for row in bad.tolist():
            members = order[starts[row] : starts[row + 1]]
            members = members[np.lexsort((-part.rank[members], density[members]))]  # worst first
            over = int(load[row] - limit[row])
            for j in members.tolist():
                if over <= 0:
                    break
                if x[j] == 0:
                    continue
                per = int(weight[j])
                k = min(int(x[j]), -(-over // per) if per > 0 else int(x[j]))
                x[j] -= k
                over -= k * per

    ones = np.ones(x.size, dtype=np.int64)
    shrink(part.gp, ones, part.cap)
    capped = part.vmax != NONE
    if capped.any():
        shrink(part.vp, ones, np.where(capped, part.vmax, np.iinfo(np.int64).max))
    shrink(part.brow, part.cost, part.budget)
    if (part.gp_next != NONE).any():
        order, starts = _groups_of(part.gp, part.cap.size)
        cover = np.zeros(part.cap.size, dtype=np.int64)
        np.add.at(cover, part.gp, x)
        for gp in np.argsort(-part.gp_phase, kind="stable").tolist():
            nxt = int(part.gp_next[gp])
            if nxt == NONE or cover[gp] <= cover[nxt]:
                continue
            over = int(cover[gp] - cover[nxt])
            members = order[starts[gp] : starts[gp + 1]]
            for j in members[np.argsort(density[members], kind="stable")].tolist():
                k = min(int(x[j]), over)
                x[j] -= k
                over -= k
                if over == 0:
                    break
            cover[gp] = cover[nxt]
    return x


class _State:
    """Residual capacities of an integer plan, kept as Python lists for fast scalar updates."""

    def __init__(self, part: Part, x: np.ndarray) -> None:
        self.x = x.astype(np.int64).tolist()
        spent = np.zeros(part.budget.size, dtype=np.int64)
        np.add.at(spent, part.brow, x * part.cost)
        cover = np.zeros(part.cap.size, dtype=np.int64)
        np.add.at(cover, part.gp, x)
        vcover = np.zeros(part.target.size, dtype=np.int64)
        np.add.at(vcover, part.vp, x)
        self.budget_left = (part.budget - spent).tolist()
        self.cover = cover.tolist()
        self.cap = part.cap.tolist()
        self.vcover = vcover.tolist()
        self.vmax = part.vmax.tolist()
        self.target = part.target.tolist()
        self.qcoef = part.qcoef.tolist()
        self.gp_next = part.gp_next.tolist()
        self.cost = part.cost.tolist()
        self.w = part.w.tolist()
        self.brow = part.brow.tolist()
        self.gp = part.gp.tolist()
        self.vp = part.vp.tolist()
        self.rank = part.rank.tolist()

    def room(self, j: int) -> int:
        """Workers that column ``j`` can still take without breaking any row."""
        g = self.gp[j]
        k = self.cap[g] - self.cover[g]
        c = self.cost[j]
        if c > 0:
            k = min(k, self.budget_left[self.brow[j]] // c)
        v = self.vp[j]
        if self.vmax[v] != NONE:
            k = min(k, self.vmax[v] - self.vcover[v])
        nxt = self.gp_next[g]
        if nxt != NONE:
            k = min(k, self.cover[nxt] - self.cover[g])
        return max(k, 0)

    def add(self, j: int, k: int) -> None:
        self.x[j] += k
        self.budget_left[self.brow[j]] -= k * self.cost[j]
        self.cover[self.gp[j]] += k
        self.vcover[self.vp[j]] += k

    def gain(self, j: int) -> tuple[float, int]:
        """Value of one more worker in column ``j`` and how many get that value."""
        v = self.vp[j]
        below = self.target[v] - self.vcover[v]
        if below > 0 and self.qcoef[v] > 0:
            return self.w[j] + self.qcoef[v], below
        return self.w[j], 1 << 62


def _rooms(part: Part, st: _State) -> np.ndarray:
    """:meth:`_State.room` of every column at once (the same integers, in bulk)."""
    cover = np.asarray(st.cover, dtype=np.int64)
    k = part.cap[part.gp] - cover[part.gp]
    paid = part.cost > 0
    left = np.asarray(st.budget_left, dtype=np.int64)[part.brow[paid]]
    k[paid] = np.minimum(k[paid], left // part.cost[paid])
    vmax = part.vmax[part.vp]
    capped = vmax != NONE
    if capped.any():
        vcover = np.asarray(st.vcover, dtype=np.int64)[part.vp[capped]]
        k[capped] = np.minimum(k[capped], vmax[capped] - vcover)
    nxt = part.gp_next[part.gp]
    linked = nxt != NONE
    if linked.any():
        k[linked] = np.minimum(k[linked], cover[nxt[linked]] - cover[part.gp[linked]])
    return np.maximum(k, 0)


def fill(part: Part, x: np.ndarray, passes: int = 3) -> np.ndarray:
    """Add workers greedily by value per rupiah (ties: earlier source, later phase first).

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x : ndarray of int
        A feasible plan.
    passes : int
        Greedy passes at most.

    Returns
    -------
    ndarray
        A feasible plan with at least the value of ``x``.
    """
    st = _State(part, x)
    phase = part.gp_phase[part.gp].tolist()
    for _ in range(passes):
        cand = np.flatnonzero(_rooms(part, st) > 0).tolist()
        if not cand:
            break
        heap = []
        for j in cand:
            val, _n = st.gain(j)
            heap.append((-val / max(st.cost[j], 1), st.rank[j], -phase[j], j))
        heapq.heapify(heap)
        added = False
        while heap:
            key, rank, ph, j = heapq.heappop(heap)
            k = st.room(j)
            if k <= 0:
                continue
            val, upto = st.gain(j)
            dens = -val / max(st.cost[j], 1)
            if dens > key + 1e-15:  # value dropped since queued (village reached its floor)
                heapq.heappush(heap, (dens, rank, ph, j))
                continue
            if val <= 0:
                continue
            k = min(k, upto)
            st.add(j, k)
            added = True
            if st.room(j) > 0:
                val2, _ = st.gain(j)
                heapq.heappush(heap, (-val2 / max(st.cost[j], 1), rank, ph, j))
        if not added or (part.gp_next == NONE).all():
            break
    return np.array(st.x, dtype=np.int64)


def shift_to_earlier_sources(part: Part, x: np.ndarray) -> np.ndarray:
    """Move workers to a source earlier in ``source_order`` that can still pay for them.

    Cover does not change, so neither does W; later budgets are freed for :func:`fill`.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x : ndarray of int
        A feasible plan.

    Returns
    -------
    ndarray
        The same cover, paid earlier in ``source_order`` where money allows.
    """
    if np.unique(part.rank).size < 2:
        return x
    st = _State(part, x)
    order = np.lexsort((part.rank, part.gp))  # by (group, phase), then rank, then column (stable)
    starts = np.searchsorted(part.gp[order], np.arange(part.cap.size + 1))
    # Only (group, phase)s with workers at a source later than their earliest one can move, and
    # only to a column that can pay for one more worker. A budget row gains money only when
    # workers leave it for an earlier source; a column whose row cannot, and that cannot pay
    # for a worker now, never will. (group, phase)s with no other possible receiver are skipped.
    xs = np.asarray(x)
    first = np.full(part.cap.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, part.gp, part.rank)
    leaves = (xs > 0) & (part.rank > first[part.gp])
    last = np.full(part.cap.size, -1, dtype=np.int64)
    np.maximum.at(last, part.gp[xs > 0], part.rank[xs > 0])
    gains = np.zeros(part.budget.size, dtype=bool)
    gains[part.brow[leaves]] = True
    left = np.asarray(st.budget_left, dtype=np.int64)[part.brow]
    takes = (part.cost == 0) | gains[part.brow] | (left >= part.cost)
    movable = np.unique(part.gp[takes & (part.rank < last[part.gp])])
    for g in movable.tolist():
        members = order[starts[g] : starts[g + 1]].tolist()
        for i, early in enumerate(members):
            for late in members[i + 1 :]:
                if st.x[late] == 0 or st.rank[late] <= st.rank[early]:
                    continue
                c = st.cost[early]
                k = st.x[late] if c == 0 else min(st.x[late], st.budget_left[st.brow[early]] // c)
                if k <= 0:
                    break
                st.x[late] -= k
                st.budget_left[st.brow[late]] += k * st.cost[late]
                st.x[early] += k
                st.budget_left[st.brow[early]] -= k * c
    return np.array(st.x, dtype=np.int64)


def swap_into_floors(part: Part, x: np.ndarray, scan: int = 256) -> np.ndarray:
    """Lift villages just below their floor by moving money from workers worth less.

    After rounding, many villages miss their floor by one or two workers while a shared budget
    has no rupiah left. One worker of lower value (weight, plus quota credit it would lose) paid
    from the same budget is dropped so that the village reaches its floor; only strict gains.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x : ndarray of int
        A feasible plan.
    scan : int
        Candidates looked at per village-phase.

    Returns
    -------
    ndarray
        A feasible plan, kept only where it is worth more.
    """
    has_q = (part.qcoef > 0) & (part.target > 0)
    if not has_q.any():
        return x
    st = _State(part, x)
    prev = np.full(part.cap.size, NONE, dtype=np.int64)
    links = np.flatnonzero(part.gp_next != NONE)
    prev[part.gp_next[links]] = links
    prev_l = prev.tolist()
    v_order, v_starts = _groups_of(part.vp, part.target.size)
    b_order = np.lexsort((part.cost, part.w))  # donors: least weight first, then cheapest
    donors: dict[int, list[int]] = {}
    for j in b_order.tolist():
        donors.setdefault(st.brow[j], []).append(j)
    below = [v for v in np.flatnonzero(has_q).tolist() if st.vcover[v] < st.target[v]]
    below.sort(key=lambda v: (st.target[v] - st.vcover[v], v))
    for v in below:
        members = sorted(v_order[v_starts[v] : v_starts[v + 1]].tolist(), key=lambda j: (st.cost[j], st.rank[j], j))
        while st.vcover[v] < st.target[v] and (st.vmax[v] == NONE or st.vcover[v] < st.vmax[v]):  # never above quota.max
            moved = False
            for j in members:
                g = st.gp[j]
                if st.cap[g] - st.cover[g] <= 0:
                    continue
                nxt = st.gp_next[g]
                if nxt != NONE and st.cover[nxt] - st.cover[g] <= 0:
                    continue
                deficit = st.cost[j] - st.budget_left[st.brow[j]]
                if deficit <= 0:
                    st.add(j, 1)
                    moved = True
                    break
                gain = st.w[j] + st.qcoef[v]
                for d in donors.get(st.brow[j], [])[:scan]:
                    if st.x[d] == 0 or st.vp[d] == v or st.cost[d] < deficit:
                        continue
                    vd = st.vp[d]
                    loss = st.w[d] + (st.qcoef[vd] if st.vcover[vd] <= st.target[vd] else 0.0)
                    if loss >= gain:
                        continue
                    pd_ = prev_l[st.gp[d]]
                    # after the swap the donor's previous phase may be j's group-phase, one worker up
                    if pd_ != NONE and st.cover[pd_] + (1 if pd_ == g else 0) > st.cover[st.gp[d]] - 1:
                        continue
                    st.add(d, -1)
                    st.add(j, 1)
                    moved = True
                    break
                if moved:
                    break
            if not moved:
                break
    return np.array(st.x, dtype=np.int64)


def reserved_budgets(part: Part, share: float = 0.25, cap: float = 0.05) -> np.ndarray:
    """Budgets with a reserve held back on each shared row, for the LP behind a second rounding.

    A row is shared when it pays more village-phases than the part has phases (a pooled
    regency budget, not one village's). Its reserve is ``share`` of one average premium per
    village-phase it pays, at most ``cap`` of the budget; other rows keep their budget.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    share : float
        Reserve per village-phase paid, in average premiums.
    cap : float
        Largest share of a budget held back.

    Returns
    -------
    ndarray
        Budget per row of the part, with the reserve held back.
    """
    rows = part.budget.size
    pairs = np.unique(part.brow * np.int64(part.target.size) + part.vp)
    vps_per_row = np.bincount(pairs // part.target.size, minlength=rows)
    phases = int(part.gp_phase.max()) + 1 if part.gp_phase.size else 1
    n_cols = np.bincount(part.brow, minlength=rows)
    mean_cost = np.bincount(part.brow, weights=part.cost, minlength=rows) / np.maximum(n_cols, 1)
    reserve = np.minimum(cap * part.budget, share * vps_per_row * mean_cost)
    reserve = np.where(vps_per_row > phases, np.floor(reserve), 0).astype(np.int64)
    return part.budget - reserve


def round_plan(part: Part, x_frac: np.ndarray) -> np.ndarray:
    """A feasible, high-value integer plan from a fractional one.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x_frac : ndarray
        The LP's values of the part's columns.

    Returns
    -------
    ndarray of int
        A feasible integer plan.
    """
    x = np.floor(np.asarray(x_frac) + 1e-6).astype(np.int64)
    x = make_feasible(part, x)
    x = fill(part, x)
    x = shift_to_earlier_sources(part, x)
    x = fill(part, x)
    x = swap_into_floors(part, x)
    return fill(part, x)
