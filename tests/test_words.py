"""Words and numbers: the closed vocabulary, the one money parser, formatters per language."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import premium_alloc as pa
from premium_alloc import cases, labels
from premium_alloc.formats import MoneyError, compact, count, parse_money, rupiah
from premium_alloc.rates import default_table


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Rp 25.000.000", 25_000_000),
        ("25.000.000", 25_000_000),
        ("Rp25.000.000,-", 25_000_000),
        ("Rp 1.234.567,00", 1_234_567),
        ("25,000,000", 25_000_000),
        ("25jt", 25_000_000),
        ("250 juta", 250_000_000),
        ("2,5 M", 2_500_000_000),
        ("2,5 miliar", 2_500_000_000),
        ("2.5bn", 2_500_000_000),
        ("2.5e9", 2_500_000_000),
        ("2_000_000_000", 2_000_000_000),
        ("750rb", 750_000),
        ("1 T", 10**12),
        (2.5e9, 2_500_000_000),
        (16800, 16800),
    ],
)
def test_money_as_typed(text, value):
    assert parse_money(text) == value


@pytest.mark.parametrize("text", ["abc", "2,5", "1.5", "25.00.000", "2,5 X", "-5", "", "Rp", "1.234,5"])
def test_money_refused_with_a_hint(text):
    with pytest.raises(MoneyError) as e:
        parse_money(text)
    assert repr(text) in str(e.value)
    if text not in ("-5",):
        assert "25jt" in str(e.value) or "whole number" in str(e.value)


@given(st.integers(min_value=0, max_value=10**15))
def test_money_reads_back_what_the_formatters_write(n):
    assert parse_money(rupiah(n, "id")) == n
    assert parse_money(rupiah(n, "en")) == n
    assert parse_money(count(n, "id")) == n
    assert parse_money(str(n)) == n


def test_one_formatter_per_language():
    assert (count(5894, "id"), rupiah(608_395_200, "id")) == ("5.894", "Rp608.395.200")
    assert (count(5894, "en"), rupiah(608_395_200, "en")) == ("5,894", "Rp608,395,200")
    assert compact(1_180_000_000, "id") == "Rp1,18 M" and compact(1_180_000_000, "en") == "Rp1.18 bn"
    assert compact(250_000_000, "id") == "Rp250 jt" and compact(250_000_000, "en") == "Rp250 mn"
    assert compact(999_999, "id") == "Rp999.999"


@pytest.mark.parametrize(
    ("field", "typed", "key"),
    [
        ("priority", "miskin ekstrem", "extreme"),
        ("priority", "Extreme", "extreme"),
        ("priority", " MISKIN ", "poor"),
        ("priority", "rentan", "vulnerable"),
        ("sector", "sawit", "palm"),
        ("sector", "Kelapa Sawit", "palm"),
        ("sector", "pertanian", "farming"),
        ("kind", "Dana Desa", "dana_desa"),
        ("kind", "dana-desa", "dana_desa"),
        ("kind", "DBH Sawit", "dbh_sawit"),
        ("kind", "APBD", "apbd"),
        ("scope", "desa", "village"),
        ("scope", "kabupaten", "regency"),
        ("program", "jkk", "JKK"),
    ],
)
def test_vocabulary_synonyms(field, typed, key):
    assert labels.canonical(field, typed) == key


def test_vocabulary_kinds_are_the_rate_tables_funders():
    assert set(labels.known("kind")) == set(default_table().funders)


def test_vocabulary_is_unambiguous():
    """No word stands for two values of one field."""
    data = yaml.safe_load(open(labels.__file__.replace("labels.py", "data/labels.yaml"), encoding="utf-8"))["vocabulary"]
    for field, entries in data.items():
        seen: dict[str, str] = {}
        for key, e in entries.items():
            for w in {labels._norm(x) for x in (key, e["en"], e["id"], *e.get("synonyms", []))}:
                assert seen.setdefault(w, key) == key, (field, w)


def test_synonyms_in_a_scenario_mean_what_they_say():
    d = cases.kayong_utara_2023(villages=3)
    d["worker_groups"][0]["priority"] = "Miskin Ekstrem"
    d["worker_groups"][1]["sector"] = "Sawit"
    d["sources"][0]["kind"] = "Dana Desa"
    sc = pa.Scenario.from_dict(d)
    assert sc.worker_groups[0].priority == "extreme"
    assert sc.worker_groups[1].sector == "palm"
    assert sc.sources[0].kind == "dana_desa"


def test_unknown_words_are_errors_naming_field_value_and_nearest():
    d = cases.kayong_utara_2023(villages=3)
    d["worker_groups"][0]["priority"] = "ekstrim"
    d["worker_groups"][1]["sector"] = "sawitt"
    d["sources"][0]["kind"] = "Dana Dessa"
    problems = {p.path: p.message for p in pa.validate_dict(d)}
    assert "'ekstrim' is not a known priority" in problems["worker_groups[0].priority"] and "extreme" in problems["worker_groups[0].priority"]
    assert "'sawitt' is not a known sector (nearest: palm" in problems["worker_groups[1].sector"]
    assert "'Dana Dessa' is not a known kind (nearest: dana_desa" in problems["sources[0].kind"]


def test_declared_labels_are_used_as_declared():
    d = cases.kayong_utara_2023(villages=3)
    d["worker_groups"][0]["priority"] = "disabled"
    d["worker_groups"][1]["sector"] = "rubber_tapping"
    d.setdefault("objective", {}).setdefault("priority_weights", {})["disabled"] = 4
    d["labels"] = {"sector": ["rubber_tapping"]}
    sc = pa.Scenario.from_dict(d)
    assert sc.worker_groups[0].priority == "disabled" and sc.worker_groups[1].sector == "rubber_tapping"
    r = pa.solve(sc)
    assert r.status in ("optimal", "feasible")


def test_money_typed_in_a_scenario_file():
    d = cases.kayong_utara_2023(villages=3)
    d["sources"][1]["budget"] = "Rp 250.000.000"
    assert pa.Scenario.from_dict(d).sources[1].budget == 250_000_000
    d["sources"][1]["budget"] = "250 rupiah-ish"
    problems = pa.validate_dict(d)
    assert any(p.path == "sources[1].budget" and "'250 rupiah-ish' is not an amount of rupiah" in p.message for p in problems)


def test_dbh_limited_to_a_sector_nobody_has_warns():
    d = cases.kayong_utara_2023(villages=3)
    for g in d["worker_groups"]:
        g["sector"] = "farming"
    d["sources"].append({"id": "DBH", "kind": "DBH Sawit", "scope": "regency", "budget": 10**8, "eligible": {"sector": ["sawit"]}})
    r = pa.solve(d)
    assert any("DBH" in w and "palm" in w and "no worker" in w for w in r.warnings)


def test_worker_csv_read_through_the_vocabulary(tmp_path):
    d = cases.kayong_utara_2023(villages=2)
    vids = [v["id"] for v in d["villages"]]
    csv = tmp_path / "w.csv"
    csv.write_text("worker_id,village,priority,sector\n" + "\n".join(f"61110{i:011d},{vids[i % 2]},{'Miskin Ekstrem' if i % 2 else 'rentan'},sawit" for i in range(10)) + "\n")
    d.pop("worker_groups")
    d["workers"] = str(csv)
    r = pa.solve(d)
    g = r.model.groups
    assert set(g["priority"]) == {"extreme", "vulnerable"} and set(g["sector"]) == {"palm"}
    csv.write_text("worker_id,village,priority,sector\n" + f"6111000000000001,{vids[0]},ekstrem,sawitt\n")
    with pytest.raises(pa.ScenarioError) as e:
        pa.solve(d)
    assert "w.csv line 2, sector: 'sawitt' is not a known sector (nearest: palm" in str(e.value)


def test_warnings_in_bahasa_whole_or_not_at_all():
    from premium_alloc.labels import translate

    text = "uncovered worker(s) 1,505 in p1, 40 in p2, in 2 village(s) (61.05.01.2007, 61.05.01.2008): no source may pay for them"
    assert translate(text, "id") == (
        "pekerja belum tercakup 1.505 pada p1, 40 pada p2, di 2 desa (61.05.01.2007, 61.05.01.2008): tidak ada sumber dana yang boleh membayar mereka"
    )
    assert translate(text, "en") == text
    # a sentence without a translation stays whole in English: never half translated
    other = "source DD (dana_desa) pays for phase p2 (2024-07..2024-12): a rule of the rate table"
    assert translate(other, "id") == other
