"""``premium-alloc regions`` and ``premium-alloc template --regency``: real Kemendagri places."""

from __future__ import annotations

import pandas as pd

import premium_alloc as pa
from premium_alloc.cli import main


def test_regions_lists_a_regencys_villages(capsys):
    assert main(["regions", "62.03"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "Kabupaten Kapuas (62.03): 231 villages = 214 desa + 17 kelurahan, 17 districts" in text
    assert "62.03.01.2011" in text and "Pulau Telo" in text and "Murung Keramat" in text
    assert text.count("kelurahan") >= 17


def test_regions_of_a_province_a_district_and_a_village(capsys):
    assert main(["regions", "61"]) == 0
    text = capsys.readouterr().out
    assert "Kalimantan Barat" in text and "Kabupaten Kayong Utara" in text and "61.11" in text
    assert main(["regions", "61.11.01"]) == 0
    assert "Sukadana (61.11.01)" in " ".join(capsys.readouterr().out.split())
    assert main(["regions", "62.03.01.1006"]) == 0
    assert "Murung Keramat (kelurahan), Selat, Kabupaten Kapuas, Kalimantan Tengah" in " ".join(capsys.readouterr().out.split())


def test_regions_unknown_code_is_an_error_without_traceback(capsys):
    assert main(["regions", "62.99"]) == 1
    err = capsys.readouterr().err
    assert "'62.99' is not in the Kemendagri 2025 list" in err and "Traceback" not in err
    assert main(["regions", "Kapuas"]) == 1
    assert "is not a Kemendagri code" in capsys.readouterr().err


def test_template_prefilled_with_the_regencys_villages(tmp_path, capsys):
    path = tmp_path / "kapuas.xlsx"
    assert main(["template", "--regency", "62.03", "--lang", "id", str(path)]) == 0
    assert "231 villages (214 desa, 17 kelurahan)" in " ".join(capsys.readouterr().out.split())
    sheets = pd.read_excel(path, sheet_name=None)
    assert "desa" in sheets and "anggaran desa" in sheets  # Bahasa sheet names
    sc = pa.load_scenario(path)
    assert len(sc.villages) == 231 and sc.villages[0].name == "Murung Keramat"
    assert len(sc.sources[0].budgets) == 214  # a village budget row for each desa, none for a kelurahan
    assert sum(g.count for g in sc.worker_groups) == 0
    r = pa.solve(sc)
    assert r.phases[0].eligible == 0


def test_template_bad_regency(tmp_path, capsys):
    assert main(["template", "--regency", "61.06.01", str(tmp_path / "x.xlsx")]) == 1
    assert "is not a regency code in the Kemendagri 2025 list" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_reports_and_workbooks_name_villages_a_scenario_gives_only_codes(tmp_path):
    from premium_alloc import cases, workbook
    from premium_alloc.report import summary_tables
    from premium_alloc.result import named, village_names

    sc = cases.kayong_utara_2023(villages=6)
    for v in sc["villages"]:
        v.pop("name"), v.pop("district")
    sc["villages"].append({"id": "KU-extra"})  # not a code: no name to find
    r = pa.solve(sc)
    names = village_names(r)
    assert names["61.11.01.2001"] == "Sutera" and names["61.11.01.2006"] == "Harapan Mulia" and "KU-extra" not in names
    frame = named(r.villages_frame(), r)
    assert list(frame.columns[:2]) == ["village", "village_name"]
    assert frame.set_index("village").loc["61.11.01.2002", "village_name"] == "Pangkalan Buton"
    from rich.console import Console

    console = Console(width=200, record=True, file=open(tmp_path / "out.txt", "w"))
    for t in summary_tables(r, width=200):
        console.print(t)
    text = console.export_text()
    below = [v.village for v in r.villages if not v.quota_met]
    assert below and all(names[v] in text for v in below[:10] if v in names)
    out = workbook.write_result(r, tmp_path / "hasil.xlsx", lang="id")
    assert out.exists()
