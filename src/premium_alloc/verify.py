"""Post-solve check of an integer plan, in integer rupiah, against the scenario's rules.

The check re-derives eligibility from the scenario rather than trusting the model's columns,
and sums money in int64 (budgets up to Rp10^15 stay exact). A failure raises
:class:`~.errors.VerificationError`; a failed plan is never returned.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import tally
from .errors import VerificationError
from .model import NONE, Model


def _isin(values: np.ndarray, allowed: object) -> np.ndarray:
    """``np.isin`` by hashing: np.isin on object arrays compares every pair (75k village ids!)."""
    return pd.Series(values, dtype=object).isin(set(allowed)).to_numpy(bool)  # type: ignore[call-overload]


def violations(model: Model, x: np.ndarray) -> list[str]:
    """Every rule the plan ``x`` (workers per column) breaks; empty when it is valid.

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    x : ndarray of int
        Workers per model column (an integer plan).

    Returns
    -------
    list of str
        One sentence per broken rule (the first ten of a kind).
    """
    out: list[str] = []
    sc = model.scenario
    x = np.asarray(x)
    if x.shape != (model.n_cols,):
        return [f"plan has {x.shape} entries, expected {model.n_cols}"]
    if x.dtype.kind not in "iu":
        return ["plan is not integer"]
    if (x < 0).any():
        out.append(f"{int((x < 0).sum())} allocation(s) are negative")
    used = np.flatnonzero(x > 0)
    g, s, p = model.col_g[used], model.col_s[used], model.col_p[used]
    groups = model.groups
    vil = groups["village"].to_numpy(object)[g]
    vidx = groups["vidx"].to_numpy(np.int64)[g]
    villages = sc.villages
    attrs = {
        "sector": groups["sector"].to_numpy(object)[g],
        "priority": groups["priority"].to_numpy(object)[g],
        "village": vil,
        "regency": np.array([v.regency for v in villages], dtype=object)[vidx] if villages else vil,
        "province": np.array([v.province for v in villages], dtype=object)[vidx] if villages else vil,
        "pktd": np.where(groups["pktd"].to_numpy(dtype=bool)[g], "yes", "no").astype(object)
        if "pktd" in groups.columns
        else np.full(g.size, "no", dtype=object),
    }
    # allocations of each source, in plan order: one sort, not a comparison per source (610 nationally)
    by_source = np.argsort(s, kind="stable")
    start = np.searchsorted(s[by_source], np.arange(len(sc.sources) + 1))
    for si, src in enumerate(sc.sources):
        sel = by_source[start[si] : start[si + 1]]
        if not sel.size:
            continue
        ok = np.ones(sel.size, dtype=bool)
        if src.phases is not None:
            ok &= _isin(np.array(model.phase_ids, dtype=object)[p[sel]], src.phases)
        for key, allowed in (src.eligible or {}).items():
            ok &= _isin(attrs[key][sel], allowed)
        if src.scope == "village":
            ok &= _isin(vil[sel], (src.budgets or {}).keys())
        if not ok.all():
            out.append(f"source {src.id}: {int((~ok).sum())} allocation(s) to groups or phases it may not pay for")

    P = len(model.phase_ids)
    cover = tally.cover(model, x)
    n = groups["count"].to_numpy(np.int64)
    over = np.argwhere(cover > n[:, None])
    for gi, pi in over[:10]:
        out.append(
            f"group {gi} (village {groups['village'].iat[gi]}) phase {model.phase_ids[pi]}: "
            f"{cover[gi, pi]} covered of {n[gi]} workers"
        )
    spent = tally.spend(model, x)
    for b in np.flatnonzero(spent > model.budget)[:10]:
        sid = model.source_ids[model.budget_source[b]]
        where = f" village {villages[model.budget_village[b]].id}" if model.budget_village[b] != NONE else ""
        out.append(f"source {sid}{where}: spends Rp{int(spent[b]):,} of a Rp{int(model.budget[b]):,} budget")
    vcover = tally.village_cover(model, x)
    capped = model.vmax != NONE
    for vi, pi in np.argwhere(capped & (vcover > model.vmax))[:10]:
        out.append(f"village {villages[vi].id} phase {model.phase_ids[pi]}: {vcover[vi, pi]} covered above quota.max {model.vmax[vi, pi]}")
    if sc.objective.continuity and P > 1:
        drop = np.argwhere(cover[:, 1:] < cover[:, :-1])
        for gi, pi in drop[:10]:
            out.append(
                f"group {gi} (village {groups['village'].iat[gi]}): cover falls from {cover[gi, pi]} in "
                f"{model.phase_ids[pi]} to {cover[gi, pi + 1]} in {model.phase_ids[pi + 1]} (continuity)"
            )
    return out


def verify(model: Model, x: np.ndarray) -> None:
    """Raise :class:`VerificationError` if the plan breaks any rule.

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    x : ndarray of int
        Workers per model column (an integer plan).
    """
    found = violations(model, x)
    if found:
        raise VerificationError(found)
