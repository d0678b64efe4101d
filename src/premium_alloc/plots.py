"""Charts (matplotlib): coverage by source, the coverage-budget frontier, villages below floor.

Every function draws on ``ax`` (a new figure when ``None``) and returns the Axes; titles,
axes and legends are in ``lang`` ("en" or "id"). Needs matplotlib (the ``plot`` extra).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import places
from .errors import MissingDependencyError
from .formats import compact, count, decimal
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


def _thousands(axis: Any, lang: str) -> None:
    """Tick labels with the thousands separator of ``lang`` (5.894 / 5,894)."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _: count(int(round(v)), lang) if abs(v - round(v)) < 1e-9 else decimal(v, 1, lang)))


def _legend_outside(ax: Any) -> None:
    """The legend beside the plot, never over a bar."""
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)


def _village_names(villages: dict[str, Any], ids: list[str]) -> dict[str, str]:
    """Each village's name (its own, else the Kemendagri name of its code; the code when it has none,
    or with the code when two villages share a name)."""
    official = dict(zip(ids, places.name(ids).tolist())) if ids else {}
    names = {v: (getattr(villages.get(v), "name", None) or (official[v] if isinstance(official.get(v), str) else None) or v) for v in ids}
    seen: dict[str, int] = {}
    for n in names.values():
        seen[n] = seen.get(n, 0) + 1
    return {v: (n if seen[n] == 1 or n == v else f"{n} ({v})") for v, n in names.items()}


def _area(village: str, by: str, scenario: Any) -> str:
    """The label of a village's area; a Kemendagri code given without a name gets its official name."""
    if by == "village":
        v = scenario.get(village)
        return v.name if v is not None and v.name else village
    v = scenario.get(village)
    if by == "district":
        code = v.district if v is not None and v.district else ".".join(village.split(".")[:3])
    elif by == "regency":
        code = v.regency if v is not None and v.regency else ".".join(village.split(".")[:2])
    else:
        raise ValueError(f"by: {by!r} is not village, district or regency")
    official = places.name(code) if places.looks_like_code(code) else None
    return f"{official} ({code})" if official else code


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
    ids = list(pd.unique(pd.concat([vil["village"], alloc["village"]])))
    area = _village_names(villages, ids) if by == "village" else {v: _area(v, by, villages) for v in ids}  # once per village
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
    bars = ax.bar(areas, unc.reindex(areas).fillna(0).to_numpy(), bottom=bottom, label=word("uncovered", lang), color="lightgrey", hatch="//")
    top_of = bottom + unc.reindex(areas).fillna(0).to_numpy()
    covered = bottom
    # the covered total at the top of the covered part of each bar (people, or worker-months over phases)
    for i, c in enumerate(covered):
        ax.annotate(count(int(c), lang), (i, c), textcoords="offset points", xytext=(0, 2), ha="center", va="bottom", fontsize=7,
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
    del bars
    ax.set_ylim(0, max(top_of.max() if len(top_of) else 1, 1) * 1.12)
    ax.set_title(word("title_coverage", lang) + f" ({label(by, lang)})")
    ax.set_xlabel(label(by, lang))
    ax.set_ylabel(word("workers_axis", lang) if phase is None else word("workers_in_phase", lang).format(phase=phase))
    ax.tick_params(axis="x", labelrotation=90 if len(areas) > 6 else 0, labelsize=7 if len(areas) > 6 else 9)
    _thousands(ax.yaxis, lang)
    _legend_outside(ax)
    return ax


def frontier(df: pd.DataFrame, *, y: str = "worker_months", lang: str = "en", ax: Any = None, mark: float | None = None) -> Any:
    """The frontier curve of :func:`premium_alloc.analysis.frontier`: ``y`` against the source's budget.

    Each point carries its value; ``mark`` draws a labelled dashed line at a budget (today's).
    """
    check_lang(lang)
    ax = _axes(ax)
    budgets = df["source_budget_idr"].to_numpy(float)
    big = len(budgets) and float(np.max(budgets)) >= 1e9
    scale, unit = (1e9, "unit_billion") if big else (1e6, "unit_million")  # Rp miliar, or Rp juta for small budgets
    x = budgets / scale
    yv = df[y].to_numpy()
    src = str(df["source"].iloc[0]) if len(df) else ""
    ax.plot(x, yv, marker="o", label=label(y, lang))
    for xi, yi in zip(x, yv):
        ax.annotate(count(int(yi), lang), (xi, yi), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    if mark is not None:
        ax.axvline(mark / scale, color="grey", linestyle="--", linewidth=1, label=word("today_budget", lang).format(amount=compact(int(mark), lang)))
    ax.set_title(f"{word('title_frontier', lang)}: {src}")
    ax.set_xlabel(f"{word('budget_of', lang)} {src} (Rp {word(unit, lang)})")
    ax.set_ylabel(label(y, lang))
    if len(yv):
        ax.set_ylim(0, max(float(np.max(yv)), 1) * 1.12)
    from matplotlib.ticker import FuncFormatter

    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: count(int(round(v)), lang) if abs(v - round(v)) < 1e-9 else decimal(v, 2, lang).rstrip("0").rstrip(",.")))
    _thousands(ax.yaxis, lang)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
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
    villages = {v.id: v for v in (result.model.scenario.villages if result.model is not None else [])}
    names = _village_names(villages, list(miss.index))
    ax = _axes(ax, (8, max(3, 0.3 * len(miss) + 1.5)))
    bars = ax.barh([names[v] for v in miss.index], miss.to_numpy(), color="indianred")
    ax.bar_label(bars, labels=[count(int(m), lang) for m in miss.to_numpy()], fontsize=7, padding=2)
    if len(miss):
        ax.set_xlim(0, float(miss.max()) * 1.15)
    ax.set_title(word("title_shortfall", lang))
    ax.set_xlabel(word("missing_axis" if phase is not None else "missing_months_axis", lang))
    ax.set_ylabel(label("village", lang))
    ax.tick_params(axis="y", labelsize=7)
    _thousands(ax.xaxis, lang)
    return ax


def compare(comparison: Comparison, *, metric: str = "worker_months", lang: str = "en", ax: Any = None) -> Any:
    """Bars: one figure (``metric``, a column of ``Comparison.frame()``) per variant."""
    check_lang(lang)
    df = comparison.frame()
    ax = _axes(ax)
    values = df[metric].to_numpy(float)
    bars = ax.bar(list(df.index), values, color="steelblue")
    money = metric.endswith("_idr")
    ax.bar_label(bars, labels=[compact(int(v), lang) if money else count(int(round(v)), lang) for v in values], fontsize=8, padding=2)
    if len(values):
        ax.set_ylim(0, max(float(values.max()), 1) * 1.12)
    ax.set_title(word("title_compare", lang))
    ax.set_ylabel(label(metric, lang))
    ax.tick_params(axis="x", labelrotation=30 if len(values) > 3 else 0)
    if money:
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: compact(int(v), lang)))
    else:
        _thousands(ax.yaxis, lang)
    return ax
