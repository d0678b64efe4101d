"""What one more Rp1 billion of each source is worth, from the LP duals and a re-solve."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import solvers, tally
from ..engine import build_model, lp_solver_for, lp_value, solve
from ..errors import SolverError
from ..formats import count, rupiah
from ..io.load import ScenarioLike, as_scenario
from ..labels import term, word
from ..result import Result
from ..scenario import Scenario
from ..solvers.lp import linear_program
from ..variants import Change, Variant, budget

__all__ = ["marginal_sentence", "marginal_values", "summarize_by_priority"]

BILLION = 1_000_000_000


# --------------------------------------------------------------------------- marginal values


def _spread(sc: Scenario, source: str, amount: int) -> Variant:
    """Add ``amount`` to a source; for a village source, spread over its villages (whole rupiah)."""
    s = sc.sources[sc.source_index(source)]
    if s.scope != "village":
        return Variant(f"{source}+{amount}", (budget(source, add=amount),))
    vids = list((s.budgets or {}).keys())
    base, rest = divmod(int(amount), len(vids))

    def apply(data: dict[str, Any]) -> None:
        src = next(x for x in data["sources"] if x["id"] == source)
        src["budgets"] = {v: int(b) + base + (1 if i < rest else 0) for i, (v, b) in enumerate(src["budgets"].items())}

    return Variant(f"{source}+{amount}", (Change(f"{source}+={amount} (spread over villages)", apply),))


def _lp_uses(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per model column, from the LP relaxation: whether it is a marginal use of its budget
    (strictly between its bounds, its group not fully covered), and the floor credit per
    rupiah it earns (the dual of its village's quota-credit row over its cost).

    For such a column the reduced cost is zero: dual of its budget x cost = months x
    weight + quota-row dual, so the budget dual splits into coverage and floor credit.
    """
    marginal = np.zeros(model.n_cols, dtype=bool)
    floor_rate = np.zeros(model.n_cols)
    solver = lp_solver_for(solvers.from_name("highs"))
    for part in model.parts:
        lp = linear_program(part)
        try:
            out = solver.solve(lp)
        except SolverError:  # no LP here (the back-end failing): the split falls back to the plan
            continue
        if out.row_dual is None:
            continue
        x, y = np.asarray(out.x), np.asarray(out.row_dual)
        nx = lp.n_x
        covered = np.bincount(part.gp, weights=x, minlength=part.cap.size)
        room = covered[part.gp] < part.cap[part.gp] - 1e-7
        inside = (x > 1e-7) & (x < lp.upper[:nx] - 1e-7)
        marginal[part.cols] = room & inside
        mu_vp = np.zeros(part.target.size)
        for k, vp in enumerate(lp.q_vp):
            col = nx + k
            rows = lp.matrix.indices[lp.matrix.indptr[col] : lp.matrix.indptr[col + 1]]
            if rows.size:
                mu_vp[vp] = max(0.0, float(y[rows[0]]))
        cost = np.maximum(part.cost.astype(float), 1.0)
        floor_rate[part.cols] = mu_vp[part.vp] / cost
    return marginal, floor_rate


def _split(model: Any, si: int, dual: np.ndarray, uses: tuple[np.ndarray, np.ndarray], cover: np.ndarray) -> dict[str, Any]:
    """The source's dual split into coverage and floor credit, per rupiah, with the use it buys."""
    marginal, floor_rate = uses
    n = model.groups["count"].to_numpy(np.int64)
    pri = model.groups["priority"].to_numpy(object)
    cols = np.flatnonzero((model.col_s == si) & (model.col_cost > 0))
    out: dict[str, Any] = {"coverage": 0.0, "floor": 0.0, "wm": 0.0, "priority": "", "cheapest": 0.0, "holds_idr": 0}
    if cols.size == 0:
        return out
    months = model.months[model.col_p[cols]].astype(float)
    out["cheapest"] = float((model.col_cost[cols] / months).min())
    brs = np.flatnonzero(model.budget_source == si)
    cov, flo, wm, holds, names = [], [], [], 0, []
    for b in brs:
        lam = float(dual[b])
        c = cols[model.col_brow[cols] == b]
        if lam <= 0 or c.size == 0:
            cov.append(0.0)
            flo.append(0.0)
            wm.append(0.0)
            continue
        cand = c[marginal[c]]
        if cand.size == 0:  # degenerate LP: the open column of the plan whose value is nearest the dual
            open_ = c[cover[model.col_g[c], model.col_p[c]] < n[model.col_g[c]]]
            cand = open_ if open_.size else c
        value = model.col_w[cand] / model.col_cost[cand] + floor_rate[cand]
        j = cand[int(np.argmin(np.abs(value - lam)))]
        cov_rate = min(float(model.col_w[j] / model.col_cost[j]), lam)
        g = model.col_g[j]
        cov.append(cov_rate)
        flo.append(lam - cov_rate)
        wm.append(cov_rate / float(model.weights[g]) if model.weights[g] > 0 else 0.0)
        names.append(str(pri[g]))
        holds += int(max(0, n[g] - cover[g, model.col_p[j]]) * model.col_cost[j])
    out.update(
        coverage=float(np.mean(cov)) if cov else 0.0,
        floor=float(np.mean(flo)) if flo else 0.0,
        wm=float(np.mean(wm)) if wm else 0.0,
        priority=max(set(names), key=names.count) if names else "",
        holds_idr=holds,
    )
    return out


def marginal_values(
    result_or_scenario: Result | ScenarioLike,
    *,
    per: int = BILLION,
    step: int | None = None,
    check: bool = True,
    priority: str | None = None,
    progress: Callable[[str], None] | None = None,
    lang: str = "en",
    **solve_kwargs: Any,
) -> pd.DataFrame:
    """What ``per`` more rupiah (default Rp1 billion) of each source is worth, in units that exist.

    ``w_per_bn`` is the LP dual of the source's budget row (for a village source, the mean
    over its villages: the extra spread evenly) times Rp1 billion, split into
    ``coverage_w_per_bn`` (W of workers covered) and ``floor_w_per_bn`` (W of village floor
    credit) in the proportions of the best use the source's next rupiah has in the solved
    plan. Only coverage is turned into worker-months: ``worker_months_per_bn`` is the coverage
    W divided by the priority weight of that use, never above ``max_worker_months_per_bn``
    (Rp1 billion over the cheapest monthly premium the source pays). ``holds_idr`` is how
    much money that use can take: the dual is a rate for small changes, up to about that.
    With ``check`` it is cross-checked: ``fd_w_per_bn`` re-solves the LP with ``step`` more
    rupiah (default ``per / 1000``), and the integer plan is re-solved with ``per`` more
    rupiah (``gain_w``, ``gain_worker_months``, ``gain_by_priority``): the effect of the whole
    amount, shown beside the rate. ``priority`` names the priority to count instead. ``text``
    says it in plain words in ``lang`` ("en" or "id"; see :func:`marginal_sentence`).
    """
    if isinstance(result_or_scenario, Result):
        result = result_or_scenario
        assert result.model is not None
        sc = result.model.scenario
    else:
        sc = as_scenario(result_or_scenario)
        result = solve(sc, **solve_kwargs)
    say = progress or (lambda _msg: None)
    model = result.model
    assert model is not None and result.x is not None and result.info is not None and result.info.budget_dual is not None
    dual = result.info.budget_dual
    cover = tally.cover(model, result.x)
    n = model.groups["count"].to_numpy(np.int64)
    uses = _lp_uses(model)
    step = step or max(1, per // 1000)
    lp0 = lp_value(model) if check else math.nan
    base_wm = summarize_by_priority(result)
    rows = []
    for si, s in enumerate(sc.sources):
        say(f"{s.id}: marginal value")
        brs = np.flatnonzero(model.budget_source == si)
        w_per_idr = float(dual[brs].mean()) if brs.size else 0.0
        sp = _split(model, si, dual, uses, cover)
        pri = sp["priority"]
        weight = float(sc.objective.priority_weights.get(pri, 1.0)) if pri else 0.0
        cov_bn = sp["coverage"] * BILLION
        wm_bn = sp["wm"] * BILLION
        if priority is not None and pri:  # the same coverage W, counted in worker-months of another priority
            pw = float(sc.objective.priority_weights.get(priority, 1.0))
            pri, wm_bn = priority, (wm_bn * weight / pw if pw > 0 else 0.0)
        cap = BILLION / sp["cheapest"] if sp["cheapest"] > 0 else 0.0
        row: dict[str, Any] = {
            "source": s.id,
            "budget_idr": sc.source_total(s.id),
            "w_per_bn": w_per_idr * BILLION,
            "coverage_w_per_bn": cov_bn,
            "floor_w_per_bn": w_per_idr * BILLION - cov_bn,
            "worker_months_per_bn": min(wm_bn, cap),
            "max_worker_months_per_bn": cap,
            "priority": pri if w_per_idr > 0 else "",
            "holds_idr": int(sp["holds_idr"]),
        }
        if not pri and not (cover[model.col_g[model.col_s == si], model.col_p[model.col_s == si]] < n[model.col_g[model.col_s == si]]).any():
            row["priority"] = ""
        if check:
            lp1 = lp_value(build_model(_spread(sc, s.id, step).apply(sc)))
            row["fd_w_per_bn"] = (lp1 - lp0) / step * BILLION
            say(f"{s.id}: re-solving with {_amount_words(per)} more")
            r1 = solve(_spread(sc, s.id, per).apply(sc), **solve_kwargs)
            after = summarize_by_priority(r1)
            row["gain_w"] = r1.objective - result.objective
            row["gain_worker_months"] = int(sum(after.values()) - sum(base_wm.values()))
            row["gain_by_priority"] = {k: int(after.get(k, 0) - base_wm.get(k, 0)) for k in sorted(set(after) | set(base_wm))}
        row["text"] = marginal_sentence(s.id, per, row, pri, lang)
        rows.append(row)
    return pd.DataFrame(rows)


def summarize_by_priority(result: Result) -> dict[str, int]:
    """Covered worker-months per priority."""
    model = result.model
    assert model is not None and result.x is not None
    wm = (tally.cover(model, result.x) * model.months[None, :]).sum(axis=1)
    return {str(k): int(v) for k, v in pd.Series(wm).groupby(model.groups["priority"].to_numpy(object)).sum().items()}


def _amount_words(per: int, lang: str = "en") -> str:
    if per % BILLION == 0:
        return word("amount_billion", lang).format(n=count(per // BILLION, lang))
    if per % 1_000_000 == 0:
        return word("amount_million", lang).format(n=count(per // 1_000_000, lang))
    return rupiah(per, lang)


def _signed(value: float, lang: str) -> str:
    n = int(round(value))
    return ("+" if n >= 0 else "-") + count(abs(n), lang)


def marginal_sentence(source: str, per: int, row: Mapping[str, Any], pri: str, lang: str = "en") -> str:
    """The plain-words answer of one row of :func:`marginal_values`, in ``lang`` ("en" or "id")."""
    amount = _amount_words(per, lang)
    scale = per / BILLION
    if not pri:
        text = word("mv_nobody", lang).format(amount=amount, source=source)
    elif row["w_per_bn"] <= 0:
        text = word("mv_nothing", lang).format(amount=amount, source=source)
    else:
        text = word("mv_rate", lang).format(
            amount=amount,
            source=source,
            wm=count(round(row["worker_months_per_bn"] * scale), lang),
            pri=term("priority", pri, lang).replace("_", " "),
            w=count(round(row["w_per_bn"] * scale), lang),
            cov=count(round(row["coverage_w_per_bn"] * scale), lang),
            flo=count(round(row["floor_w_per_bn"] * scale), lang),
            cap=count(round(row["max_worker_months_per_bn"] * scale), lang),
        )
        if row["holds_idr"] < per:
            text += word("mv_holds", lang).format(amount=rupiah(row["holds_idr"], lang))
    if "gain_worker_months" in row:
        parts = ", ".join(f"{_signed(v, lang)} {term('priority', k, lang)}" for k, v in row["gain_by_priority"].items() if v)
        text += word("mv_resolved", lang).format(
            amount=amount, gain=_signed(row["gain_worker_months"], lang), parts=f" ({parts})" if parts else "", gw=_signed(row["gain_w"], lang)
        )
    return text
