"""Scenarios that used to validate and then plan nonsense (or crash): each is now refused in words."""

from __future__ import annotations

import copy
import json
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

import premium_alloc as pa
from premium_alloc.cli import main
from premium_alloc.errors import ScenarioError
from premium_alloc.scenario import MAX_WEIGHT, validate_dict

V1, V2 = "62.03.01.2011", "62.03.01.2020"
NIK = "3201234567890123"


def base() -> dict:
    return {
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        "villages": [{"id": V1}, {"id": V2}],
        "worker_groups": [
            {"village": V1, "count": 10, "priority": "extreme", "sector": "palm"},
            {"village": V2, "count": 5, "priority": "poor", "sector": "farming"},
        ],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 500_000, V2: 300_000}},
            {"id": "APBD", "kind": "apbd", "budget": 1_000_000},
        ],
    }


def problems(d: dict) -> list[str]:
    return [str(p) for p in validate_dict(d)]


def test_overlapping_phases_are_refused():
    d = base()
    d["phases"] = [{"id": "year", "start": "2024-01", "months": 12}, {"id": "mid", "start": "2024-06", "months": 6}]
    msgs = problems(d)
    assert any(m.startswith("phases[1]: 'mid' overlaps phases[0] 'year' in 2024-06 to 2024-11") and "paid twice" in m for m in msgs), msgs


def test_phases_that_follow_each_other_are_fine():
    assert problems(base()) == []


def test_a_phase_listed_twice_by_a_source_is_refused():
    d = base()
    d["sources"][1]["phases"] = ["p1", "p1"]
    assert problems(d) == ["sources[1].phases[1]: 'p1' is listed twice (a phase is paid once)"]


def test_empty_programs_are_refused():
    d = base()
    d["programs"] = []
    assert problems(d) == ["programs: [] must not be empty"]


def test_an_empty_string_in_a_filter_is_refused_before_solving(tmp_path, capsys):
    d = base()
    d["sources"][1]["eligible"] = {"regency": [""]}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    assert main(["solve", str(path), "-q"]) == 1  # was exit 4 (verification) after solving
    assert "sources[1].eligible.regency[0]: is empty" in capsys.readouterr().err


@pytest.mark.parametrize("start", ["0000-01", "9999-12", "1899-12", "2101-01"])
def test_years_outside_1900_2100_are_refused(tmp_path, capsys, start):
    d = base()
    d["phases"] = [{"id": "p1", "start": start, "months": 6}]
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    assert main(["solve", str(path), "-q"]) == 1  # was exit 70
    assert "is not a year from 1900 to 2100" in capsys.readouterr().err


@pytest.mark.parametrize("field", ["quota_bonus", "weight"])
def test_huge_weights_and_bonuses_are_refused(tmp_path, capsys, field):
    d = base()
    d["objective"] = {"quota_bonus": 1e300} if field == "quota_bonus" else {"priority_weights": {"extreme": 1e300}}
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    assert main(["solve", str(path), "-q"]) == 1  # was overflow warnings, then exit 70
    assert f"above the limit of {MAX_WEIGHT:,}" in capsys.readouterr().err
    d["objective"] = {"quota_bonus": MAX_WEIGHT, "priority_weights": {"extreme": MAX_WEIGHT}}
    assert problems(d) == []


# --------------------------------------------------------------------------- ids as people type them


def test_ids_differing_only_in_case_are_duplicates():
    d = base()
    d["villages"].append({"id": V1.replace("62", "62") + "A"})
    d["villages"].append({"id": V1 + "a"})
    msgs = problems(d)
    assert any("villages[3].id" in m and "duplicate" in m and "but for case" in m for m in msgs), msgs


def test_surrounding_spaces_and_unicode_forms_name_the_same_id():
    d = base()
    d["villages"][0]["id"] = "Désa Satu"  # NFC
    nfd = unicodedata.normalize("NFD", "Désa Satu")
    d["worker_groups"][0]["village"] = f"  {nfd}\u00a0"
    d["sources"][0]["budgets"] = {f" {nfd}": 500_000, V2: 300_000}
    sc = pa.Scenario.from_dict(d)
    assert sc.worker_groups[0].village == "Désa Satu" == sc.villages[0].id
    assert list(sc.sources[0].budgets) == ["Désa Satu", V2]


@pytest.mark.parametrize("bad", ["\u200b", "\u00a0", "\u2060", "\ufeff", "\x07"])
def test_an_invisible_character_inside_an_id_is_refused(bad):
    d = base()
    d["villages"][1]["id"] = V2[:5] + bad + V2[5:]
    msgs = problems(d)
    assert any(m.startswith("villages[1].id:") and "invisible character" in m for m in msgs), msgs


def test_two_niks_differing_by_an_invisible_character_are_not_two_people(tmp_path):
    from premium_alloc.io.workers import read_workers

    csv = tmp_path / "w.csv"
    csv.write_text(f"worker_id,village,priority,sector\n{NIK},{V1},poor,palm\n{NIK}\u200b,{V1},poor,palm\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_workers(csv, villages=[V1])
    msg = str(info.value)
    assert "line 3, worker_id: contains an invisible character" in msg and NIK not in msg


def test_niks_differing_in_case_or_spaces_are_duplicates(tmp_path):
    from premium_alloc.io.workers import read_workers

    csv = tmp_path / "w.csv"
    csv.write_text(f"worker_id,village,priority,sector\nab{NIK},{V1},poor,palm\n AB{NIK} ,{V1},poor,palm\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        read_workers(csv, villages=[V1])
    assert "line 3, worker_id: duplicates the worker_id of line 2" in str(info.value)


# --------------------------------------------------------------------------- never a NIK or a name echoed


def test_a_nik_typed_as_a_village_is_never_echoed_in_yaml_errors(tmp_path, capsys):
    d = base()
    d["worker_groups"][0]["village"] = NIK
    d["sources"][0]["budgets"][NIK] = 1000
    d["sources"][1]["eligible"] = {"village": [NIK], "sector": ["Budi Santoso"]}
    d["objective"] = {"source_order": ["Siti Rahayu"]}
    path = tmp_path / "s.yaml"
    import yaml

    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is not a known village" in err
    assert NIK not in err and "Budi Santoso" not in err and "Siti Rahayu" not in err
    assert "320123" in err  # masked, the region code kept


def test_a_nik_typed_as_a_village_is_never_echoed_in_workbook_errors(tmp_path, capsys):
    from premium_alloc.io.excel import write_scenario

    d = base()
    d["worker_groups"][0]["village"] = NIK
    book = write_scenario(d, tmp_path / "book.xlsx")
    assert main(["validate", str(book)]) == 1
    err = capsys.readouterr().err
    assert "is not a known village" in err and NIK not in err


def test_a_nik_in_a_pydantic_field_error_is_masked():
    d = base()
    d["sources"][0]["budgets"] = {V1: f"NIK {NIK}"}
    msgs = problems(d)
    assert msgs and not any(NIK in m for m in msgs)
    d = base()
    d["sources"][0]["budgets"] = {NIK: -5}
    msgs = problems(d)
    assert msgs and not any(NIK in m for m in msgs), msgs


# --------------------------------------------------------------------------- property: ids in any typed form


def _variants(text: str):
    """Forms of one id a planner may type: padded with spaces, NFD, no-break spaces at the edges."""
    return st.sampled_from(
        [
            text,
            f" {text}",
            f"{text}  ",
            f"\u00a0{text}\t",
            unicodedata.normalize("NFD", text),
            f" {unicodedata.normalize('NFD', text)} ",
        ]
    )


NAMES = ["Désa Ünggul", "Kampung Ñam", "62.03.01.2011", "Sungai Ayak", "Tanjung Puri"]


@st.composite
def typed_scenarios(draw):
    """A scenario whose ids are typed in varied forms, with its canonical twin; sometimes a case clash."""
    k = draw(st.integers(2, 4))
    names = NAMES[:k]
    canon = {
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 3}],
        "villages": [{"id": n} for n in names],
        "worker_groups": [{"village": n, "count": draw(st.integers(1, 30)), "priority": "extreme", "sector": "palm"} for n in names],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {n: draw(st.integers(0, 300_000)) for n in names}},
            {"id": "APBD", "kind": "apbd", "budget": draw(st.integers(0, 2_000_000))},
        ],
    }
    typed = copy.deepcopy(canon)
    typed["villages"] = [{"id": draw(_variants(n))} for n in names]
    typed["worker_groups"] = [{**g, "village": draw(_variants(g["village"]))} for g in canon["worker_groups"]]
    typed["sources"][0]["budgets"] = {draw(_variants(n)): b for n, b in canon["sources"][0]["budgets"].items()}
    clash = draw(st.booleans())
    if clash:  # one more village: an existing id in other case
        typed["villages"].append({"id": draw(st.sampled_from(names)).swapcase()})
    return canon, typed, clash


@given(typed_scenarios())
def test_typed_forms_of_ids_plan_exactly_as_the_canonical_ids(case):
    canon, typed, clash = case
    if clash:
        msgs = problems(typed)
        assert any("duplicate id" in m for m in msgs), msgs
        return
    a, b = pa.solve(canon), pa.solve(typed)
    assert b.objective == a.objective
    assert [(v.village, v.covered) for v in b.villages] == [(v.village, v.covered) for v in a.villages]
    assert sum(s.spent_idr for s in b.sources) == sum(s.spent_idr for s in a.sources)
