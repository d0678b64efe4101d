"""What an integer plan adds up to: cover, village cover, spend and plan value.

Every figure of a plan is computed here once, in int64, from the model's column arrays,
so that verification, results, analysis and comparisons cannot disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .model import Model, Part

__all__ = ["cover", "village_cover", "spend", "source_spend", "source_paid", "plan_value", "part_value"]


def cover(model: Model, x: np.ndarray) -> np.ndarray:
    """Covered workers per (group, phase).

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    ndarray
        Shape (G, P), int64.
    """
    G, P = len(model.groups), len(model.phase_ids)
    out = np.zeros(G * P, dtype=np.int64)
    np.add.at(out, model.col_g * P + model.col_p, np.asarray(x, dtype=np.int64))
    return out.reshape(G, P)


def village_cover(model: Model, x: np.ndarray) -> np.ndarray:
    """Covered workers per (village, phase).

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    ndarray
        Shape (V, P), int64.
    """
    P = len(model.phase_ids)
    V = model.target.shape[0]
    vidx = model.groups["vidx"].to_numpy(np.int64)
    out = np.zeros(V * P, dtype=np.int64)
    np.add.at(out, vidx[model.col_g] * P + model.col_p, np.asarray(x, dtype=np.int64))
    return out.reshape(V, P)


def spend(model: Model, x: np.ndarray) -> np.ndarray:
    """Rupiah spent per budget row (a pooled source has one row, a village source one per village).

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    ndarray
        One int64 per budget row (``model.budget``).
    """
    out = np.zeros(model.budget.size, dtype=np.int64)
    np.add.at(out, model.col_brow, np.asarray(x, dtype=np.int64) * model.col_cost)
    return out


def source_spend(model: Model, x: np.ndarray) -> np.ndarray:
    """Rupiah spent per source.

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    ndarray
        One int64 per source (``model.source_ids``).
    """
    out = np.zeros(len(model.source_ids), dtype=np.int64)
    np.add.at(out, model.col_s, np.asarray(x, dtype=np.int64) * model.col_cost)
    return out


def source_paid(model: Model, x: np.ndarray) -> np.ndarray:
    """Worker-phases paid per source (a worker paid in two phases counts twice).

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    ndarray
        One int64 per source (``model.source_ids``).
    """
    out = np.zeros(len(model.source_ids), dtype=np.int64)
    np.add.at(out, model.col_s, np.asarray(x, dtype=np.int64))
    return out


def plan_value(model: Model, x: np.ndarray) -> float:
    """W of a whole-model plan: months x (weighted cover + quota bonus x quota credit).

    Parameters
    ----------
    model : Model
        The model the plan belongs to.
    x : ndarray of int
        Workers per model column.

    Returns
    -------
    float
        The plan's value W.
    """
    credit = np.minimum(village_cover(model, x), model.target)
    return float(np.dot(model.col_w, x) + model.quota_bonus * float((credit * model.months[None, :]).sum()))


def part_value(part: Part, x: np.ndarray) -> float:
    """W of an integer plan of one part: weighted cover plus quota credit.

    Parameters
    ----------
    part : Part
        One independent part of a model.
    x : ndarray of int
        Workers per column of the part.

    Returns
    -------
    float
        The part's share of W.
    """
    vcover = np.zeros(part.target.size, dtype=np.int64)
    np.add.at(vcover, part.vp, x)
    credit = np.minimum(vcover, part.target)
    return float(np.dot(part.w, x) + np.dot(part.qcoef, credit))
