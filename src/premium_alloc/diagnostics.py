"""Reasons and warnings about a plan: why each uncovered worker is uncovered, and what to say about it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import tally
from .model import NONE, Model

__all__ = ["coverage_warnings", "name_list", "plan_state"]


def plan_state(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Cover, money left and the reason each uncovered (group, phase) is uncovered (see :func:`explain`).

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    x : ndarray of int
        Workers per model column (an integer plan).

    Returns
    -------
    dict
        ``cover``, ``unc``, ``spent``, ``left``, ``vcover`` and ``reason`` arrays.
    """
    G, P = len(model.groups), len(model.phase_ids)
    n = model.groups["count"].to_numpy(np.int64)
    vidx = model.groups["vidx"].to_numpy(np.int64)
    x = np.asarray(x, dtype=np.int64)
    cover, vcover, spent = tally.cover(model, x), tally.village_cover(model, x), tally.spend(model, x)
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


def name_list(ids: Sequence[str], k: int = 5) -> str:
    return ", ".join(ids[:k]) + (f" and {len(ids) - k} more" if len(ids) > k else "")


def coverage_warnings(model: Model, x: np.ndarray) -> list[str]:
    """Warnings that name the villages and phases of workers no source may pay for, and of
    cover held down by continuity (a later phase that covers fewer).

    Parameters
    ----------
    model : Model
        A model (:func:`premium_alloc.build_model`).
    x : ndarray of int
        Workers per model column (an integer plan).

    Returns
    -------
    list of str
        The warnings.
    """
    st = plan_state(model, x)
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
        per_phase = np.where(hit, unc, 0).sum(axis=0)  # people in each phase, never summed over phases
        counts = ", ".join(f"{int(per_phase[p]):,} in {model.phase_ids[p]}" for p in sorted(set(pi.tolist())))
        out.append(f"uncovered worker(s) {counts}, in {len(villages)} village(s) ({name_list(villages)}): {text}")
    return out
