"""What one more Rp1 billion of each source is worth, from the LP duals and a re-solve."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import tally
from ..engine import build_model, lp_value, solve
from ..formats import rupiah
from ..io.load import ScenarioLike, as_scenario
from ..result import Result
from ..scenario import Scenario
from ..variants import Change, Variant, budget

__all__ = ["marginal_values", "summarize_by_priority"]

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


def marginal_values(
    result_or_scenario: Result | ScenarioLike,
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
    if isinstance(result_or_scenario, Result):
        result = result_or_scenario
        assert result.model is not None
        sc = result.model.scenario
    else:
        sc = as_scenario(result_or_scenario)
        result = solve(sc, **solve_kwargs)
    model = result.model
    assert model is not None and result.info is not None and result.info.budget_dual is not None
    dual = result.info.budget_dual
    cover = tally.cover(model, result.x)
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
            "budget_idr": sc.source_total(s.id),
            "w_per_bn": w_per_idr * BILLION,
            "worker_months_per_bn": wm * BILLION / per,
            "priority": target_pri,
        }
        if check:
            lp1 = lp_value(build_model(_spread(sc, s.id, step).apply(sc)))
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
    wm = (tally.cover(model, result.x) * model.months[None, :]).sum(axis=1)
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
