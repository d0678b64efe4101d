"""Charts (matplotlib): coverage by source, the coverage-budget frontier, villages below floor.

Every function draws on ``ax`` (a new figure when ``None``) and returns the Axes; titles,
axes and legends are in ``lang`` ("en" or "id"). Needs matplotlib (the ``plot`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import MissingDependencyError
from .labels import check_lang, label, word
from .result import Result

if TYPE_CHECKING:
    from .variants import Comparison

__all__ = ["compare", "coverage_by_source", "frontier", "require_matplotlib", "shortfall_by_village"]


def require_matplotlib() -> Any:
    """``matplotlib.pyplot``, or :class:`MissingDependencyError` with the install command."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise MissingDependencyError("matplotlib", "plot", "charts") from None
    return plt


def _axes(ax: Any, size: tuple[float, float] = (8, 4.5)) -> Any:
    if ax is not None:
        return ax
    plt = require_matplotlib()

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def _area(village: str, by: str, scenario: Any) -> str:
    if by == "village":
        return village
    v = scenario.get(village)
    if by == "district":
        if v is not None and v.district:
            return v.district
        return ".".join(village.split(".")[:3])
    if by == "regency":
        return (v.regency if v is not None and v.regency else ".".join(village.split(".")[:2]))
    raise ValueError(f"by: {by!r} is not village, district or regency")


def coverage_by_source(
    result: Result,
    *,
    by: str = "district",
    phase: str | None = None,
    top: int = 25,
    max_sources: int = 10,
    lang: str = "en",
    ax: Any = None,
) -> Any:
    """Stacked bars: coverage by each source, and what is uncovered, per district (or village, regency).

    For one ``phase`` the bars count workers (people in that phase); over every phase they
    count worker-months (people times the months of each phase). The ``top`` areas with the most
    eligible workers are shown, and at most ``max_sources`` sources (the rest summed as one).
    District is read from the village's ``district`` or its code.
    """
    check_lang(lang)
    villages = {v.id: v for v in (result.model.scenario.villages if result.model is not None else [])}
    alloc = result.allocations_frame()
    vil = result.villages_frame()
    if phase is None and len(result.phases) == 1:
        phase = result.phases[0].phase  # one phase: its people, not worker-months
    if phase is not None:
        alloc, vil = alloc[alloc.phase == phase], vil[vil.phase == phase]
    else:  # totals over phases are worker-months, never a sum of people
        months = {p.phase: p.months for p in result.phases}
        alloc = alloc.assign(workers=alloc["workers"] * alloc["phase"].map(months))
        vil = vil.assign(uncovered=vil["uncovered"] * vil["phase"].map(months))
    area = {v: _area(v, by, villages) for v in pd.unique(pd.concat([vil["village"], alloc["village"]]))}  # once per village
    alloc = alloc.assign(area=alloc["village"].map(area))
    vil = vil.assign(area=vil["village"].map(area))
    table = alloc.pivot_table(index="area", columns="source", values="workers", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=[s.source for s in result.sources if s.source in table.columns])
    unc = vil.groupby("area")["uncovered"].sum()
    elig = vil.groupby("area")["eligible"].sum().sort_values(ascending=False)
    areas = list(elig.index[:top])
    table = table.reindex(areas, fill_value=0)
    table = table.loc[:, table.sum() > 0]
    if table.shape[1] > max_sources:  # keep the legend readable: the largest sources, then the rest
        keep = list(table.sum().sort_values(ascending=False).index[: max_sources - 1])
        rest = table.drop(columns=keep).sum(axis=1)
        table = table[[c for c in table.columns if c in keep]].assign(**{word("other_sources", lang): rest})
    ax = _axes(ax, (max(8, 0.35 * len(areas) + 3), 4.5))
    bottom = np.zeros(len(areas))
    for src in table.columns:
        ax.bar(areas, table[src].to_numpy(), bottom=bottom, label=src)
        bottom += table[src].to_numpy()
    ax.bar(areas, unc.reindex(areas).fillna(0).to_numpy(), bottom=bottom, label=word("uncovered", lang), color="lightgrey", hatch="//")
    ax.set_title(word("title_coverage", lang) + f" ({label(by, lang)})")
    ax.set_xlabel(label(by, lang))
    ax.set_ylabel(word("workers_axis", lang) if phase is None else label("workers", lang))
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.legend(fontsize=8)
    return ax


def frontier(df: pd.DataFrame, *, y: str = "worker_months", lang: str = "en", ax: Any = None, mark: float | None = None) -> Any:
    """The frontier curve of :func:`premium_alloc.analysis.frontier`: ``y`` against the source's budget.

    ``mark`` draws a vertical line at a budget (e.g. today's).
    """
    check_lang(lang)
    ax = _axes(ax)
    x = df["source_budget_idr"].to_numpy(float) / 1e9
    ax.plot(x, df[y].to_numpy(), marker="o")
    src = str(df["source"].iloc[0]) if len(df) else ""
    if mark is not None:
        ax.axvline(mark / 1e9, color="grey", linestyle="--", linewidth=1)
    ax.set_title(f"{word('title_frontier', lang)}: {src}")
    ax.set_xlabel(f"{word('budget_of', lang)} {src} (Rp {'miliar' if lang == 'id' else 'billion'})")
    ax.set_ylabel(label(y, lang))
    ax.grid(True, alpha=0.3)
    return ax


def shortfall_by_village(result: Result, *, top: int = 20, phase: str | None = None, lang: str = "en", ax: Any = None) -> Any:
    """Horizontal bars: the villages furthest below their floor: workers missing in ``phase``, or
    worker-months missing over every phase (workers missing times the phase's months)."""
    check_lang(lang)
    vil = result.villages_frame()
    if phase is None and len(result.phases) == 1:
        phase = result.phases[0].phase  # one phase: its people, not worker-months
    if phase is not None:
        vil = vil[vil.phase == phase]
    months = {p.phase: (p.months if phase is None else 1) for p in result.phases}
    vil = vil.assign(missing=(vil["quota_target"] - vil["covered"]).clip(lower=0) * vil["phase"].map(months))
    miss = vil.groupby("village")["missing"].sum()
    miss = miss[miss > 0].sort_values(ascending=True).tail(top)
    ax = _axes(ax, (8, max(3, 0.3 * len(miss) + 1.5)))
    ax.barh(list(miss.index), miss.to_numpy(), color="indianred")
    ax.set_title(word("title_shortfall", lang))
    ax.set_xlabel(word("missing_axis" if phase is not None else "missing_months_axis", lang))
    ax.set_ylabel(label("village", lang))
    ax.tick_params(axis="y", labelsize=7)
    return ax


def compare(comparison: Comparison, *, metric: str = "worker_months", lang: str = "en", ax: Any = None) -> Any:
    """Bars: one figure (``metric``, a column of ``Comparison.frame()``) per variant."""
    check_lang(lang)
    df = comparison.frame()
    ax = _axes(ax)
    ax.bar(list(df.index), df[metric].to_numpy(float), color="steelblue")
    ax.set_title(word("title_compare", lang))
    ax.set_ylabel(label(metric, lang))
    ax.tick_params(axis="x", labelrotation=30)
    return ax
