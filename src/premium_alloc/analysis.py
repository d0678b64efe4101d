"""Budget answers and explanations for planners.

- :func:`frontier`: coverage against the budget of one source, each point a full solve.
- :func:`min_budget` / :func:`need_table`: the least extra money of a source for which some
  plan meets a target (every worker, every extreme-poor worker, every village floor),
  proven exact to one worker's premium (or to the rupiah) by a MILP bound.
- :func:`marginal_values`: what one more Rp1 billion of each source is worth, from the LP
  duals, cross-checked by re-solving with the budget raised.
- :func:`explain`, :func:`explain_village`, :func:`setting_effects`: which villages miss
  their floor and what would fix it, which budgets bind, why workers stay uncovered, and
  what settings (``quota.max``, continuity) cost in coverage.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from . import highs
from .errors import Problem, ScenarioError, SolverError
from .groups import group_table
from .labels import relabel, word
from .model import NONE, Model, build_model
from .report import rupiah
from .result import Result
from .scenario import Scenario, load_scenario
from .variants import Variant, budget, continuity, cover_matrix, quota, summarize, to_dict

__all__ = [
    "BudgetNeed",
    "Explanation",
    "Target",
    "explain",
    "explain_village",
    "frontier",
    "lp_value",
    "marginal_values",
    "min_budget",
    "need_table",
    "setting_effects",
]

BILLION = 1_000_000_000
_ScenarioLike = Scenario | Mapping[str, Any] | str | Path


def _scenario(sc: _ScenarioLike) -> Scenario:
    return sc if isinstance(sc, Scenario) else load_scenario(sc)


def _model(sc: Scenario) -> Model:
    groups, _ = group_table(sc)
    return build_model(sc, groups)


def _source_index(sc: Scenario, source: str) -> int:
    for i, s in enumerate(sc.sources):
        if s.id == source:
            return i
    raise ScenarioError([Problem("source", f"{source!r} is not a known source ({', '.join(s.id for s in sc.sources)})")])


def _source_total(sc: Scenario, source: str) -> int:
    s = sc.sources[_source_index(sc, source)]
    return int(sum((s.budgets or {}).values())) if s.scope == "village" else int(s.budget or 0)


# --------------------------------------------------------------------------- frontier


def frontier(
    scenario: _ScenarioLike,
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
    sc = _scenario(scenario)
    si = _source_index(sc, source)
    if amounts is not None and factors is not None:
        raise ValueError("give amounts or factors, not both")
    if amounts is not None and sc.sources[si].scope == "village":
        raise ValueError(f"{source} has one budget per village: give factors")
    if amounts is None and factors is None:
        factors = [i / 4 for i in range(9)]
    changes = (
        [budget(source, to=int(a)) for a in amounts] if amounts is not None else [budget(source, factor=float(f)) for f in factors or ()]
    )
    from .solve import solve

    rows = []
    for ch in changes:
        v = Variant(ch.text, (ch,)).apply(sc)
        r = solve(v, **solve_kwargs)
        rows.append({"source": source, "change": ch.text, "source_budget_idr": _source_total(v, source), **summarize(r, priority)})
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
    G, P = len(model.groups), len(model.phase_ids)
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


def _tally(model: Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cover per (group, phase), cover per (village, phase) and rupiah spent per budget row of plan ``x``."""
    G, P = len(model.groups), len(model.phase_ids)
    cover = np.zeros(G * P, dtype=np.int64)
    np.add.at(cover, model.col_g * P + model.col_p, x)
    vcover = np.zeros(model.target.size, dtype=np.int64)
    np.add.at(vcover, model.groups["vidx"].to_numpy(np.int64)[model.col_g] * P + model.col_p, x)
    spent = np.zeros(model.budget.size, dtype=np.int64)
    np.add.at(spent, model.col_brow, x * model.col_cost)
    return cover.reshape(G, P), vcover.reshape(model.target.shape), spent


def _meets(model: Model, x: np.ndarray, need_gp: np.ndarray, need_vp: np.ndarray, si: int) -> np.ndarray:
    """Extra rupiah per budget row of source ``si`` that plan ``x`` needs; raises if x misses the target."""
    n = model.groups["count"].to_numpy(np.int64)
    cover, vcover, spent = _tally(model, x)
    if (cover[need_gp] < np.broadcast_to(n[:, None], need_gp.shape)[need_gp]).any() or (vcover[need_vp] < model.target[need_vp]).any():
        raise SolverError("the budget question's plan misses its target (numerical trouble)")
    over = np.maximum(spent - model.budget, 0)
    others = model.budget_source != si
    if over[others].any():
        raise SolverError("the budget question's plan overspends another source (numerical trouble)")
    return over


def min_budget(
    scenario: _ScenarioLike,
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
    sc = _scenario(scenario)
    si = _source_index(sc, source)
    tgt = Target.parse(target)
    model = _model(sc)
    need_gp, need_vp = _target_gp(model, tgt), _target_vp(model, tgt)
    current = _source_total(sc, source)
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
    scenario: _ScenarioLike,
    target: str | Target = "extreme",
    sources: Iterable[str] | None = None,
    *,
    lang: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`min_budget` for every source (or ``sources``), one row each."""
    sc = _scenario(scenario)
    rows = [min_budget(sc, s, target, **kwargs).to_row() for s in (sources or [s.id for s in sc.sources])]
    return relabel(pd.DataFrame(rows), lang)


# --------------------------------------------------------------------------- marginal values


def lp_value(scenario: _ScenarioLike | Model) -> float:
    """Optimum of the LP relaxation the solver uses (the sum over independent parts)."""
    model = scenario if isinstance(scenario, Model) else _model(_scenario(scenario))
    return float(sum(highs.solve_lp(highs.linear_program(p)).objective for p in model.parts))


def _spread(sc: Scenario, source: str, amount: int) -> Variant:
    """Add ``amount`` to a source; for a village source, spread over its villages (whole rupiah)."""
    s = sc.sources[_source_index(sc, source)]
    if s.scope != "village":
        return Variant(f"{source}+{amount}", (budget(source, add=amount),))
    vids = list((s.budgets or {}).keys())
    base, rest = divmod(int(amount), len(vids))

    def apply(data: dict[str, Any]) -> None:
        src = next(x for x in data["sources"] if x["id"] == source)
        src["budgets"] = {v: int(b) + base + (1 if i < rest else 0) for i, (v, b) in enumerate(src["budgets"].items())}

    from .variants import Change

    return Variant(f"{source}+{amount}", (Change(f"{source}+={amount} (spread over villages)", apply),))


def marginal_values(
    result_or_scenario: Result | _ScenarioLike,
    *,
    per: int = BILLION,
    step: int | None = None,
    check: bool = True,
    priority: str | None = None,
    **solve_kwargs: Any,
) -> pd.DataFrame:
    """What ``per`` more rupiah (default Rp1 billion) of each source is worth, in plain words.

    ``w_per_bn`` is the LP dual of the source's budget row (for a village source, the mean
    over its villages: the extra spread evenly) times ``per``. With ``check`` it is
    cross-checked: ``fd_w_per_bn`` re-solves the LP with ``step`` more rupiah (default
    ``per / 1000``) as a finite difference, and the integer plan is re-solved with ``per``
    more rupiah (``gain_w``, ``gain_worker_months`` by priority). ``worker_months_per_bn``
    states the dual in worker-months of the most important priority the source could
    still cover (``priority`` to choose another).
    """
    from .solve import solve

    if isinstance(result_or_scenario, Result):
        result = result_or_scenario
        assert result.model is not None
        sc = result.model.scenario
    else:
        sc = _scenario(result_or_scenario)
        result = solve(sc, **solve_kwargs)
    model = result.model
    assert model is not None and result.info is not None and result.info.budget_dual is not None
    dual = result.info.budget_dual
    cover = cover_matrix(result)
    n = model.groups["count"].to_numpy(np.int64)
    weights = model.weights
    pri = model.groups["priority"].to_numpy(object)
    step = step or max(1, per // 1000)
    lp0 = lp_value(model) if check else math.nan
    base_wm = summarize_by_priority(result)
    rows = []
    for si, s in enumerate(sc.sources):
        brs = np.flatnonzero(model.budget_source == si)
        w_per_idr = float(dual[brs].mean()) if brs.size else 0.0
        # the most important priority this source may still cover
        cols = np.flatnonzero(model.col_s == si)
        open_ = cols[cover[model.col_g[cols], model.col_p[cols]] < n[model.col_g[cols]]]
        if priority is not None:
            target_pri, target_w = priority, float(sc.objective.priority_weights.get(priority, 1.0))
        elif open_.size:
            best = open_[np.argmax(weights[model.col_g[open_]])]
            target_pri, target_w = str(pri[model.col_g[best]]), float(weights[model.col_g[best]])
        else:
            target_pri, target_w = "", 0.0
        wm = w_per_idr * per / target_w if target_w > 0 else 0.0
        row: dict[str, Any] = {
            "source": s.id,
            "budget_idr": _source_total(sc, s.id),
            "w_per_bn": w_per_idr * BILLION,
            "worker_months_per_bn": wm * BILLION / per,
            "priority": target_pri,
        }
        if check:
            lp1 = lp_value(_model(_spread(sc, s.id, step).apply(sc)))
            row["fd_w_per_bn"] = (lp1 - lp0) / step * BILLION
            r1 = solve(_spread(sc, s.id, per).apply(sc), **solve_kwargs)
            after = summarize_by_priority(r1)
            row["gain_w"] = r1.objective - result.objective
            row["gain_worker_months"] = int(sum(after.values()) - sum(base_wm.values()))
            row["gain_by_priority"] = {k: int(after.get(k, 0) - base_wm.get(k, 0)) for k in sorted(set(after) | set(base_wm))}
        row["text"] = _marginal_text(s.id, per, row, target_pri)
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_by_priority(result: Result) -> dict[str, int]:
    """Covered worker-months per priority."""
    model = result.model
    assert model is not None
    wm = (cover_matrix(result) * model.months[None, :]).sum(axis=1)
    return {str(k): int(v) for k, v in pd.Series(wm).groupby(model.groups["priority"].to_numpy(object)).sum().items()}


def _amount_words(per: int) -> str:
    if per % BILLION == 0:
        return f"Rp{per // BILLION:,} billion"
    if per % 1_000_000 == 0:
        return f"Rp{per // 1_000_000:,} million"
    return rupiah(per)


def _marginal_text(source: str, per: int, row: Mapping[str, Any], pri: str) -> str:
    amount = _amount_words(per)
    if not pri:
        text = f"One more {amount} of {source} covers nobody more: every worker it may pay for is covered."
    elif row["w_per_bn"] <= 0:
        text = f"One more {amount} of {source} adds nothing: its budget is not what holds coverage back."
    else:
        n = row["worker_months_per_bn"] * per / BILLION
        text = (
            f"One more {amount} of {source} is worth about {n:,.0f} more {pri.replace('_', ' ')} worker-months "
            f"(LP dual: {row['w_per_bn'] * per / BILLION:,.0f} W)."
        )
    if "gain_worker_months" in row:
        parts = ", ".join(f"{v:+,} {k}" for k, v in row["gain_by_priority"].items() if v)
        text += f" Re-solved with the budget raised: {row['gain_worker_months']:+,} worker-months" + (f" ({parts})." if parts else ".")
        if row["w_per_bn"] > 0 and row["gain_w"] < 0.5 * row["w_per_bn"] * per / BILLION:
            text += " The dual holds for small changes only: this much money runs out of workers it may pay for, or of better uses."
    return text


# --------------------------------------------------------------------------- explanations


@dataclass
class Explanation:
    """Why coverage is what it is: budgets, villages below their floor, uncovered workers."""

    budgets: pd.DataFrame
    villages: pd.DataFrame
    uncovered: pd.DataFrame
    warnings: list[str]

    def reasons(self, lang: str | None = None) -> pd.DataFrame:
        """Uncovered worker-phases by phase, priority and reason."""
        df = self.uncovered.groupby(["phase", "priority", "reason"], sort=False)["uncovered"].sum().reset_index()
        df["reason"] = [word(r, lang or "en") for r in df["reason"]]
        return relabel(df, lang)

    def lines(self, lang: str = "en", max_villages: int = 10) -> list[str]:
        """The explanation in plain sentences."""
        out = []
        bind = self.budgets[self.budgets["binding"]]
        if len(bind):
            names = bind.groupby("source", sort=False).size()
            out.append("Budgets that bind (not enough left for one more worker they may pay for): " + ", ".join(
                f"{s}" + (f" in {k} village(s)" if k > 1 or bind[bind.source == s]["village"].iloc[0] else "") for s, k in names.items()
            ))
        else:
            out.append("No budget binds: every worker a source may pay for is covered, or money is left.")
        for _, r in self.reasons().iterrows():
            out.append(f"{r['phase']}: {r['uncovered']:,} {r['priority']} worker(s) uncovered: {r['reason']}")
        for _, v in self.villages.head(max_villages).iterrows():
            out.append(f"village {v['village']} {v['phase']}: {v['covered']:,} of floor {v['quota_target']:,} (missing {v['missing']:,}); {v['fix']}")
        if len(self.villages) > max_villages:
            out.append(f"... and {len(self.villages) - max_villages} more village-phase(s) below their floor")
        out += [f"warning: {w}" for w in self.warnings]
        return out


def _plan_state(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Cover, money left and the reason each uncovered (group, phase) is uncovered (see :func:`explain`)."""
    G, P = len(model.groups), len(model.phase_ids)
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    x = np.asarray(x, dtype=np.int64)
    cover, vcover, spent = _tally(model, x)
    unc = n[:, None] - cover
    left = model.budget - spent
    afford = left[model.col_brow] >= model.col_cost
    has = np.zeros((G, P), dtype=bool)
    has[model.col_g, model.col_p] = True
    any_afford = np.zeros((G, P), dtype=bool)
    any_afford[model.col_g[afford], model.col_p[afford]] = True
    at_cap = (model.vmax != NONE) & (vcover >= model.vmax)
    cont = np.zeros((G, P), dtype=bool)
    if model.scenario.objective.continuity and P > 1:
        cont[:, :-1] = cover[:, 1:] <= cover[:, :-1]
    # the highest priority weight each budget row paid for, seen from each (group, phase)
    row_best = np.full(model.budget.size, -np.inf)
    used = x > 0
    np.maximum.at(row_best, model.col_brow[used], model.weights[model.col_g[used]])
    gp_best = np.full((G, P), -np.inf)
    np.maximum.at(gp_best, (model.col_g, model.col_p), row_best[model.col_brow])
    reason = np.full((G, P), "", dtype=object)
    todo = unc > 0
    for name, mask in (
        ("no_source", ~has),
        ("quota_cap", at_cap[vidx]),
        ("continuity", cont & any_afford),
        ("left_unspent", any_afford),
        ("outranked", gp_best > model.weights[:, None]),
        ("budget_exhausted", np.ones((G, P), dtype=bool)),
    ):
        reason[todo & mask & (reason == "")] = name
    return {"cover": cover, "unc": unc, "spent": spent, "left": left, "vcover": vcover, "reason": reason}


def _names(ids: Sequence[str], k: int = 5) -> str:
    return ", ".join(ids[:k]) + (f" and {len(ids) - k} more" if len(ids) > k else "")


def coverage_warnings(model: Model, x: np.ndarray) -> list[str]:
    """Warnings that name the villages and phases of workers no source may pay for, and of
    cover held down by continuity (a later phase that covers fewer)."""
    st = _plan_state(model, x)
    unc, reason = st["unc"], st["reason"]
    vil = model.groups["village"].to_numpy(object)
    out = []
    for code, text in (
        ("no_source", "no source may pay for them"),
        ("continuity", "continuity holds their cover to that of a later phase with less money"),
    ):
        hit = (reason == code) & (unc > 0)
        if not hit.any():
            continue
        gi, pi = np.nonzero(hit)
        villages = sorted({str(v) for v in vil[gi]})
        phases = [model.phase_ids[p] for p in sorted(set(pi.tolist()))]
        out.append(
            f"{int(unc[hit].sum()):,} uncovered worker-phase(s) in {len(villages)} village(s) ({_names(villages)}), "
            f"phase(s) {', '.join(phases)}: {text}"
        )
    return out


def explain(result: Result) -> Explanation:
    """Explain a solved result: binding budgets, villages below their floor (and the money that
    would lift them), and the reason each uncovered worker is uncovered.

    Reasons: ``no_source`` (no source may pay for the group in that phase), ``quota_cap``
    (the village is at ``quota.max``), ``continuity`` (a later phase covers fewer and
    cover may not fall), ``outranked`` (every source that may pay is spent, partly on
    higher-priority workers), ``budget_exhausted`` (spent on workers of the same or lower
    priority: floors elsewhere or cheaper premiums), ``left_unspent`` (money is left: the
    plan is within the accepted gap of the optimum).
    """
    model, x = result.model, result.x
    if model is None or x is None:
        raise ValueError("this result carries no model; solve it in this process")
    sc = model.scenario
    P = len(model.phase_ids)
    vids = [v.id for v in sc.villages]
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    st = _plan_state(model, x)
    unc, spent, left, vcover, reason = st["unc"], st["spent"], st["left"], st["vcover"], st["reason"]
    open_col = unc[model.col_g, model.col_p] > 0
    todo = unc > 0

    # budgets: binding when it cannot pay one more worker it may pay for who is uncovered
    nb = model.budget.size
    min_open = np.full(nb, np.inf)
    np.minimum.at(min_open, model.col_brow[open_col], model.col_cost[open_col].astype(float))
    binding = np.isfinite(min_open) & (left < min_open)
    paid = np.zeros(nb, dtype=np.int64)
    np.add.at(paid, model.col_brow, x)
    dual = result.info.budget_dual if result.info is not None and result.info.budget_dual is not None else np.zeros(nb)
    budgets = pd.DataFrame(
        {
            "source": [model.source_ids[s] for s in model.budget_source],
            "village": [vids[v] if v != NONE else "" for v in model.budget_village],
            "budget_idr": model.budget,
            "spent_idr": spent,
            "left_idr": left,
            "workers": paid,
            "binding": binding,
            "w_per_bn": dual * BILLION,
        }
    )

    gi, pi = np.nonzero(todo)
    grp = model.groups
    uncovered = pd.DataFrame(
        {
            "village": grp["village"].to_numpy(object)[gi],
            "priority": grp["priority"].to_numpy(object)[gi],
            "sector": grp["sector"].to_numpy(object)[gi],
            "income": grp["income"].to_numpy(np.int64)[gi],
            "phase": np.array(model.phase_ids, dtype=object)[pi],
            "uncovered": unc[gi, pi],
            "reason": reason[gi, pi],
        }
    )

    # villages below their floor, and the cheapest money that could lift each
    below = np.argwhere(vcover < model.target)
    v_start = np.searchsorted(vidx, np.arange(len(vids) + 1))  # groups are sorted by village
    v_total = np.bincount(vidx, weights=n, minlength=len(vids)).astype(np.int64)
    open_idx = np.flatnonzero(open_col)
    open_key = vidx[model.col_g[open_idx]] * P + model.col_p[open_idx]
    order = np.argsort(open_key, kind="stable")
    open_idx, open_key = open_idx[order], open_key[order]
    vrows = []
    for v, p in below:
        missing = int(model.target[v, p] - vcover[v, p])
        lo_, hi_ = np.searchsorted(open_key, [v * P + p, v * P + p + 1])
        cols = open_idx[lo_:hi_]
        fix, fix_src, fix_idr = _village_fix(model, cols, unc, missing, left, v, p)
        g0, g1 = v_start[v], v_start[v + 1]
        rs = reason[g0:g1, p][todo[g0:g1, p]]
        main = Counter(rs.tolist()).most_common(1)[0][0] if rs.size else "no_source"
        if model.vmax[v, p] != NONE and model.vmax[v, p] < model.target[v, p]:
            main, fix, fix_src, fix_idr = "quota_cap", f"raise quota.max from {model.vmax[v, p]} to {model.target[v, p]}", "", 0
        vrows.append(
            {
                "village": vids[v],
                "phase": model.phase_ids[p],
                "eligible": int(v_total[v]),
                "covered": int(vcover[v, p]),
                "quota_target": int(model.target[v, p]),
                "missing": missing,
                "reason": main,
                "source": fix_src,
                "fix_idr": fix_idr,
                "fix": fix,
            }
        )
    cols_v = ["village", "phase", "eligible", "covered", "quota_target", "missing", "reason", "source", "fix_idr", "fix"]
    villages = pd.DataFrame(vrows, columns=cols_v).sort_values(["missing", "village", "phase"], ascending=[False, True, True], kind="stable")
    return Explanation(budgets=budgets, villages=villages.reset_index(drop=True), uncovered=uncovered, warnings=list(result.warnings))


def _village_fix(model: Model, cols: np.ndarray, unc: np.ndarray, missing: int, left: np.ndarray, v: int, p: int) -> tuple[str, str, int]:
    """The cheapest single source that could pay for ``missing`` more workers of village v in phase p."""
    if cols.size == 0:
        return "no source may pay for its uncovered workers: add an eligible source", "", 0
    options = []
    for si in np.unique(model.col_s[cols]).tolist():
        c = cols[model.col_s[cols] == si]
        order = c[np.argsort(model.col_cost[c], kind="stable")]
        room = unc[model.col_g[order], p]
        before = np.concatenate([[0], np.cumsum(room)[:-1]])
        take = np.clip(missing - before, 0, room)
        k = int(take.sum())
        cost = int((take * model.col_cost[order]).sum())
        free = int(left[model.col_brow[order[0]]])  # money still free in that budget counts
        options.append((k < missing, max(0, cost - free), model.source_ids[si], k))
    _, extra, sid, k = min(options)
    scope_v = model.scenario.sources[model.source_ids.index(sid)].scope == "village"
    where = " (this village's budget)" if scope_v else ""
    more = "" if k >= missing else f" (it may pay for only {k} of them)"
    return f"at least {rupiah(extra)} more of {sid}{where}{more}", sid, extra


def explain_village(result: Result, village: str) -> list[str]:
    """Why ``village`` misses (or meets) its floor, phase by phase, in sentences."""
    ex = explain(result)
    model = result.model
    assert model is not None
    if village not in {v.id for v in model.scenario.villages}:
        raise ScenarioError([Problem("village", f"{village!r} is not a known village")])
    out = []
    rows = {(v.village, v.phase): v for v in result.villages}
    for p in model.phase_ids:
        vs = rows[(village, p)]
        if vs.quota_met:
            out.append(f"{p}: {vs.covered:,} covered, floor {vs.quota_target:,} met.")
            continue
        r = ex.villages[(ex.villages.village == village) & (ex.villages.phase == p)].iloc[0]
        out.append(
            f"{p}: {vs.covered:,} covered of floor {vs.quota_target:,} ({r['missing']:,} missing): {word(r['reason'])}; {r['fix']}."
        )
        u = ex.uncovered[(ex.uncovered.village == village) & (ex.uncovered.phase == p)]
        for reason, k in u.groupby("reason", sort=False)["uncovered"].sum().items():
            out.append(f"  {k:,} uncovered worker(s): {word(reason)}")
    b = ex.budgets[ex.budgets.village == village]
    for _, r in b.iterrows():
        out.append(f"{r['source']} budget of this village: {rupiah(r['budget_idr'])}, {rupiah(r['left_idr'])} left" + (" (binding)" if r["binding"] else ""))
    return out


def setting_effects(scenario: Result | _ScenarioLike, **solve_kwargs: Any) -> pd.DataFrame:
    """Coverage that ``quota.max`` and continuity cost, by village and phase.

    Each active setting is switched off in turn and the scenario re-solved; the rows are the
    (village, phase) pairs that would cover more without it (``lost`` workers). Given a
    solved :class:`Result`, its plan is the base (no second solve of the scenario).
    """
    from .solve import solve

    given = scenario if isinstance(scenario, Result) else None
    if given is not None:
        assert given.model is not None
        sc = given.model.scenario
    else:
        sc = _scenario(scenario)
    tests: list[tuple[str, Variant]] = []
    if sc.quota.max is not None or any(v.quota and v.quota.max is not None for v in sc.villages):
        tests.append(("quota.max", Variant("no quota.max", (quota(max=None),))))
    if sc.objective.continuity:
        tests.append(("continuity", Variant("no continuity", (continuity(False),))))
    cols = ["setting", "village", "phase", "covered", "covered_without", "lost"]
    if not tests:
        return pd.DataFrame(columns=cols)
    base = given if given is not None else solve(Scenario.from_dict(to_dict(sc)), **solve_kwargs)
    cov = {(v.village, v.phase): v.covered for v in base.villages}
    rows = []
    for name, var in tests:
        r = solve(var.apply(sc), **solve_kwargs)
        for v in r.villages:
            lost = v.covered - cov[(v.village, v.phase)]
            if lost > 0:
                rows.append({"setting": name, "village": v.village, "phase": v.phase, "covered": cov[(v.village, v.phase)], "covered_without": v.covered, "lost": lost})
    return pd.DataFrame(rows, columns=cols)
