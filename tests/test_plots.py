"""Charts: each draws the figures of its table, with labels in the chosen language."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import premium_alloc as pa  # noqa: E402
from premium_alloc import analysis, cases, plots, variants  # noqa: E402
from premium_alloc.labels import label, word  # noqa: E402


@pytest.fixture(scope="module")
def result():
    return pa.solve(cases.kayong_utara_2023())


@pytest.mark.parametrize("lang", ["en", "id"])
def test_coverage_by_source(result, lang):
    ax = plots.coverage_by_source(result, by="village", lang=lang)
    assert ax.get_title().startswith(word("title_coverage", lang))
    assert ax.get_xlabel() == label("village", lang)
    # stacked heights: sources plus uncovered add up to the eligible workers of each village
    heights: dict[str, float] = {}
    for patch, name in zip(ax.patches, [t.get_text() for t in ax.get_xticklabels()] * (len(result.sources) + 1)):
        heights[name] = heights.get(name, 0) + patch.get_height()
    names = {v.id: v.name for v in result.model.scenario.villages}
    elig = {names[v.village]: v.eligible for v in result.villages}  # bars are named, not coded
    assert set(heights) <= set(elig)
    assert all(heights[v] == pytest.approx(elig[v]) for v in heights)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [s.source for s in result.sources] + [word("uncovered", lang)]
    plt.close(ax.figure)
    ax = plots.coverage_by_source(result, by="district", lang=lang)
    assert ax.get_xlabel() == label("district", lang)
    # Kayong Utara's district names (given in the scenario)
    assert {t.get_text() for t in ax.get_xticklabels()} <= {"Sukadana", "Simpang Hilir", "Teluk Batang", "Pulau Maya", "Seponti", "Kepulauan Karimata"}
    plt.close(ax.figure)
    ax = plots.coverage_by_source(result, by="regency", lang=lang)
    # the scenario gives only the code 61.11: the chart names it
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Kabupaten Kayong Utara (61.11)"]
    plt.close(ax.figure)


def test_shortfall_by_village(result):
    ax = plots.shortfall_by_village(result, lang="id")
    widths = {t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches)}
    names = {v.id: v.name for v in result.model.scenario.villages}
    below = {names[v.village]: v.quota_target - v.covered for v in result.villages if not v.quota_met}
    # the 20 villages furthest below their floor (Kayong Utara has 43), each with its own gap
    assert len(widths) == min(20, len(below))
    assert all(below[v] == w for v, w in widths.items())
    assert all(m <= min(widths.values()) for v, m in below.items() if v not in widths)
    assert ax.get_xlabel() == word("missing_axis", "id")
    plt.close(ax.figure)


def test_frontier_and_compare_plots(result):
    sc = cases.kayong_utara_2023()
    fr = analysis.frontier(sc, "APBD", [0, 10_000_000, 30_000_000])
    ax = plots.frontier(fr, lang="en", mark=25_000_000)
    x, y = ax.lines[0].get_data()
    assert np.allclose(x, np.array([0, 10, 30]))  # budgets below Rp1 billion are drawn in Rp juta
    assert ax.get_xlabel().endswith(f"(Rp {word('unit_million', 'en')})")
    assert list(y) == list(fr["worker_months"])
    plt.close(ax.figure)
    cmp = variants.compare(sc, ["more:APBD+=10jt"])
    ax = plots.compare(cmp, lang="id")
    assert [p.get_height() for p in ax.patches] == list(cmp.frame()["worker_months"])
    assert ax.get_ylabel() == label("worker_months", "id")
    plt.close(ax.figure)


def test_charts_over_two_phases_count_worker_months():
    from premium_alloc import synthetic

    r = pa.solve(synthetic.regency(5, villages=6, workers=900))
    months = {p.phase: p.months for p in r.phases}
    assert len(months) == 2
    ax = plots.coverage_by_source(r, by="village")
    heights: dict[str, float] = {}
    for patch, name in zip(ax.patches, [t.get_text() for t in ax.get_xticklabels()] * (len(r.sources) + 1)):
        heights[name] = heights.get(name, 0) + patch.get_height()
    # every village's stack is its eligible workers times the months of every phase
    want = {}
    names = {v.id: v.name or v.id for v in r.model.scenario.villages}
    for v in r.villages:
        want[names[v.village]] = want.get(names[v.village], 0) + v.eligible * months[v.phase]
    assert all(heights[v] == pytest.approx(want[v]) for v in heights)
    assert ax.get_ylabel() == word("workers_axis", "en") and "worker-months" in ax.get_ylabel()
    plt.close(ax.figure)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_charts_read_on_a_slide(result, lang):
    """Names not codes, value labels, separators, a labelled marker for today's budget, legend clear of the bars."""
    fig_texts = lambda ax: [t.get_text() for t in ax.texts]  # noqa: E731
    ax = plots.coverage_by_source(result, by="village", lang=lang)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks and not any(t.count(".") == 3 for t in ticks)  # village names, no Kemendagri codes
    labels_on_bars = fig_texts(ax)
    covered = {v.village: v.covered for v in result.villages}
    assert len(labels_on_bars) == len(ticks)  # one value label per bar
    assert max(int(s.replace(".", "").replace(",", "")) for s in labels_on_bars) == max(covered.values())
    ax.figure.canvas.draw()
    legend = ax.get_legend()
    lb = legend.get_window_extent()
    axes_box = ax.get_window_extent()
    assert lb.x0 >= axes_box.x1 - 1  # the legend sits beside the plot, over no bar
    assert ax.get_ylabel() == word("workers_in_phase", lang).format(phase=result.phases[0].phase)
    plt.close(ax.figure)

    sc = cases.kayong_utara_2023()
    fr = analysis.frontier(sc, "APBD", [0, 10_000_000, 30_000_000, 2_000_000_000])
    ax = plots.frontier(fr, lang=lang, mark=25_000_000)
    ax.figure.canvas.draw()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert word("today_budget", lang).format(amount="Rp25 jt" if lang == "id" else "Rp25 mn") in legend
    point_labels = fig_texts(ax)
    assert len(point_labels) == len(fr)
    sep = "." if lang == "id" else ","
    ytick = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    big = [t for t in ytick if len(t.replace(sep, "")) >= 4]
    assert big and all(sep in t for t in big)  # thousands separators of the chosen language
    assert ax.get_xlabel().startswith(word("budget_of", lang))
    plt.close(ax.figure)

    ax = plots.shortfall_by_village(result, lang=lang)
    names = {v.name for v in result.model.scenario.villages}
    assert {t.get_text() for t in ax.get_yticklabels()} <= names
    assert len(fig_texts(ax)) == len(ax.patches)
    plt.close(ax.figure)

    cmp = variants.compare(sc, ["more:APBD+=10jt"])
    ax = plots.compare(cmp, metric="shortfall_idr", lang=lang)
    assert all(t.startswith("Rp") for t in fig_texts(ax)) and len(fig_texts(ax)) == 2
    assert ax.get_title() == word("title_compare", lang)
    plt.close(ax.figure)


def test_charts_name_places_a_scenario_gives_only_codes():
    sc = cases.kayong_utara_2023(villages=6)
    for v in sc["villages"]:
        v.pop("name"), v.pop("district")
    r = pa.solve(sc)
    ax = plots.shortfall_by_village(r, lang="en")
    # official names of 61.11.01.2001.. (Sukadana): Sutera, Pangkalan Buton, ...
    labels = {t.get_text() for t in ax.get_yticklabels()}
    assert labels and labels <= {"Sutera", "Pangkalan Buton", "Sejahtera", "Simpang Tiga", "Benawai Agung", "Harapan Mulia"}
    plt.close(ax.figure)
    ax = plots.coverage_by_source(r, by="district", lang="en")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Sukadana (61.11.01)"]
    plt.close(ax.figure)
