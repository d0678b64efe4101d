"""Why coverage is what it is: binding budgets, villages below their floor, uncovered workers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..diagnostics import plan_state
from ..engine import solve
from ..errors import Problem, ScenarioError
from ..formats import count, rupiah
from ..io.load import ScenarioLike, as_scenario
from ..labels import relabel, term, translate, word
from ..model import NONE, Model
from ..result import Result
from ..scenario import Scenario, to_dict
from ..variants import Variant, continuity, quota

__all__ = ["Explanation", "explain", "explain_village", "setting_effects"]

BILLION = 1_000_000_000


# --------------------------------------------------------------------------- explanations


@dataclass
class Explanation:
    """Why coverage is what it is: budgets, villages below their floor, uncovered workers."""

    budgets: pd.DataFrame
    villages: pd.DataFrame
    uncovered: pd.DataFrame
    warnings: list[str]

    def reasons(self, lang: str | None = None) -> pd.DataFrame:
        """Uncovered workers (people in that phase) by phase, priority and reason."""
        df = self.uncovered.groupby(["phase", "priority", "reason"], sort=False)["uncovered"].sum().reset_index()
        df["reason"] = [word(r, lang or "en") for r in df["reason"]]
        return relabel(df, lang)

    def lines(self, lang: str = "en", max_villages: int = 10) -> list[str]:
        """The explanation in plain sentences, in ``lang`` (the ``fix`` sentences are in the language :func:`explain` was given)."""
        out = []
        bind = self.budgets[self.budgets["binding"]]
        if len(bind):
            names = bind.groupby("source", sort=False).size()
            out.append(word("ex_bind", lang) + ", ".join(
                f"{s}" + (word("ex_in_villages", lang).format(k=count(k, lang)) if k > 1 or bind[bind.source == s]["village"].iloc[0] else "") for s, k in names.items()
            ))
        else:
            out.append(word("ex_no_bind", lang))
        reasons = self.uncovered.groupby(["phase", "priority", "reason"], sort=False)["uncovered"].sum().reset_index()
        for _, r in reasons.iterrows():
            out.append(word("ex_uncovered", lang).format(p=r["phase"], k=count(r["uncovered"], lang), pri=term("priority", r["priority"], lang), reason=word(r["reason"], lang)))
        for _, v in self.villages.head(max_villages).iterrows():
            out.append(word("ex_village", lang).format(
                v=v["village"], p=v["phase"], covered=count(v["covered"], lang), target=count(v["quota_target"], lang), missing=count(v["missing"], lang), fix=v["fix"]
            ))
        if len(self.villages) > max_villages:
            out.append(word("ex_more", lang).format(k=count(len(self.villages) - max_villages, lang)))
        out += [f"{word('warning', lang)}: {translate(w, lang)}" for w in self.warnings]
        return out


def explain(result: Result | ScenarioLike, *, lang: str = "en", **solve_kwargs: Any) -> Explanation:
    """Explain a solved result: binding budgets, villages below their floor (and the money that
    would lift them), and the reason each uncovered worker is uncovered.

    Reasons: ``no_source`` (no source may pay for the group in that phase), ``quota_cap``
    (the village is at ``quota.max``), ``continuity`` (a later phase covers fewer and
    cover may not fall), ``outranked`` (every source that may pay is spent, partly on
    higher-priority workers), ``budget_exhausted`` (spent on workers of the same or lower
    priority: floors elsewhere or cheaper premiums), ``left_unspent`` (money is left: the
    plan is within the accepted gap of the optimum).

    Parameters
    ----------
    result : Result, Scenario, dict or path
        A solved result, or a scenario (solved first, with ``solve_kwargs``).
    lang : {"en", "id"}
        Language of the ``fix`` sentences (what would lift each village below its floor).

    Returns
    -------
    Explanation
        Binding budgets, villages below their floor, reasons per uncovered worker.
    """
    if not isinstance(result, Result):
        result = solve(result, **solve_kwargs)
    model, x = result.model, result.x
    if model is None or x is None:
        raise ValueError("this result carries no model; solve it in this process")
    sc = model.scenario
    P = len(model.phase_ids)
    vids = [v.id for v in sc.villages]
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    st = plan_state(model, x)
    unc, spent, left, vcover, reason = st["unc"], st["spent"], st["left"], st["vcover"], st["reason"]
    open_col = unc[model.col_g, model.col_p] > 0
    todo = unc > 0

    # budgets: binding when it cannot pay one more worker it may pay for who is uncovered
    nb = model.budget.size
    min_open = np.full(nb, np.inf)
    np.minimum.at(min_open, model.col_brow[open_col], model.col_cost[open_col].astype(float))
    binding = np.isfinite(min_open) & (left < min_open)
    paid = np.zeros(nb, dtype=np.int64)  # worker-months each budget pays (people x months, over phases)
    np.add.at(paid, model.col_brow, x * model.months[model.col_p])
    dual = result.info.budget_dual if result.info is not None and result.info.budget_dual is not None else np.zeros(nb)
    budgets = pd.DataFrame(
        {
            "source": [model.source_ids[s] for s in model.budget_source],
            "village": [vids[v] if v != NONE else "" for v in model.budget_village],
            "budget_idr": model.budget,
            "spent_idr": spent,
            "left_idr": left,
            "worker_months": paid,
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
        fix, fix_src, fix_idr = _village_fix(model, cols, unc, missing, left, v, p, lang)
        g0, g1 = v_start[v], v_start[v + 1]
        rs = reason[g0:g1, p][todo[g0:g1, p]]
        main = Counter(rs.tolist()).most_common(1)[0][0] if rs.size else "no_source"
        if model.vmax[v, p] != NONE and model.vmax[v, p] < model.target[v, p]:
            fix = word("fix_quota", lang).format(a=count(model.vmax[v, p], lang), b=count(model.target[v, p], lang))
            main, fix_src, fix_idr = "quota_cap", "", 0
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


def _village_fix(model: Model, cols: np.ndarray, unc: np.ndarray, missing: int, left: np.ndarray, v: int, p: int, lang: str = "en") -> tuple[str, str, int]:
    """The cheapest single source that could pay for ``missing`` more workers of village v in phase p,
    every other allocation held fixed (the cost of its cheapest missing workers less the money still
    free in that budget)."""
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
    where = word("fix_where", lang) if scope_v else ""
    more = "" if k >= missing else word("fix_only", lang).format(k=count(k, lang))
    # not a need for the whole plan: the optimiser may move money between villages (see min_budget)
    return word("fix_more", lang).format(amount=rupiah(extra, lang), source=sid, where=where, more=more), sid, extra


def explain_village(result: Result | ScenarioLike, village: str, lang: str = "en") -> list[str]:
    """Why ``village`` misses (or meets) its floor, phase by phase, in sentences.

    Parameters
    ----------
    result : Result, Scenario, dict or path
        A solved result, or a scenario (solved first).
    village : str
        The village's id.
    lang : {"en", "id"}
        Language of the sentences.

    Returns
    -------
    list of str
        One sentence per phase.
    """
    if not isinstance(result, Result):
        result = solve(result)
    ex = explain(result, lang=lang)
    model = result.model
    assert model is not None
    if village not in {v.id for v in model.scenario.villages}:
        raise ScenarioError([Problem("village", f"{village!r} is not a known village")])
    out = []
    rows = {(v.village, v.phase): v for v in result.villages}
    for p in model.phase_ids:
        vs = rows[(village, p)]
        if vs.quota_met:
            out.append(word("ev_met", lang).format(p=p, covered=count(vs.covered, lang), target=count(vs.quota_target, lang)))
            continue
        r = ex.villages[(ex.villages.village == village) & (ex.villages.phase == p)].iloc[0]
        out.append(
            word("ev_below", lang).format(
                p=p, covered=count(vs.covered, lang), target=count(vs.quota_target, lang), missing=count(r["missing"], lang), reason=word(r["reason"], lang), fix=r["fix"]
            )
        )
        u = ex.uncovered[(ex.uncovered.village == village) & (ex.uncovered.phase == p)]
        for reason, k in u.groupby("reason", sort=False)["uncovered"].sum().items():
            out.append(word("ev_uncovered", lang).format(k=count(k, lang), reason=word(reason, lang)))
    b = ex.budgets[ex.budgets.village == village]
    for _, r in b.iterrows():
        binding = word("ev_binding", lang) if r["binding"] else ""
        out.append(word("ev_budget", lang).format(source=r["source"], budget=rupiah(r["budget_idr"], lang), left=rupiah(r["left_idr"], lang), binding=binding))
    return out


def setting_effects(scenario: Result | ScenarioLike, **solve_kwargs: Any) -> pd.DataFrame:
    """Coverage that ``quota.max`` and continuity cost, by village and phase.

    Each active setting is switched off in turn and the scenario re-solved; the rows are the
    (village, phase) pairs that would cover more without it (``lost`` workers). Given a
    solved :class:`Result`, its plan is the base (no second solve of the scenario).
    """
    given = scenario if isinstance(scenario, Result) else None
    if given is not None:
        assert given.model is not None
        sc = given.model.scenario
    else:
        sc = as_scenario(scenario)
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
