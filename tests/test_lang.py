"""Bahasa Indonesia end to end: every command's --lang id output has no English title, one locale per output."""

from __future__ import annotations

import re

import openpyxl
import pytest

from premium_alloc.cli import main
from premium_alloc.io import excel
from premium_alloc.labels import label, sheet, table

#: every English table title and fixed line of the labels data
EN_TITLES = sorted(
    {v["en"].split("{")[0].strip() for k, v in table()["words"].items() if k.startswith(("title_", "all_floors", "budgets_bind", "solved_in", "no_setting")) and len(v["en"].split("{")[0].strip()) > 6}
)
EN_ONLY = re.compile(r"Rp\d{1,3}(,\d{3})+")  # an English rupiah amount in an Indonesian output


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    path = tmp_path_factory.mktemp("lang") / "buku.xlsx"
    excel.write_template(path, lang="id", workers=True)
    return path


COMMANDS = [
    ["solve", "{book}"],
    ["validate", "{book}"],
    ["premium", "--funder", "Dana Desa"],
    ["template", "{tmp}/t.xlsx"],
    ["compare", "{book}", "-v", "apbd+50jt:APBD+=50jt"],
    ["frontier", "{book}", "-s", "APBD", "--factors", "0,1,2"],
    ["need", "{book}", "-s", "APBD", "-t", "extreme"],
    ["marginal", "{book}"],
    ["explain", "{book}", "--settings"],
]


@pytest.mark.parametrize("args", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_lang_id_output_has_no_english_title(args, book, tmp_path, capsys):
    argv = [a.format(book=book, tmp=tmp_path) for a in args] + ["--lang", "id"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert text.strip()
    for title in EN_TITLES:
        assert title not in text, (args[0], title)
    cells = "\n".join(line for line in text.splitlines() if line.startswith("│"))  # the tables' rows
    assert not EN_ONLY.search(cells), (args[0], EN_ONLY.search(cells))


def test_demo_in_bahasa(capsys):
    assert main(["demo", "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "kabupaten berbentuk seperti Kapuas" in text and "selesai dalam" in text
    for title in EN_TITLES:
        assert title not in text
    assert not EN_ONLY.search(text)


def test_errors_in_bahasa(book, tmp_path, capsys):
    wb = openpyxl.load_workbook(book)
    wb[sheet("workers", "id")]["D7"] = "sawitt"
    bad = tmp_path / "salah.xlsx"
    wb.save(bad)
    assert main(["validate", str(bad), "--lang", "id"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("masukan tidak valid: 1 masalah pada masukan")
    assert "pekerja, baris 7, kolom sektor: 'sawitt' bukan sektor yang dikenal" in err


@pytest.mark.parametrize("args", [["solve", "{book}"], ["frontier", "{book}", "-s", "APBD", "--factors", "0,1,2,3"], ["explain", "{book}"], ["compare", "{book}", "-v", "a:APBD+=50jt", "-v", "b:APBD+=100jt"]], ids=lambda a: a[0])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_eighty_columns_right_aligned_and_compact(book, capsys, args, lang):
    from premium_alloc.cli.app import out

    old = out.width
    out.width = 80
    try:
        assert main([a.format(book=book) for a in args] + ["--lang", lang]) == 0
    finally:
        out.width = old
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert not any("…" in line for line in lines)  # no number cut short
    rows = [line for line in lines if line.startswith("│")]
    money = re.compile(r"Rp[\d.,]+( (jt|M|T|mn|bn|tn))?")
    for line in rows:  # a number never spans two cells or two lines: every cell with digits is one whole figure
        for cell in line.strip("│").split("│"):
            text = cell.strip()
            if text.startswith("Rp"):
                assert money.fullmatch(text.split(" / ")[0]), text
                assert cell.endswith(" ") and cell.startswith(" ") and cell.rstrip().endswith(text)  # right-aligned


def test_plan_from_a_workbook_worker_sheet(book, tmp_path):
    plan, result = tmp_path / "rencana.csv", tmp_path / "hasil.xlsx"
    assert main(["solve", str(book), "--plan", str(plan), "--xlsx", str(result), "--lang", "id", "-q"]) == 0
    lines = plan.read_text(encoding="utf-8").splitlines()
    first_nik = openpyxl.load_workbook(book)[sheet("workers", "id")]["A2"].value
    assert first_nik not in plan.read_text(encoding="utf-8")  # masked by default
    assert any(line.startswith(first_nik[:6] + "*") for line in lines[1:])
    wb = openpyxl.load_workbook(result)
    ws = wb[sheet("per_worker", "id")]
    assert [c.value for c in ws[1]][:2] == [label("worker_id", "id"), label("village", "id")]
    ids = [ws.cell(row=i, column=1).value for i in range(2, ws.max_row + 1)]
    assert ids and all("*" in i for i in ids) and first_nik not in ids


def test_compare_and_frontier_workbooks_formatted(book, tmp_path):
    c, f = tmp_path / "banding.xlsx", tmp_path / "kurva.xlsx"
    assert main(["compare", str(book), "-v", "apbd+50jt:APBD+=50jt", "--xlsx", str(c), "--lang", "id"]) == 0
    assert main(["frontier", str(book), "-s", "APBD", "--factors", "0,1,2", "--xlsx", str(f), "--lang", "id"]) == 0
    wb = openpyxl.load_workbook(c)
    assert wb.sheetnames == [sheet("compare", "id"), sheet("sources", "id")]
    ws = wb[sheet("compare", "id")]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert ws.freeze_panes == "B2"
    assert rows[label("shortfall_idr", "id")][1].number_format == '[$-421]"Rp"#,##0'
    assert rows[label("worker_months", "id")][1].number_format == "[$-421]#,##0"
    ws = openpyxl.load_workbook(f)[sheet("frontier", "id")]
    head = [c.value for c in ws[1]]
    col = head.index(label("source_budget_idr", "id")) + 1
    budgets = [ws.cell(row=i, column=col).value for i in range(2, ws.max_row + 1)]
    assert budgets == sorted(budgets) and ws.cell(row=2, column=col).number_format == '[$-421]"Rp"#,##0'
    assert ws.freeze_panes == "A2"


def test_help_shows_flags_without_type_tags(capsys):
    assert main(["solve", "--help"]) == 0
    text = capsys.readouterr().out
    assert "<bool>" not in text and "--quiet" in text


def test_frames_in_bahasa(book):
    import premium_alloc as pa

    r = pa.solve(book)
    fr = r.frames("id")
    assert label("phase", "id") in fr["phases"].columns and label("covered", "id") in fr["villages"].columns
    assert label("shortfall_idr", "id") in fr["phases"].columns and "shortfall_idr" in r.frames()["phases"].columns


def test_scenario_file_errors_in_bahasa(tmp_path, capsys):
    from premium_alloc import cases

    d = cases.kayong_utara_2023(villages=2)
    d["sources"][1]["budget"] = -5
    d["worker_groups"][0]["sector"] = "sawitt"
    import yaml

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    assert main(["validate", str(path), "--lang", "id"]) == 1
    err = capsys.readouterr().err
    assert "sources[1].budget: -5 bernilai negatif" in err  # the field path stays, the sentence is translated
    assert "worker_groups[0].sector: 'sawitt' bukan sektor yang dikenal" in err


def test_help_in_bahasa(capsys):
    assert main(["solve", "--help", "--lang", "id"]) == 0
    text = capsys.readouterr().out
    assert "Hitung skenario" in text and "tulis hasil JSON ke sini" in text and "<bool>" not in text
    assert main(["solve", "--help"]) == 0
    assert "write the result JSON here" in capsys.readouterr().out


# ---- funder-rule warnings in Bahasa -----------------------------------------------------------
def test_every_funder_rule_has_its_sentence_in_bahasa():
    from premium_alloc.rates import default_table

    rules = default_table().funder_rules
    assert rules
    assert all(r.message_id and r.message_id != r.message for r in rules)


def test_rule_warnings_read_in_bahasa_with_their_reference():
    import copy

    import premium_alloc as pa
    from premium_alloc import labels, synthetic

    base = synthetic.kapuas_2024()
    jp = copy.deepcopy(base)
    jp["programs"] = ["JKK", "JKM", "JP"]
    y2026 = copy.deepcopy(base)
    for p in y2026["phases"]:
        p["start"] = p["start"].replace("2024", "2026")
    wide = copy.deepcopy(base)
    for s in wide["sources"]:
        if s["kind"] == "dbh_sawit":
            s.pop("eligible", None)
    seen = []
    for sc in (base, jp, y2026, wide):
        seen += pa.solve(sc).warnings
    texts = [labels.translate(w, "id") for w in dict.fromkeys(seen)]
    dd2024 = next(t for t in texts if "dana_desa_2024" in t)
    assert dd2024.startswith("sumber dana DD (dana_desa) membayar tahap p1 (2024-01..2024-06); tahap p2")
    assert "tidak dapat digunakan\" untuk iuran BPJS Ketenagakerjaan pada 2024" in dd2024
    assert "(aturan dana_desa_2024: Kemendes PDTT SE 4/PRI.00/I/2024" in dd2024 and dd2024.endswith("keyakinan N)")
    discount = next(t for t in texts if "PP 50/2025" in t and "p2" in t)
    assert "Rp100.800 per pekerja" in discount and "Rp50.400 bila mendapat diskon" in discount  # 6 x 16,800; 6 x 8,400
    for t in texts:
        for english in ("source ", "pays for", " phase ", "confidence", "worker(s)", "the default", "if it got"):
            assert english not in t, (english, t)
