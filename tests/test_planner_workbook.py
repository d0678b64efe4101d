"""The planner's workbook: template in the planner's words, problems at their cells, drop-downs."""

from __future__ import annotations

import openpyxl
import pytest

import premium_alloc as pa
from premium_alloc import cases, labels
from premium_alloc.io import excel
from premium_alloc.labels import label, sheet, term


def _plant_six(path):
    """The six typical mistakes of a filled Indonesian template, and one blank row."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet("workers", "id")]
    ws.insert_rows(40)  # a blank row: no later row number may move
    head = [c.value for c in ws[1]]
    nik, sektor, desa = head.index("NIK") + 1, head.index("sektor") + 1, head.index("desa") + 1
    ws.cell(row=101, column=nik).value = ws.cell(row=2, column=nik).value  # 1: a NIK typed twice
    ws.cell(row=150, column=sektor).value = "sawitt"  # 2: a misspelt sector
    ws.cell(row=300, column=desa).value = "61.11.01.9999"  # 3: a village not on the villages sheet
    ws = wb[sheet("budgets", "id")]
    ws.cell(row=6, column=3).value = "Rp 25.000.00"  # 4: a mistyped amount
    ws = wb[sheet("sources", "id")]
    ws.cell(row=2, column=2).value = "Dana Dessa"  # 5: a misspelt funder kind
    ws = wb[sheet("phases", "id")]
    ws.cell(row=2, column=2).value = "2023-13"  # 6: month 13
    wb.save(path)


def test_six_planted_mistakes_give_six_problems_at_their_cells(tmp_path):
    path = excel.write_template(tmp_path / "kapuas_salah.xlsx", lang="id", workers=True)
    pa.load_scenario(path)  # the template itself is valid
    _plant_six(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    got = {p.path: p.message for p in e.value.problems}
    assert len(e.value.problems) == 6 and e.value.more == 0, got
    assert "sama dengan NIK pada baris 2" in got["pekerja, baris 101, kolom NIK"]
    assert got["pekerja, baris 150, kolom sektor"].startswith("'sawitt' bukan sektor yang dikenal (paling mirip: palm (sawit)")
    assert got["pekerja, baris 300, kolom desa"] == "'61.11.01.9999' bukan desa yang dikenal"
    assert got["anggaran desa, baris 6, kolom anggaran (Rp)"].startswith("'Rp 25.000.00' bukan jumlah rupiah (tulis rupiah bulat")
    assert got["sumber dana, baris 2, kolom jenis"].startswith("'Dana Dessa' bukan jenis sumber dana yang dikenal (paling mirip: dana_desa")
    assert got["tahap, baris 2, kolom mulai (YYYY-MM)"].startswith("'2023-13' bukan format YYYY-MM")
    text = e.value.render("id")
    assert text.startswith("6 masalah pada masukan")
    nik = openpyxl.load_workbook(path)[sheet("workers", "id")].cell(row=2, column=1).value
    assert nik not in text and nik[:6] not in str(e.value).replace("61.11.01", "")  # the NIK is never shown


def test_same_mistakes_in_english(tmp_path):
    path = excel.write_template(tmp_path / "t.xlsx", lang="en", workers=True)
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet("workers", "en")]
    ws.insert_rows(10)
    ws.cell(row=20, column=4).value = "sawitt"
    wb.save(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    assert [str(p) for p in e.value.problems] == ["workers, row 20, column sector: 'sawitt' is not a known sector (nearest: palm (sawit))"]


@pytest.mark.parametrize("lang", ["en", "id"])
def test_template_in_the_planners_words(tmp_path, lang):
    path = excel.write_template(tmp_path / f"t_{lang}.xlsx", lang=lang)
    wb = openpyxl.load_workbook(path)
    data_sheets = [sheet(k, lang) for k in ("settings", "phases", "villages", "worker_groups", "sources", "budgets")]
    assert wb.sheetnames == [sheet("instructions", lang), *data_sheets, sheet("lists", lang)]
    assert wb[sheet("lists", lang)].sheet_state == "hidden"
    # values in the planner's words
    groups = wb[sheet("worker_groups", lang)]
    head = [c.value for c in groups[1]]
    assert head[:4] == [label(c, lang) for c in ("village", "priority", "sector", "count")]
    pri = {groups.cell(row=i, column=2).value for i in range(2, groups.max_row + 1)}
    assert pri <= {term("priority", k, lang) for k in labels.known("priority")} and term("priority", "extreme", lang) in pri
    src = wb[sheet("sources", lang)]
    kinds = {src.cell(row=i, column=2).value for i in range(2, src.max_row + 1)}
    assert kinds == {term("kind", "apbdes", lang), term("kind", "apbd", lang)}
    settings = wb[sheet("settings", lang)]
    keys = [settings.cell(row=i, column=1).value for i in range(2, settings.max_row + 1)]
    assert label("quota_bonus", lang, "settings") in keys and "quota_bonus" not in keys
    if lang == "id":
        assert "bobot miskin ekstrem" in keys and "target minimal per desa" in keys
    # a drop-down on every closed-set column
    for name, cols in (("worker_groups", ("village", "priority", "sector")), ("sources", ("kind", "scope", "eligible_sector")), ("budgets", ("source", "village"))):
        ws = wb[sheet(name, lang)]
        heads = {c.value: c.column_letter for c in ws[1]}
        covered = {str(r).split(":")[0][0] for dv in ws.data_validations.dataValidation for r in dv.sqref.ranges}
        for c in cols:
            assert heads[label(c, lang)] in covered, (name, c)
    dv_formulas = [dv.formula1 for dv in groups.data_validations.dataValidation]
    assert any(sheet("lists", lang) in f for f in dv_formulas)
    lists = wb[sheet("lists", lang)]
    listed = [lists.cell(row=i, column=2).value for i in range(2, lists.max_row + 1) if lists.cell(row=i, column=2).value]
    assert listed == [term("sector", k, lang) for k in labels.known("sector")]
    # the instructions describe exactly the columns written
    ins = wb[sheet("instructions", lang)]
    described = {(r[0], r[1]) for r in ins.iter_rows(min_row=5, values_only=True) if r[0] and r[1]}
    written = {(name, c.value) for name in data_sheets[1:] for c in wb[name][1]}
    assert written <= described
    assert {d for d in described if d[0] in data_sheets[1:]} == written
    # and it reads back as the same scenario
    expected = pa.Scenario.from_dict(cases.kayong_utara_2023(villages=6))
    assert excel.read_workbook(path).model_dump(exclude={"name"}) == expected.model_dump(exclude={"name"})


def test_money_typed_as_planners_do(tmp_path):
    path = excel.write_template(tmp_path / "t.xlsx", lang="id")
    wb = openpyxl.load_workbook(path)
    wb[sheet("sources", "id")]["D3"] = "Rp 25.000.000"
    b = wb[sheet("budgets", "id")]
    b["C2"], b["C3"], b["C4"] = "25.000.000", "25jt", "0,025 M"
    wb.save(path)
    sc = excel.read_workbook(path)
    assert sc.sources[1].budget == 25_000_000
    assert list(sc.sources[0].budgets.values())[:3] == [25_000_000] * 3


def test_a_nik_typed_as_a_number_is_refused(tmp_path):
    path = excel.write_template(tmp_path / "t.xlsx", lang="id", workers=True)
    wb = openpyxl.load_workbook(path)
    wb[sheet("workers", "id")]["A5"] = 6111010000000004
    wb.save(path)
    with pytest.raises(pa.ScenarioError) as e:
        excel.read_workbook(path)
    assert [p.path for p in e.value.problems] == ["pekerja, baris 5, kolom NIK"]
    assert "15 digit" in e.value.problems[0].message
