"""Worker groups: the unit the plan is computed on (village, priority, sector, income)."""

from __future__ import annotations

from datetime import date
from operator import attrgetter

import numpy as np
import pandas as pd

from .io.workers import GROUP_KEY, aggregate, check_worker_frame, exclusion_counts, read_workers
from .scenario import Scenario


def plan_start(scenario: Scenario) -> date:
    """First day of the scenario's first phase (ages in a worker list are taken on it)."""
    y, m = scenario.ordered_phases[0].start.split("-")
    return date(int(y), int(m), 1)


def excluded_table(scenario: Scenario, workers: pd.DataFrame | None) -> pd.DataFrame:
    """Workers not eligible, per (village, reason): from the worker list and from ``scenario.excluded``.

    Columns ``village``, ``reason``, ``count`` (summed when both name the same pair), in village
    (scenario order) then reason order.
    """
    parts = []
    if workers is not None:
        parts.append(exclusion_counts(workers))
    if scenario.excluded:
        parts.append(pd.DataFrame({"village": [e.village for e in scenario.excluded], "reason": [e.reason for e in scenario.excluded],
                                   "count": [e.count for e in scenario.excluded]}))
    if not parts:
        return pd.DataFrame({"village": pd.Series([], dtype=object), "reason": pd.Series([], dtype=object), "count": pd.Series([], dtype="int64")})
    ex = pd.concat(parts, ignore_index=True)
    ex = ex.groupby(["village", "reason"], sort=False).agg(count=("count", "sum")).reset_index()
    order = {v.id: i for i, v in enumerate(scenario.villages)}
    ex["_v"] = ex["village"].map(order).fillna(len(order)).astype("int64")
    ex = ex.sort_values(["_v", "reason"], kind="stable").drop(columns="_v").reset_index(drop=True)
    return ex[ex["count"] > 0].astype({"count": "int64"}).reset_index(drop=True)


def group_table(scenario: Scenario, workers: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Groups with unique keys and summed counts, in village order, plus the worker list if any.

    ``workers`` may be passed already read; otherwise ``scenario.workers`` is read when set.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    workers : DataFrame, optional
        A worker list instead of the scenario's groups.

    Returns
    -------
    tuple
        ``(groups, workers)``: the group table, and the worker list if any.
    """
    if scenario.worker_groups:
        return _listed_groups(scenario), workers
    if scenario.worker_groups is not None:
        gdf = pd.DataFrame(
            {
                "village": [g.village for g in scenario.worker_groups],
                "priority": [g.priority for g in scenario.worker_groups],
                "sector": [g.sector for g in scenario.worker_groups],
                "income": [g.income if g.income is not None else scenario.income for g in scenario.worker_groups],
                "pktd": [bool(g.pktd) for g in scenario.worker_groups],
                "count": [g.count for g in scenario.worker_groups],
            }
        )
        gdf = gdf.groupby(GROUP_KEY, sort=True).agg(count=("count", "sum")).reset_index()
    else:
        if workers is None:
            assert scenario.workers is not None
            workers = read_workers(
                scenario.workers, villages=[v.id for v in scenario.villages], default_income=scenario.income, terms=scenario.terms(),
                as_of=plan_start(scenario),
            )
        else:  # a frame from the caller: the same checks as a file (no worker counted twice)
            workers = check_worker_frame(
                workers, villages=[v.id for v in scenario.villages], default_income=scenario.income, terms=scenario.terms(),
                as_of=plan_start(scenario),
            )
        gdf = aggregate(workers)
    order = {v.id: i for i, v in enumerate(scenario.villages)}
    gdf["vidx"] = gdf["village"].map(order).astype("int64")
    gdf = gdf.sort_values(["vidx", "priority", "sector", "income", "pktd"], kind="stable").reset_index(drop=True)
    gdf["income"] = gdf["income"].astype("int64")
    gdf["count"] = gdf["count"].astype("int64")
    return gdf, workers


def _listed_groups(scenario: Scenario) -> pd.DataFrame:
    """:func:`group_table` of a non-empty ``worker_groups`` list, with numpy sorts instead of a groupby.

    Equal (village, priority, sector, income) keys are summed; rows come in village order, then
    priority, sector and income, as the groupby and sort of the general path give them.
    """
    wg = scenario.worker_groups
    assert wg
    n = len(wg)
    village, priority, sector, incomes, counts, pktds = zip(*map(attrgetter("village", "priority", "sector", "income", "count", "pktd"), wg))
    village_index = {v.id: i for i, v in enumerate(scenario.villages)}
    vidx = np.fromiter(map(village_index.__getitem__, village), dtype=np.int64, count=n)
    if None in incomes:
        incomes = tuple(scenario.income if i is None else i for i in incomes)
    income = np.fromiter(incomes, dtype=np.int64, count=n)
    count = np.fromiter(counts, dtype=np.int64, count=n)
    pktd = np.fromiter((bool(p) for p in pktds), dtype=bool, count=n)
    pri_c, pri_u = pd.factorize(np.array(priority, dtype=object), sort=True)
    sec_c, sec_u = pd.factorize(np.array(sector, dtype=object), sort=True)
    order = np.lexsort((pktd, income, sec_c, pri_c, vidx))
    keys = np.stack([vidx[order], pri_c[order], sec_c[order], income[order], pktd[order].astype(np.int64)])
    starts = np.flatnonzero(np.r_[True, (keys[:, 1:] != keys[:, :-1]).any(axis=0)])
    first = order[starts]
    ids = np.array([v.id for v in scenario.villages], dtype=object)
    return pd.DataFrame(
        {
            "village": ids[vidx[first]].tolist(),
            "priority": np.asarray(pri_u, dtype=object)[pri_c[first]].tolist(),
            "sector": np.asarray(sec_u, dtype=object)[sec_c[first]].tolist(),
            "income": income[first],
            "pktd": pktd[first],
            "count": np.add.reduceat(count[order], starts),
            "vidx": vidx[first],
        }
    )
