"""Planner workbooks: template -> scenario -> solve -> result workbook -> totals read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import premium_alloc as pa
from premium_alloc import cases, labels, workbook
from premium_alloc.cli import main
from premium_alloc.io import excel
from premium_alloc.labels import label, sheet

RP = {"id": '[$-421]"Rp"#,##0', "en": '[$-409]"Rp"#,##0'}  # rupiah, shown with the separators of the language
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
    keys = ("summary", "per_village", "sources", "phases", "villages", "below_floor", "allocations", "warnings")
    assert list(book) == [sheet(k, lang) for k in keys]
    wb = openpyxl.load_workbook(out)
    # sources: totals row under the data, rupiah formats, frozen header
    ws = wb[sheet("sources", lang)]
    head = [c.value for c in ws[1]]
    spent_col = head.index(label("spent_idr", lang)) + 1
    assert ws.cell(row=ws.max_row, column=1).value == labels.word("total", lang)
    assert ws.cell(row=ws.max_row, column=spent_col).value == sum(s.spent_idr for s in r.sources)
    assert ws.cell(row=ws.max_row, column=spent_col).number_format == RP[lang] and ws.cell(row=2, column=spent_col).number_format == RP[lang]
    assert ws.freeze_panes == "A2"
    vil = book[sheet("villages", lang)]
    assert vil[label("covered", lang)].sum() == sum(p.covered for p in r.phases)
    alloc = book[sheet("allocations", lang)]
    assert alloc[label("cost_idr", lang)].sum() == sum(p.cost_idr for p in r.phases)
    assert alloc[label("workers", lang)].sum() == sum(p.covered for p in r.phases)
    below = book[sheet("below_floor", lang)]
    assert len(below) == sum(1 for v in r.villages if not v.quota_met)
    # per village: names, one column per source and phase, sorted, totals equal the result's
    ws = wb[sheet("per_village", lang)]
    head = [c.value for c in ws[1]]
    assert head[:3] == [label("village", lang), label("village_name", lang), label("district", lang)]
    ph = r.phases[0].phase
    for s in r.sources:
        col = head.index(f"{ph} {s.source}") + 1
        paid = sum(a.workers for a in r.allocations if a.source == s.source and a.phase == ph)
        assert ws.cell(row=ws.max_row, column=col).value == paid
        assert sum(ws.cell(row=i, column=col).value for i in range(2, ws.max_row)) == paid
    codes = [ws.cell(row=i, column=1).value for i in range(2, ws.max_row)]
    names = {v.id: v.name for v in sc.villages}
    assert [ws.cell(row=i, column=2).value for i in range(2, ws.max_row)] == [names[c] for c in codes]
    districts = [ws.cell(row=i, column=3).value for i in range(2, ws.max_row)]
    assert list(zip(districts, codes)) == sorted(zip(districts, codes))
    short = head.index(f"{ph} {label('shortfall_idr', lang)}") + 1
    assert ws.cell(row=ws.max_row, column=short).value == r.shortfall_idr and ws.cell(row=2, column=short).number_format == RP[lang]
    assert ws.freeze_panes == "D2"
    # summary: per phase, the workers each source covers and the shortfall, with totals
    ws = wb[sheet("summary", lang)]
    assert ws["A1"].value == r.scenario
    rows = list(ws.iter_rows(values_only=True))
    hrow = next(i for i, row in enumerate(rows) if row and row[0] == label("phase", lang))
    head = list(rows[hrow])
    data = rows[hrow + 1]
    assert data[head.index(label("eligible", lang))] == r.phases[0].eligible
    for s in r.sources:
        assert data[head.index(f"{s.source} ({label('workers', lang)})")] == sum(a.workers for a in r.allocations if a.source == s.source and a.phase == ph)
    assert data[head.index(label("uncovered", lang))] == r.phases[0].uncovered
    assert rows[hrow + 2][head.index(label("shortfall_idr", lang))] == r.shortfall_idr


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
