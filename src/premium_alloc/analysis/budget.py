"""How much money a target needs: the frontier of one source, and the least extra budget."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .. import solvers, tally
from ..engine import build_model, lp_solver_for, relaxation, solve
from ..errors import SolverError, SolverFallbackWarning
from ..formats import rupiah
from ..io.load import ScenarioLike, as_scenario
from ..labels import known, relabel
from ..model import NONE, Model
from ..scenario import Scenario
from ..solvers.lp import LinearProgram, need_program
from ..solvers.protocol import Feature, Termination, certified_bound
from ..solvers.pulp import PulpSolver
from ..variants import Change, Variant, budget, summarize

__all__ = ["BudgetNeed", "Target", "frontier", "min_budget", "need_sentence", "need_table"]

BILLION = 1_000_000_000


# --------------------------------------------------------------------------- frontier


def frontier(
    scenario: ScenarioLike,
    source: str,
    amounts: Sequence[int] | None = None,
    *,
    factors: Sequence[float] | None = None,
    priority: str = "extreme",
    progress: Callable[[str], None] | None = None,
    **solve_kwargs: Any,
) -> pd.DataFrame:
    """Coverage against the budget of ``source``: one full solve per point.

    Give ``amounts`` (the source's total budget in rupiah, for a pooled source) or
    ``factors`` (multiples of its current budget; for a village source every village's
    budget is scaled). By default factors 0, 0.25, ..., 2. Each row holds the source's
    budget (``source_budget_idr``) and the figures of :func:`premium_alloc.variants.summarize`
    (people covered in every / some phase, worker-months, ...). ``progress`` is called with a
    short message before each solve.
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
    for i, ch in enumerate(changes):
        if progress is not None:
            progress(f"frontier: {ch.text} ({i + 1}/{len(changes)})")
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
        return self.describe("en")

    def describe(self, lang: str = "en") -> str:
        """The target in words, in ``lang`` ("en" or "id")."""
        from ..labels import term, word

        if self.everyone:
            bits = [word("target_everyone", lang)]
        elif self.priorities:
            names = "/".join(term("priority", p, lang) if p in known("priority") else p for p in self.priorities)
            bits = [word("target_priority", lang).format(priority=names)]
        else:
            bits = []
        if self.floors:
            bits.append(word("target_floors", lang))
        where = word("target_phases", lang).format(phases=", ".join(self.phases)) if self.phases else word("target_every_phase", lang)
        return word("target_and", lang).join(bits) + where


@dataclass
class BudgetNeed:
    """How much more money of one source makes the optimiser's plan meet a target.

    ``need_idr`` is re-solved: :func:`premium_alloc.solve` of the scenario with that much
    more of the source returns a plan that meets the target. ``any_plan_idr`` is the least
    extra for which *some* plan meets it (a MILP, proven to ``resolution_idr``); the two
    differ when the optimiser, maximising W, spends part of the money elsewhere (on village
    floors, say). ``status``:

    - ``"exact"``: ``need_idr`` equals the proven least amount, so with ``resolution_idr``
      less no plan at all meets the target (and neither does the optimiser's);
    - ``"sufficient"``: ``need_idr`` suffices (re-solved); less may suffice for some plan,
      never less than ``lower_idr``;
    - ``"not_found"``: some plan meets the target with ``any_plan_idr`` more, but no amount
      tried made the optimiser's plan meet it;
    - ``"unreachable"``: no amount of this source reaches the target (``reasons``).
    """

    source: str
    target: str
    status: str
    budget_idr: int  # the source's current total budget
    need_idr: int | None  # extra rupiah that the re-solved plan needs (0: today's budgets do)
    lower_idr: int | None  # proven lower bound on the extra any plan needs
    resolution_idr: int  # one worker's premium (or 1)
    reasons: list[str] = field(default_factory=list)
    by_village: pd.DataFrame | None = None  # village sources: extra per village (of need_idr)
    x: np.ndarray | None = field(default=None, repr=False)  # the MILP's plan that meets the target
    any_plan_idr: int | None = None  # least extra for which some plan meets the target (MILP)
    solves: int = 0  # re-solves made to check the answer
    goal: Target | None = field(default=None, repr=False)  # the target itself (for words in either language)

    @property
    def total_idr(self) -> int | None:
        """The source's budget plus the extra."""
        return None if self.need_idr is None else self.budget_idr + self.need_idr

    @property
    def text(self) -> str:
        """The answer in one sentence (English; :func:`need_sentence` gives either language)."""
        return need_sentence(self, "en")

    def to_row(self) -> dict[str, Any]:
        """A flat record for tables."""
        return {
            "source": self.source,
            "status": self.status,
            "budget_idr": self.budget_idr,
            "need_idr": self.need_idr,
            "total_idr": self.total_idr,
            "any_plan_idr": self.any_plan_idr,
            "lower_idr": self.lower_idr,
            "resolution_idr": self.resolution_idr,
            "text": self.text,
        }


def need_sentence(nd: BudgetNeed, lang: str = "en") -> str:
    """What a :class:`BudgetNeed` promises, in one sentence in ``lang`` ("en" or "id")."""
    from ..labels import word

    def rp(amount: int) -> str:
        return rupiah(amount, lang)

    target = nd.goal.describe(lang) if nd.goal is not None else nd.target

    def w(key: str, **kw: Any) -> str:
        return word(key, lang).format(**kw)

    if nd.status == "unreachable":
        return w("need_unreachable", source=nd.source, target=target) + " " + "; ".join(nd.reasons)
    if nd.status == "not_found":
        return w("need_not_found", source=nd.source, target=target, any=rp(nd.any_plan_idr or 0)) + " " + "; ".join(nd.reasons)
    assert nd.need_idr is not None
    if nd.need_idr == 0:
        return w("need_zero", source=nd.source, target=target)
    head = w("need_more", source=nd.source, need=rp(nd.need_idr), total=rp(nd.total_idr or 0), target=target)
    if nd.status == "exact":
        return head + " " + w("need_exact", less=rp(nd.resolution_idr))
    if nd.any_plan_idr is None:
        return head + " " + w("need_unproven", lower=rp(nd.lower_idr or 0))
    return head + " " + w("need_sufficient", lower=rp(nd.lower_idr or 0), any=rp(nd.any_plan_idr))


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
        hit = np.unique(gi)  # people, each counted once, whatever the number of phases
        phases = [model.phase_ids[p] for p in np.unique(pi)]
        out.append(
            f"{int(n[hit].sum()):,} worker(s) of {hit.size} group(s) in {len(villages)} village(s) "
            f"({', '.join(villages[:5])}{' ...' if len(villages) > 5 else ''}) have no eligible source in phase(s) {', '.join(phases)}"
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


def _run_need_milp(lp: LinearProgram, abs_gap: float, time_limit: float, backend: str | Any = "highs") -> tuple[Termination, np.ndarray | None, float]:
    """Solve the need MILP through the solver interface; returns (status, x or None, proven lower bound on the extra rupiah).

    A back-end that proves no MILP bound (PuLP) gets the bound certified from the LP
    relaxation's duals instead, so the answer is never more exact than what is proven.
    """
    if lp.cost.size == 0:  # nothing to decide: the target asks nothing of this program
        return Termination.OPTIMAL, np.zeros(lp.n_x), 0.0
    solver = solvers.from_name(backend)
    if not solver.available:
        reason = solver.unavailable_reason
        if isinstance(solver, PulpSolver):
            raise SolverError(reason)
        cbc = solvers.from_name("cbc")
        if not cbc.available:
            raise SolverError(f"{reason} and {cbc.unavailable_reason}")
        warnings.warn(f"{reason}; falling back to PuLP's CBC", SolverFallbackWarning, stacklevel=3)
        solver = cbc
    out = solver.solve(lp, integer=True, gap=0.0, abs_gap=max(abs_gap, 1e-6), time_limit=float(time_limit), tolerance=1e-9)
    if out.termination in (Termination.INFEASIBLE, Termination.UNBOUNDED):
        return Termination.INFEASIBLE, None, math.inf
    if Feature.PROVEN_BOUND in solver.features:
        bound = -out.bound  # the objective is minus the extra
    else:
        bound = -certified_bound(lp, relaxation(lp, lp_solver_for(solver)).row_dual)
    if not out.primal.size:
        if out.termination == Termination.TIME_LIMIT:
            return Termination.TIME_LIMIT, None, bound
        raise SolverError(f"{solver.name} found no plan for the budget question: {out.report}")
    return (Termination.OPTIMAL if out.termination == Termination.OPTIMAL else Termination.TIME_LIMIT), out.x, bound


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


def _least_extra(
    model: Model, si: int, need_gp: np.ndarray, need_vp: np.ndarray, resolution: int, time_limit: float, backend: str | Any = "highs"
) -> tuple[str, np.ndarray | None, np.ndarray | None, int]:
    """The least extra money of source ``si`` for which *some* plan meets the target (a MILP).

    Returns (status, plan x or None, extra rupiah per budget row or None, proven lower bound);
    status is a :class:`~premium_alloc.solvers.protocol.Termination` (optimal, time_limit or infeasible). Only this function runs
    the MILP: the re-solve search in :func:`min_budget` does not depend on how.
    """
    lp, cols, _ = need_program(model, si, need_gp, need_vp)
    status, xs, lower = _run_need_milp(lp, abs_gap=resolution - 0.5, time_limit=time_limit, backend=backend)
    if status == Termination.INFEASIBLE:
        return status, None, None, 0
    if xs is None:
        return status, None, None, max(0, int(math.ceil(lower - 1e-6)))
    x = np.zeros(model.n_cols, dtype=np.int64)
    x[cols] = np.rint(xs).astype(np.int64)
    over = _meets(model, x, need_gp, need_vp, si)
    need = int(over[model.budget_source == si].sum())
    lower_i = max(0, int(math.ceil(lower - max(1e-3, 1e-9 * abs(lower)))))
    return status, x, over, min(lower_i, need)


def _row_keys(model: Model, si: int) -> tuple[np.ndarray, list[str]]:
    """Budget rows of source ``si`` and the village id of each ("" for a pooled source)."""
    rows = np.flatnonzero(model.budget_source == si)
    vids = [v.id for v in model.scenario.villages]
    return rows, [vids[model.budget_village[b]] if model.budget_village[b] != NONE else "" for b in rows]


def _with_extra(sc: Scenario, source: str, extra: dict[str, int]) -> Scenario:
    """``sc`` with ``extra[village]`` more rupiah in each village budget of ``source`` (key "" for a pooled source)."""
    add = {k: int(v) for k, v in extra.items() if v}
    if not add:
        return sc

    def apply(data: dict[str, Any]) -> None:
        src = next(x for x in data["sources"] if x["id"] == source)
        if src.get("scope") == "village":
            src["budgets"] = {v: int(b) + add.get(v, 0) for v, b in (src.get("budgets") or {}).items()}
        else:
            src["budget"] = int(src.get("budget") or 0) + add.get("", 0)

    return Variant("", (Change(f"{source}+={sum(add.values())}", apply),)).apply(sc)


def _misses(result: Any, si: int, target: Target) -> tuple[int, dict[str, int]]:
    """How far a solved plan is from the target: (target workers and floor places missing,
    a rough price of the gap per budget row of source ``si``: each missing worker at the
    source's premium for them, else at its dearest premium)."""
    m, x = result.model, result.x
    need_gp, need_vp = _target_gp(m, target), _target_vp(m, target)
    n = m.groups["count"].to_numpy(np.int64)
    G, P = need_gp.shape
    d_gp = np.where(need_gp, n[:, None] - tally.cover(m, x), 0)
    d_vp = np.where(need_vp, np.maximum(m.target - tally.village_cover(m, x), 0), 0)
    missing = int(d_gp.sum() + d_vp.sum())
    rows, keys = _row_keys(m, si)
    if missing == 0 or rows.size == 0:
        return missing, {}
    sc_ = m.col_s == si
    dearest = float(m.col_cost[sc_].max(initial=0)) or 1.0
    vidx = m.groups["vidx"].to_numpy(np.int64)
    price_gp = np.full(G * P, np.inf)
    np.minimum.at(price_gp, (m.col_g * P + m.col_p)[sc_], m.col_cost[sc_].astype(float))
    price_vp = np.full(m.target.size, np.inf)
    np.minimum.at(price_vp, (vidx[m.col_g] * P + m.col_p)[sc_], m.col_cost[sc_].astype(float))
    price_gp[~np.isfinite(price_gp)] = dearest
    price_vp[~np.isfinite(price_vp)] = dearest
    cost_v = np.zeros(m.target.shape[0])
    np.add.at(cost_v, vidx, (d_gp.ravel() * price_gp).reshape(G, P).sum(axis=1))
    cost_v += (d_vp.ravel() * price_vp).reshape(m.target.shape).sum(axis=1)
    if keys == [""]:
        return missing, {"": int(math.ceil(cost_v.sum()))}
    vpos = {v.id: i for i, v in enumerate(m.scenario.villages)}
    out = {k: int(math.ceil(cost_v[vpos[k]])) for k in keys}
    if not any(out.values()):  # the gap is where this source pays nobody: give every village one premium
        out = {k: int(dearest) for k in keys}
    return missing, out


def min_budget(
    scenario: ScenarioLike,
    source: str,
    target: str | Target = "extreme",
    *,
    exact: str = "premium",
    time_limit: float = 2.0,
    max_solves: int = 16,
    progress: Callable[[str], None] | None = None,
    **solve_kwargs: Any,
) -> BudgetNeed:
    """How much more money of ``source`` (other budgets as they are) makes the solved plan meet ``target``.

    ``target`` is a :class:`Target` or text: ``"all"`` (zero shortfall: every worker in
    every phase), ``"extreme"`` (every extreme-poor worker in every phase), ``"floors"``
    (every village at its floor), or a combination such as ``"extreme+floors"``.

    Two steps. A MILP finds the least extra for which *some* plan meets the target
    (``any_plan_idr``, proven within ``time_limit`` seconds to one worker's premium with
    ``exact="premium"``, to the rupiah with ``exact="rupiah"``). Then the scenario is
    re-solved with that money added (:func:`premium_alloc.solve`, with ``solve_kwargs``);
    when the optimiser's plan, which maximises W, still misses the target, the price of
    what it misses is added and the scenario re-solved again, at most ``max_solves``
    times, and then narrowed down. ``need_idr`` is always an amount that was re-solved and
    met the target; ``status`` says whether it is also the proven least (see
    :class:`BudgetNeed`). For a village source the extra is per village (``by_village``).
    ``progress`` is called with a short message before each step. ``backend`` in
    ``solve_kwargs`` (a name or a :class:`~premium_alloc.solvers.protocol.Solver`) runs the
    MILP too: without highspy it falls back to PuLP's CBC with a
    :class:`~premium_alloc.errors.SolverFallbackWarning`, as :func:`premium_alloc.solve` does.
    """
    sc = as_scenario(scenario)
    si = sc.source_index(source)
    tgt = Target.parse(target)
    if exact not in ("premium", "rupiah"):
        raise ValueError(f"exact: {exact!r} is not 'premium' or 'rupiah'")
    say = progress or (lambda _msg: None)
    model = build_model(sc)
    need_gp, need_vp = _target_gp(model, tgt), _target_vp(model, tgt)
    current = sc.source_total(source)
    reasons = _static_unreachable(model, need_gp, need_vp)
    if reasons:
        return BudgetNeed(source, str(tgt), "unreachable", current, None, None, 1, reasons, goal=tgt)
    src_cost = model.col_cost[model.col_s == si]
    resolution = int(src_cost[src_cost > 0].min()) if exact == "premium" and (src_cost > 0).any() else 1
    say(f"{source}: least amount for any plan")
    status, x, over, lower = _least_extra(model, si, need_gp, need_vp, resolution, time_limit, solve_kwargs.get("backend") or "highs")
    if status == Termination.INFEASIBLE:
        why = (
            f"{source} may pay for none of the workers the target needs beyond today's other budgets"
            if not (model.col_s == si).any()
            else f"the workers {source} may not pay for need more than the other sources' budgets"
        )
        return BudgetNeed(source, str(tgt), "unreachable", current, None, None, resolution, [why], goal=tgt)
    rows, keys = _row_keys(model, si)
    extra = {k: (int(over[b]) if over is not None else 0) for b, k in zip(rows, keys)}
    if over is None and keys == [""]:
        extra[""] = lower
    any_plan = int(sum(extra.values())) if over is not None else None
    proven = over is not None and any_plan is not None and any_plan - lower < resolution

    # re-solve: the optimiser's plan with the extra money must meet the target
    solves, ok, failed_at = 0, None, -1
    last_missing, factor = None, 1.0
    while solves < max_solves:
        say(f"{source}: re-solving with {rupiah(sum(extra.values()), 'en')} more ({solves + 1})")
        r = solve(_with_extra(sc, source, extra), **solve_kwargs)
        solves += 1
        missing, price = _misses(r, si, tgt)
        if missing == 0:
            ok = dict(extra)
            break
        failed_at = sum(extra.values())
        if last_missing is not None and missing >= last_missing:
            factor *= 2  # no progress: the money went elsewhere; raise faster
        last_missing = missing
        step = {k: int(math.ceil(v * factor)) for k, v in price.items()}
        if not any(step.values()):
            step = {k: resolution for k in extra}
        extra = {k: extra.get(k, 0) + step.get(k, 0) for k in set(extra) | set(step)}
    if ok is None:
        why = (
            f"re-solved {solves} time(s), up to {rupiah(sum(extra.values()), 'en')} more, and the plan still misses it: "
            "the optimiser spends the money on what W values more (village floors, other priorities)"
        )
        return BudgetNeed(source, str(tgt), "not_found", current, None, lower, resolution, [why], x=x, any_plan_idr=any_plan, solves=solves, goal=tgt)
    # narrow a pooled amount down between the last amount that failed and the one that met it
    if keys == [""] and failed_at >= 0:
        lo, hi = failed_at, ok[""]
        narrowed = 0
        while hi - lo > resolution and narrowed < 4:  # within 1/16 of the interval: each step is a full solve
            narrowed += 1
            mid = lo + (hi - lo) // 2
            say(f"{source}: narrowing, {rupiah(mid, 'en')} more")
            r = solve(_with_extra(sc, source, {"": mid}), **solve_kwargs)
            solves += 1
            if _misses(r, si, tgt)[0] == 0:
                hi = mid
            else:
                lo = mid
        ok = {"": hi}
    need = int(sum(ok.values()))
    final = "exact" if proven and need == any_plan else "sufficient"
    by_village = None
    if sc.sources[si].scope == "village":
        budgets = dict(zip(keys, model.budget[rows].tolist()))
        by_village = pd.DataFrame(
            {"village": list(keys), "budget_idr": [int(budgets[k]) for k in keys], "need_idr": [int(ok.get(k, 0)) for k in keys]}
        ).query("need_idr > 0").reset_index(drop=True)
    return BudgetNeed(source, str(tgt), final, current, need, lower, resolution, [], by_village, x, any_plan, solves, goal=tgt)


def need_table(
    scenario: ScenarioLike,
    target: str | Target = "extreme",
    sources: Iterable[str] | None = None,
    *,
    lang: str | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """:func:`min_budget` for every source (or ``sources``), one row each (``text`` in ``lang``)."""
    sc = as_scenario(scenario)
    rows = []
    for s in sources or [s.id for s in sc.sources]:
        nd = min_budget(sc, s, target, **kwargs)
        rows.append({**nd.to_row(), "text": need_sentence(nd, lang or "en")})
    return relabel(pd.DataFrame(rows), lang)
