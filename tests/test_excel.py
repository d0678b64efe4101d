"""Planner workbooks: template -> scenario -> solve -> result workbook -> totals read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import premium_alloc as pa
from premium_alloc import cases, workbook
from premium_alloc.cli import main
from premium_alloc.io import excel
from premium_alloc.labels import label, sheet

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize("lang", ["en", "id"])
def test_template_round_trip(tmp_path, lang):
    path = excel.write_template(tmp_path / f"t_{lang}.xlsx", lang=lang)
    sc = excel.read_workbook(path)
    expected = pa.Scenario.from_dict(cases.kayong_utara_2023(villages=6))
    assert sc.model_dump(exclude={"name"}) == expected.model_dump(exclude={"name"})
    assert sc.name == expected.name

    r = pa.solve(sc)
    out = workbook.write_result(r, tmp_path / f"r_{lang}.xlsx", lang=lang)
    book = pd.read_excel(out, sheet_name=None)
    assert list(book) == [sheet(k, lang) for k in ("summary", "coverage", "sources", "phases", "villages", "below_floor", "allocations", "warnings")]
    src = book[sheet("sources", lang)]
    assert src[label("spent_idr", lang)].sum() == sum(s.spent_idr for s in r.sources)
    assert src[label("budget_idr", lang)].sum() == sum(s.budget_idr for s in r.sources)
    vil = book[sheet("villages", lang)]
    assert vil[label("covered", lang)].sum() == sum(p.covered for p in r.phases)
    alloc = book[sheet("allocations", lang)]
    assert alloc[label("cost_idr", lang)].sum() == sum(p.cost_idr for p in r.phases)
    assert alloc[label("workers", lang)].sum() == sum(p.covered for p in r.phases)
    summ = book[sheet("summary", lang)].set_index(label("key", lang))[label("value", lang)]
    assert summ[label("shortfall_idr", lang)] == r.shortfall_idr
    below = book[sheet("below_floor", lang)]
    assert len(below) == sum(1 for v in r.villages if not v.quota_met)
    # rupiah number formats and a frozen header
    ws = openpyxl.load_workbook(out)[sheet("sources", lang)]
    assert ws.freeze_panes == "A2"
    assert ws["B2"].number_format == '"Rp"#,##0'


def test_shipped_templates_read():
    for name in ("planner_template.xlsx", "planner_template_id.xlsx"):
        sc = pa.load_scenario(EXAMPLES / name)  # load_scenario reads workbooks too
        assert len(sc.villages) == 6 and {s.id for s in sc.sources} == {"APBDes", "APBD"}


def test_workers_sheet_is_counted_into_groups(tmp_path):
    path = excel.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.remove(wb["worker_groups"])
    ws = wb.create_sheet("workers")
    ws.append(["NIK", "village", "priority", "sector", "income"])
    vids = [v.id for v in excel.read_workbook(path).villages]
    rows = [(f"6106{i:012d}", vids[i % 2], "extreme" if i % 3 else "poor", "farming", None) for i in range(30)]
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    sc = excel.read_workbook(path)
    assert sum(g.count for g in sc.worker_groups) == 30
    got = {(g.village, g.priority): g.count for g in sc.worker_groups}
    assert got[(vids[0], "extreme")] == sum(1 for i in range(30) if i % 2 == 0 and i % 3)
    # a bad village: reported by row, and the ID is never shown
    ws = wb["workers"]
    ws.append(["6106999999999999", "99.99.99.9999", "poor", "farming", None])
    wb.save(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    text = str(e.value)
    assert "workers, row 32, column village" in text and "99.99.99.9999" in text and "6106999999999999" not in text


def test_bad_cells_name_sheet_and_row(tmp_path):
    path = excel.write_template(tmp_path / "t.xlsx")
    wb = openpyxl.load_workbook(path)
    wb["sources"]["D3"] = -5  # APBD budget
    wb["settings"].append(["colour", "blue"])
    wb["phases"].append(["p2", "2023-13", 6])
    wb.save(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    assert "'colour' is not a known setting" in str(e.value)
    wb["settings"].delete_rows(wb["settings"].max_row)
    wb.save(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    msgs = [str(p) for p in e.value.problems]
    assert any(m.startswith("sources, row 3, column budget (Rp): -5") for m in msgs)
    assert any(m.startswith("phases, row 3, column start (YYYY-MM): '2023-13'") for m in msgs)
    wb2 = openpyxl.Workbook()
    wb2.save(tmp_path / "empty.xlsx")
    with pytest.raises(pa.ScenarioError, match="sheet phases: is missing"):
        excel.read_workbook(tmp_path / "empty.xlsx")


def test_cli_solve_workbook_to_workbook(tmp_path):
    out = tmp_path / "hasil.xlsx"
    assert main(["solve", str(EXAMPLES / "planner_template_id.xlsx"), "--xlsx", str(out), "--lang", "id", "-q"]) == 0
    assert "ringkasan" in pd.read_excel(out, sheet_name=None)


@pytest.mark.parametrize("level", ["warning", "error"])
def test_every_assumption_survives_a_workbook_round_trip(tmp_path, level):
    from premium_alloc import synthetic

    data = synthetic.kapuas_2024()
    data["assumptions"] = {**data.get("assumptions", {}), "unknown_places": level, "year_rules": "warning"}
    path = excel.write_scenario(data, tmp_path / "s.xlsx")
    back = excel.read_workbook(path)
    assert back.assumptions.unknown_places == level
    assert back.assumptions.year_rules == "warning"
