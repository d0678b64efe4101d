"""Worker groups: the unit the plan is computed on (village, priority, sector, income)."""

from __future__ import annotations

import pandas as pd

from .gcpause import paused_gc
from .scenario import Scenario
from .workers import GROUP_KEY, aggregate, check_worker_frame, read_workers


@paused_gc()
def group_table(scenario: Scenario, workers: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Groups with unique keys and summed counts, in village order, plus the worker list if any.

    ``workers`` may be passed already read; otherwise ``scenario.workers`` is read when set.
    """
    if scenario.worker_groups is not None:
        gdf = pd.DataFrame(
            {
                "village": [g.village for g in scenario.worker_groups],
                "priority": [g.priority for g in scenario.worker_groups],
                "sector": [g.sector for g in scenario.worker_groups],
                "income": [g.income if g.income is not None else scenario.income for g in scenario.worker_groups],
                "count": [g.count for g in scenario.worker_groups],
            }
        )
        gdf = gdf.groupby(GROUP_KEY, sort=True).agg(count=("count", "sum")).reset_index()
    else:
        if workers is None:
            assert scenario.workers is not None
            workers = read_workers(scenario.workers, villages=[v.id for v in scenario.villages], default_income=scenario.income)
        else:  # a frame from the caller: the same checks as a file (no worker counted twice)
            check_worker_frame(workers, villages=[v.id for v in scenario.villages])
        gdf = aggregate(workers)
    order = {v.id: i for i, v in enumerate(scenario.villages)}
    gdf["vidx"] = gdf["village"].map(order).astype("int64")
    gdf = gdf.sort_values(["vidx", "priority", "sector", "income"], kind="stable").reset_index(drop=True)
    gdf["income"] = gdf["income"].astype("int64")
    gdf["count"] = gdf["count"].astype("int64")
    return gdf, workers
