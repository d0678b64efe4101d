"""How much money a target needs: the frontier of one source, and the least extra budget."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .. import tally
from ..engine import build_model, solve
from ..errors import SolverError
from ..formats import rupiah
from ..io.load import ScenarioLike, as_scenario
from ..labels import relabel
from ..model import NONE, Model
from ..solvers import highs
from ..variants import Variant, budget, summarize

__all__ = ["BudgetNeed", "Target", "frontier", "min_budget", "need_table"]

BILLION = 1_000_000_000


# --------------------------------------------------------------------------- frontier


def frontier(
    scenario: ScenarioLike,
    source: str,
    amounts: Sequence[int] | None = None,
    *,
    factors: Sequence[float] | None = None,
    priority: str = "extreme",
    **solve_kwargs: Any,
) -> pd.DataFrame:
    """Coverage against the budget of ``source``: one full solve per point.

    Give ``amounts`` (the source's total budget in rupiah, for a pooled source) or
    ``factors`` (multiples of its current budget; for a village source every village's
    budget is scaled). By default factors 0, 0.25, ..., 2. Each row holds the source's
    budget (``source_budget_idr``) and the figures of :func:`premium_alloc.variants.summarize`.
    """
    sc = as_scenario(scenario)
    si = sc.source_index(source)
    if amounts is not None and factors is not None:
        raise ValueError("give amounts or factors, not both")
    if amounts is not None and sc.sources[si].scope == "village":
        raise ValueError(f"{source} has one budget per village: give factors")
    if amounts is None and factors is None:
        factors = [i / 4 for i in range(9)]
    changes = (
        [budget(source, to=int(a)) for a in amounts] if amounts is not None else [budget(source, factor=float(f)) for f in factors or ()]
    )
    rows = []
    for ch in changes:
        v = Variant(ch.text, (ch,)).apply(sc)
        r = solve(v, **solve_kwargs)
        rows.append({"source": source, "change": ch.text, "source_budget_idr": v.source_total(source), **summarize(r, priority)})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """What a plan must achieve: cover every worker of some priorities (or everyone) and/or every floor.

    ``priorities=None`` with ``everyone=False`` asks nothing of the groups; ``phases=None``
    means every phase.
    """

    priorities: tuple[str, ...] | None = ("extreme",)
    everyone: bool = False
    floors: bool = False
    phases: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, text: str | Target) -> Target:
        """``all`` (zero shortfall), ``extreme``, ``floors``, ``extreme+floors``, ``poor,extreme``..."""
        if isinstance(text, Target):
            return text
        parts = [p.strip().lower() for p in str(text).split("+") if p.strip()]
        everyone = any(p in ("all", "everyone", "zero_shortfall", "shortfall") for p in parts)
        floors = "floors" in parts or "floor" in parts
        pri = [q.strip() for p in parts if p not in ("all", "everyone", "zero_shortfall", "shortfall", "floors", "floor") for q in p.split(",")]
        if not (everyone or floors or pri):
            raise ValueError(f"target {text!r} asks for nothing")
        return cls(priorities=tuple(pri) or None, everyone=everyone, floors=floors)

    def __str__(self) -> str:
        bits = ["every worker"] if self.everyone else ([f"every {'/'.join(self.priorities)} worker"] if self.priorities else [])
        if self.floors:
            bits.append("every village at its floor")
        where = f" in phase(s) {', '.join(self.phases)}" if self.phases else " in every phase"
        return " and ".join(bits) + where


@dataclass
class BudgetNeed:
    """The least extra money of one source for which some plan meets the target."""

    source: str
    target: str
    status: str  # "exact" (proven), "bounded" (time limit: need is between lower and need), "unreachable"
    budget_idr: int  # the source's current total budget
    need_idr: int | None  # extra rupiah (0 when the target is already reachable)
    lower_idr: int | None  # proven lower bound on the extra
    resolution_idr: int  # one worker's premium (or 1): need - resolution does not reach the target
    reasons: list[str] = field(default_factory=list)
    by_village: pd.DataFrame | None = None  # village sources: extra per village
    x: np.ndarray | None = field(default=None, repr=False)  # a plan that meets the target

    @property
    def total_idr(self) -> int | None:
        """The source's budget plus the extra."""
        return None if self.need_idr is None else self.budget_idr + self.need_idr

    @property
    def text(self) -> str:
        """The answer in one sentence."""
        if self.status == "unreachable":
            return f"No amount of {self.source} reaches {self.target}: " + "; ".join(self.reasons)
        assert self.need_idr is not None
        if self.need_idr == 0:
            return f"{self.source} already suffices: a plan within today's budgets reaches {self.target}."
        exact = (
            f"exact to {rupiah(self.resolution_idr)}" if self.status == "exact" else f"at least {rupiah(self.lower_idr or 0)} (time limit)"
        )
        return f"{self.source} needs {rupiah(self.need_idr)} more (total {rupiah(self.total_idr or 0)}) for {self.target}; {exact}."

    def to_row(self) -> dict[str, Any]:
        """A flat record for tables."""
        return {
            "source": self.source,
            "status": self.status,
            "budget_idr": self.budget_idr,
            "need_idr": self.need_idr,
            "total_idr": self.total_idr,
            "resolution_idr": self.resolution_idr,
            "text": self.text,
        }


def _target_gp(model: Model, target: Target) -> np.ndarray:
    """Boolean (G, P): the (group, phase) pairs that must be fully covered."""
    G = len(model.groups)
    in_phase = np.array([target.phases is None or p in target.phases for p in model.phase_ids], dtype=bool)
    if target.everyone:
        rows = np.ones(G, dtype=bool)
    elif target.priorities:
        rows = model.groups["priority"].isin(list(target.priorities)).to_numpy()
    else:
        rows = np.zeros(G, dtype=bool)
    return rows[:, None] & in_phase[None, :]


def _target_vp(model: Model, target: Target) -> np.ndarray:
    """Boolean (V, P): the (village, phase) floors that must be met."""
    in_phase = np.array([target.phases is None or p in target.phases for p in model.phase_ids], dtype=bool)
    return (model.target > 0) & in_phase[None, :] & target.floors


def _static_unreachable(model: Model, need_gp: np.ndarray, need_vp: np.ndarray) -> list[str]:
    """Reasons no budget can reach the target: workers no source may pay for, caps below floors."""
    G, P = need_gp.shape
    n = model.groups["count"].to_numpy(np.int64)
    has = np.zeros((G, P), dtype=bool)
    has[model.col_g, model.col_p] = True
    out = []
    lost = need_gp & ~has & (n[:, None] > 0)
    if lost.any():
        gi, pi = np.nonzero(lost)
        villages = sorted({str(v) for v in model.groups["village"].to_numpy(object)[gi]})
        out.append(
            f"{int(n[gi].sum()):,} worker-phase(s) of {np.unique(gi).size} group(s) in {len(villages)} village(s) "
            f"({', '.join(villages[:5])}{' ...' if len(villages) > 5 else ''}) have no eligible source"
        )
    if need_vp.any():
        vids = [v.id for v in model.scenario.villages]
        capped = need_vp & (model.vmax != NONE) & (model.vmax < model.target)
        for v, p in np.argwhere(capped)[:10]:
            out.append(f"village {vids[v]} phase {model.phase_ids[p]}: quota.max {model.vmax[v, p]} is below the floor {model.target[v, p]}")
        vidx = model.groups["vidx"].to_numpy(np.int64)
        payable = np.zeros(model.target.shape, dtype=np.int64)
        hg, hp = np.nonzero(has)
        np.add.at(payable, (vidx[hg], hp), n[hg])
        short = need_vp & ~capped & (payable < model.target)
        for v, p in np.argwhere(short)[:10]:
            out.append(
                f"village {vids[v]} phase {model.phase_ids[p]}: only {payable[v, p]} of its workers may be paid by some source, "
                f"below the floor {model.target[v, p]}"
            )
    return out


def _need_program(model: Model, si: int, need_gp: np.ndarray, need_vp: np.ndarray) -> tuple[highs.LinearProgram, np.ndarray, np.ndarray]:
    """The MILP: minimise the extra rupiah of source ``si`` subject to every rule and the target.

    Returns the program, its x columns (model column indices) and its extra-budget rows
    (model budget rows of the source). Budget rows are in units of one premium.
    """
    G, P = need_gp.shape
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    if need_vp.any():
        cols = np.arange(model.n_cols)
    else:  # only the target's groups matter (in every phase, for continuity): others only spend money
        cols = np.flatnonzero(need_gp.any(axis=1)[model.col_g])
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
    cap_spend = _max_spend(b_loc, cost, n[cg], model.budget[b_u])
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
    vrow = np.full(vp_u.size, NONE, dtype=np.int64)
    vrow[keep] = r + np.arange(int(keep.sum()))
    sel = np.flatnonzero(vrow[vp_loc] != NONE)
    rows.append(vrow[vp_loc[sel]])
    cidx.append(sel)
    vals.append(np.ones(sel.size))
    lo.append(floor[keep])
    hi.append(cap[keep])
    r += int(keep.sum())
    # continuity: cover(g, p) - cover(g, p+1) <= 0
    if model.scenario.objective.continuity and P > 1:
        pos = np.searchsorted(gp_u, gp_u + 1)
        ok = (pos < gp_u.size) & ((gp_u % P) < P - 1)
        ok[ok] &= gp_u[pos[ok]] == gp_u[ok] + 1
        link = np.flatnonzero(ok)
        lrow_of = np.full(gp_u.size, NONE, dtype=np.int64)
        lrow_of[link] = r + np.arange(link.size)
        nxt_of = np.full(gp_u.size, NONE, dtype=np.int64)
        nxt_of[link] = pos[link]
        prev_row = np.full(gp_u.size, NONE, dtype=np.int64)
        prev_row[pos[link]] = lrow_of[link]
        a = np.flatnonzero(lrow_of[gp_loc] != NONE)
        b = np.flatnonzero(prev_row[gp_loc] != NONE)
        rows += [lrow_of[gp_loc[a]], prev_row[gp_loc[b]]]
        cidx += [a, b]
        vals += [np.ones(a.size), -np.ones(b.size)]
        lo.append(np.full(link.size, -np.inf))
        hi.append(np.zeros(link.size))
        r += link.size
    matrix = sparse.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cidx))), shape=(r, nx + ny))
    # maximise minus the extra rupiah: y is in premium units of its row
    cost_vec = np.concatenate([np.zeros(nx), -scale[ypos]])
    lp = highs.LinearProgram(
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


def _max_spend(row: np.ndarray, cost: np.ndarray, count: np.ndarray, budget: np.ndarray, max_states: int = 4_000_000) -> np.ndarray:
    """Per budget row, the most an integer plan can spend: a bounded subset sum <= budget.

    A valid cut for every integer plan (each column at most its group's count); it closes
    most of the gap between the LP and integer plans when small budgets (a village's) leave
    a remainder smaller than one premium. Rows too large for the bitset keep their budget.
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


def _run_need_milp(lp: highs.LinearProgram, abs_gap: float, time_limit: float) -> tuple[str, np.ndarray | None, float]:
    """Solve the need MILP; returns (status, x or None, proven lower bound on the extra rupiah)."""
    import highspy

    h = highs.new_highs()
    highs.pass_model(h, lp, integer=True)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", max(abs_gap, 1e-6))
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("mip_feasibility_tolerance", 1e-9)
    h.setOptionValue("primal_feasibility_tolerance", 1e-9)
    h.run()
    st = h.getModelStatus()
    if st in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return "infeasible", None, math.inf
    sol = h.getSolution()
    if not sol.value_valid:
        if st == highspy.HighsModelStatus.kTimeLimit:
            return "time_limit", None, -float(h.getInfo().mip_dual_bound)
        raise SolverError(f"HiGHS found no plan for the budget question: {h.modelStatusToString(st)}")
    bound = -float(h.getInfo().mip_dual_bound)  # objective is minus the extra
    return ("optimal" if st == highspy.HighsModelStatus.kOptimal else "time_limit"), np.asarray(sol.col_value)[: lp.n_x], bound


def _meets(model: Model, x: np.ndarray, need_gp: np.ndarray, need_vp: np.ndarray, si: int) -> np.ndarray:
    """Extra rupiah per budget row of source ``si`` that plan ``x`` needs; raises if x misses the target."""
    n = model.groups["count"].to_numpy(np.int64)
    cover, vcover, spent = tally.cover(model, x), tally.village_cover(model, x), tally.spend(model, x)
    if (cover[need_gp] < np.broadcast_to(n[:, None], need_gp.shape)[need_gp]).any() or (vcover[need_vp] < model.target[need_vp]).any():
        raise SolverError("the budget question's plan misses its target (numerical trouble)")
    over = np.maximum(spent - model.budget, 0)
    others = model.budget_source != si
    if over[others].any():
        raise SolverError("the budget question's plan overspends another source (numerical trouble)")
    return over


def min_budget(
    scenario: ScenarioLike,
    source: str,
    target: str | Target = "extreme",
    *,
    exact: str = "premium",
    time_limit: float = 60.0,
) -> BudgetNeed:
    """The least extra money of ``source`` (other budgets as they are) for which a plan meets ``target``.

    ``target`` is a :class:`Target` or text: ``"all"`` (zero shortfall: every worker in
    every phase), ``"extreme"`` (every extreme-poor worker in every phase), ``"floors"``
    (every village at its floor), or a combination such as ``"extreme+floors"``.
    The answer is proven by a MILP bound: with ``exact="premium"`` the extra minus one
    worker's premium (the smallest phase premium the source pays) reaches no plan that meets
    the target; with ``exact="rupiah"`` it is the least whole rupiah. For a village source
    the extra is per village (``by_village``) and ``need_idr`` is their sum. ``status`` is
    ``"bounded"`` when the time limit stops the proof first.

    The question asks whether *some* plan reaches the target; solving the scenario with the
    extra money then maximises W, which may trade a target worker for a village floor.
    """
    sc = as_scenario(scenario)
    si = sc.source_index(source)
    tgt = Target.parse(target)
    model = build_model(sc)
    need_gp, need_vp = _target_gp(model, tgt), _target_vp(model, tgt)
    current = sc.source_total(source)
    reasons = _static_unreachable(model, need_gp, need_vp)
    if reasons:
        return BudgetNeed(source, str(tgt), "unreachable", current, None, None, 1, reasons)
    lp, cols, extra_rows = _need_program(model, si, need_gp, need_vp)
    src_cost = model.col_cost[cols][model.col_s[cols] == si]
    resolution = int(src_cost[src_cost > 0].min()) if exact == "premium" and (src_cost > 0).any() else 1
    if exact not in ("premium", "rupiah"):
        raise ValueError(f"exact: {exact!r} is not 'premium' or 'rupiah'")
    status, xs, lower = _run_need_milp(lp, abs_gap=resolution - 0.5, time_limit=time_limit)
    if status == "infeasible":
        why = (
            f"{source} may pay for none of the workers the target needs beyond today's other budgets"
            if not (model.col_s[cols] == si).any()
            else f"the workers {source} may not pay for need more than the other sources' budgets"
        )
        return BudgetNeed(source, str(tgt), "unreachable", current, None, None, resolution, [why])
    if xs is None:
        return BudgetNeed(source, str(tgt), "bounded", current, None, int(math.ceil(lower - 1e-6)), resolution, ["time limit reached before any plan"])
    x = np.zeros(model.n_cols, dtype=np.int64)
    x[cols] = np.rint(xs).astype(np.int64)
    over = _meets(model, x, need_gp, need_vp, si)
    need = int(over[extra_rows].sum())
    lower_i = max(0, int(math.ceil(lower - max(1e-3, 1e-9 * abs(lower)))))
    lower_i = min(lower_i, need)
    proven = need - lower_i < resolution
    by_village = None
    if sc.sources[si].scope == "village":
        vids = [v.id for v in sc.villages]
        by_village = pd.DataFrame(
            {
                "village": [vids[model.budget_village[b]] for b in extra_rows],
                "budget_idr": model.budget[extra_rows],
                "need_idr": over[extra_rows],
            }
        ).query("need_idr > 0").reset_index(drop=True)
    return BudgetNeed(source, str(tgt), "exact" if proven else "bounded", current, need, lower_i, resolution, [], by_village, x)


def need_table(
    scenario: ScenarioLike,
    target: str | Target = "extreme",
    sources: Iterable[str] | None = None,
    *,
    lang: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`min_budget` for every source (or ``sources``), one row each."""
    sc = as_scenario(scenario)
    rows = [min_budget(sc, s, target, **kwargs).to_row() for s in (sources or [s.id for s in sc.sources])]
    return relabel(pd.DataFrame(rows), lang)
