"""Loading scenarios (YAML, JSON, dicts) and the contract's "Bad input" section.

Every problem must be reported with its field path and the offending value, all at once,
before any solving, never with a traceback and never with a worker ID.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import premium_alloc as pa
from premium_alloc import Scenario, ScenarioError, load_scenario, validate_dict

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, V2, valid_base
except ImportError:  # tests imported as a package
    from tests.handworked import V1, V2, valid_base

YAML_TEXT = f"""\
format: premium-alloc/v1
name: Kapuas 2024 (illustrative)
programs: [JKK, JKM]
income: 1000000
phases:
  - {{id: p1, start: 2024-01, months: 6}}
  - {{id: p2, start: 2024-07, months: 6}}
quota: {{min: 100}}
villages:
  - {{id: "{V1}", name: Desa Contoh, regency: "62.03", quota: {{min: 100, max: 150}}}}
worker_groups:
  - {{village: "{V1}", count: 250, priority: extreme, sector: palm}}
  - {{village: "{V1}", count: 90, priority: poor, sector: farming, income: 1500000}}
sources:
  - {{id: DD, kind: dana_desa, scope: village, budgets: {{"{V1}": 25000000}}}}
  - {{id: DBH, kind: dbh_sawit, scope: regency, budget: 1200000000, eligible: {{sector: [palm]}}}}
  - {{id: APBD23, kind: apbd, scope: regency, budget: 300000000, phases: [p1]}}
  - {{id: APBD24, kind: apbd, scope: regency, budget: 3000000000}}
objective:
  priority_weights: {{extreme: 3, poor: 2, vulnerable: 1}}
  quota_bonus: 10
  continuity: false
  source_order: [DD, DBH, APBD23, APBD24]
  gap: 0.005
  time_limit: 60
"""


def good() -> dict:
    """A small valid scenario dict (the base of every bad-input case)."""
    return valid_base("base")


def problems_of(data) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    msgs = [str(p) for p in info.value.problems]
    # the exception text lists every one of them too
    for m in msgs:
        assert m in str(info.value)
    return msgs


def one_problem(data) -> str:
    msgs = problems_of(data)
    assert len(msgs) == 1, msgs
    return msgs[0]


# ---- loading --------------------------------------------------------------------------------
def test_the_base_scenario_is_valid():
    assert validate_dict(good()) == []
    sc = load_scenario(good())
    assert isinstance(sc, Scenario)
    assert [s.id for s in sc.sources] == ["DD", "DBH", "APBD"]


def test_load_the_contract_example_from_yaml(tmp_path):
    path = tmp_path / "kapuas.yaml"
    path.write_text(YAML_TEXT, encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "Kapuas 2024 (illustrative)"
    assert sc.programs == ["JKK", "JKM"]
    # an unquoted 2024-01 in YAML is a YYYY-MM string, not a date
    assert [(p.id, p.start, p.months) for p in sc.phases] == [("p1", "2024-01", 6), ("p2", "2024-07", 6)]
    assert sc.villages[0].quota is not None and (sc.villages[0].quota.min, sc.villages[0].quota.max) == (100, 150)
    assert [(g.count, g.income) for g in sc.worker_groups] == [(250, None), (90, 1_500_000)]
    assert sc.sources[0].budgets == {V1: 25_000_000}
    assert sc.sources[1].budget == 1_200_000_000
    assert sc.sources[2].phases == ["p1"]
    assert sc.objective.quota_bonus == 10 and sc.objective.gap == 0.005
    assert [s.id for s in sc.ordered_sources] == ["DD", "DBH", "APBD23", "APBD24"]
    # and it solves
    r = pa.solve(path)
    assert r.scenario == "Kapuas 2024 (illustrative)"
    assert r.phases[0].eligible == 340


def test_load_json_file(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good()), encoding="utf-8")
    sc = load_scenario(path)
    assert sc.name == "base"
    assert sc == load_scenario(good())


def test_yml_and_json_text_in_yaml_file_give_the_same_scenario(tmp_path):
    (tmp_path / "a.yml").write_text(json.dumps(good()), encoding="utf-8")  # JSON is YAML
    assert load_scenario(tmp_path / "a.yml") == load_scenario(good())


def test_solve_accepts_path_dict_and_scenario(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good()), encoding="utf-8")
    a = pa.solve(path, gap=0).to_json()
    b = pa.solve(good(), gap=0).to_json()
    c = pa.solve(load_scenario(good()), gap=0).to_json()
    assert a == b == c


def test_unknown_top_level_key_is_an_error():
    d = good()
    d["budgets"] = 5
    msg = one_problem(d)
    assert msg.startswith("budgets:")
    assert "unknown" in msg


def test_unknown_nested_key_is_an_error():
    d = good()
    d["sources"][1]["budjet"] = 5
    msg = one_problem(d)
    assert msg.startswith("sources[1].budjet:")


@pytest.mark.parametrize(
    "text,expected",
    [
        pytest.param("format: premium-alloc/v1\nphases: [\n", "cannot parse", id="yaml syntax error"),
        pytest.param(None, "no such file", id="missing file"),
        pytest.param("- 1\n- 2\n", "mapping", id="not a mapping"),
        # loaded safely: a Python tag is refused, never constructed
        pytest.param("!!python/object/apply:os.system ['echo hacked']\n", "cannot parse", id="python tag"),
    ],
)
def test_unreadable_file_is_a_scenario_error(tmp_path, text, expected):
    path = tmp_path / "s.yaml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert expected in str(info.value)


# ---- bad input: one problem each, path AND value in the message ---------------------------------
BAD_CASES = [
    # (id, mutate, expected path, expected value text)
    ("negative budget", lambda d: d["sources"][1].update(budget=-5), "sources[1].budget", "-5"),
    ("fractional budget", lambda d: d["sources"][1].update(budget=2.5), "sources[1].budget", "2.5"),
    ("negative village budget", lambda d: d["sources"][0]["budgets"].update({V1: -7}), f"sources[0].budgets.{V1}", "-7"),
    ("fractional village budget", lambda d: d["sources"][0]["budgets"].update({V1: 10.5}), f"sources[0].budgets.{V1}", "10.5"),
    ("negative count", lambda d: d["worker_groups"][1].update(count=-3), "worker_groups[1].count", "-3"),
    ("fractional count", lambda d: d["worker_groups"][0].update(count=2.5), "worker_groups[0].count", "2.5"),
    ("negative months", lambda d: d["phases"][1].update(months=-2), "phases[1].months", "-2"),
    ("fractional months", lambda d: d["phases"][0].update(months=1.5), "phases[0].months", "1.5"),
    ("zero months", lambda d: d["phases"][0].update(months=0), "phases[0].months", "0"),
    ("unknown village in group", lambda d: d["worker_groups"][1].update(village="62.99.99.9999"), "worker_groups[1].village", "62.99.99.9999"),
    ("unknown village in budgets", lambda d: d["sources"][0]["budgets"].update({"62.77.01.0001": 5}), "sources[0].budgets.62.77.01.0001", "62.77.01.0001"),
    ("unknown phase in source.phases", lambda d: d["sources"][2].update(phases=["p1", "p9"]), "sources[2].phases[1]", "p9"),
    ("unknown source in source_order", lambda d: d["objective"].update(source_order=["DD", "APBDX", "DBH"]), "objective.source_order[1]", "APBDX"),
    ("unknown program", lambda d: d.update(programs=["JKK", "JKN"]), "programs[1]", "JKN"),
    ("unknown program in rates", lambda d: d.update(rates={"JKX": 100}), "rates.JKX", "JKX"),
    ("month 13", lambda d: d["phases"][0].update(start="2024-13"), "phases[0].start", "2024-13"),
    ("slash date", lambda d: d["phases"][1].update(start="2024/07"), "phases[1].start", "2024/07"),
    ("two-digit year", lambda d: d["phases"][1].update(start="24-07"), "phases[1].start", "24-07"),
    ("full date", lambda d: d["phases"][1].update(start="2024-07-01"), "phases[1].start", "2024-07-01"),
    ("integer start", lambda d: d["phases"][1].update(start=202407), "phases[1].start", "202407"),
    ("month 00", lambda d: d["phases"][1].update(start="2024-00"), "phases[1].start", "2024-00"),
    ("negative quota", lambda d: d.update(quota={"min": -1}), "quota.min", "-1"),
    ("negative rate", lambda d: d.update(rates={"JKK": -10}), "rates.JKK", "-10"),
]


@pytest.mark.parametrize("mutate,path,value", [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_bad_input_names_path_and_value(mutate, path, value):
    d = good()
    mutate(d)
    msg = one_problem(d)
    assert msg.startswith(path + ":"), msg
    assert value in msg[len(path) + 1 :], msg
    # the same through validate_dict, without raising
    assert [str(p) for p in validate_dict(d)] == [msg]


def test_contract_example_message_exactly():
    d = good()
    d["sources"][2]["budget"] = -5
    assert one_problem(d) == "sources[2].budget: -5 is negative"


@pytest.mark.parametrize("kind", ["phases", "villages", "sources"])
def test_duplicate_ids(kind):
    d = good()
    dup = copy.deepcopy(d[kind][0])
    d[kind].append(dup)
    if kind == "sources":
        d["objective"]["source_order"] = None  # keep the error count at one
        del d["objective"]["source_order"]
    msg = one_problem(d)
    n = len(d[kind]) - 1
    assert msg.startswith(f"{kind}[{n}].id:"), msg
    assert repr(dup["id"]) in msg and "duplicate" in msg


def test_bad_phase_start_from_yaml_date(tmp_path):
    # an unquoted YAML date is not YYYY-MM
    text = YAML_TEXT.replace("start: 2024-07,", "start: 2024-07-01,")
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    msgs = [str(p) for p in info.value.problems]
    assert len(msgs) == 1 and msgs[0].startswith("phases[1].start:") and "2024" in msgs[0]


def test_five_distinct_problems_reported_at_once():
    d = good()
    d["sources"][1]["budget"] = -5  # 1
    d["worker_groups"][0]["count"] = 2.5  # 2
    d["phases"][1]["start"] = "2024-7"  # 3
    d["worker_groups"][1]["village"] = "nowhere"  # 4
    d["objective"]["source_order"] = ["DD", "DBH", "APBD", "CSR"]  # 5
    msgs = problems_of(d)
    assert len(msgs) == 5, msgs
    assert sorted(m.split(":")[0] for m in msgs) == sorted(
        ["sources[1].budget", "worker_groups[0].count", "phases[1].start", "worker_groups[1].village", "objective.source_order[3]"]
    )
    for value in ("-5", "2.5", "2024-7", "nowhere", "CSR"):
        assert any(value in m for m in msgs), value
    with pytest.raises(ScenarioError) as info:
        load_scenario(d)
    assert str(info.value).startswith("5 problem(s)")


def test_every_listed_problem_at_once():
    d = good()
    d["sources"][0]["budgets"][V1] = 1.25
    d["sources"][1]["budget"] = -1
    d["phases"][0]["months"] = -6
    d["phases"][1]["id"] = "p1"
    d["programs"] = ["JKK", "XX"]
    d["sources"][2]["phases"] = ["p7"]
    d["villages"].append({"id": V1})
    msgs = problems_of(d)
    heads = {m.split(":")[0] for m in msgs}
    assert {
        f"sources[0].budgets.{V1}",
        "sources[1].budget",
        "phases[0].months",
        "phases[1].id",
        "programs[1]",
        "sources[2].phases[0]",
        "villages[2].id",
    } <= heads


def test_errors_come_before_solving():
    d = good()
    d["sources"][1]["budget"] = -5
    with pytest.raises(ScenarioError):
        pa.solve(d)


def test_missing_required_fields():
    msgs = problems_of({"format": "premium-alloc/v1"})
    heads = {m.split(":")[0] for m in msgs}
    assert {"phases", "villages", "sources"} <= heads


def test_groups_or_workers_exactly_one():
    d = good()
    d["workers"] = "workers.csv"
    assert any(m.startswith("worker_groups:") for m in problems_of(d))
    d = good()
    del d["worker_groups"]
    assert any(m.startswith("worker_groups:") for m in problems_of(d))


def test_village_scope_needs_budgets():
    d = good()
    d["sources"][0] = {"id": "DD", "kind": "dana_desa", "scope": "village", "budget": 100}
    msgs = problems_of(d)
    assert any(m.startswith("sources[0].budgets:") for m in msgs)
    assert any(m.startswith("sources[0].budget:") and "100" in m for m in msgs)


def test_unknown_eligible_key_and_village():
    d = good()
    d["sources"][1]["eligible"] = {"sector": ["palm"], "colour": ["red"], "village": ["X1"]}
    msgs = problems_of(d)
    assert any(m.startswith("sources[1].eligible.colour:") and "colour" in m for m in msgs)
    assert any(m.startswith("sources[1].eligible.village[0]:") and "X1" in m for m in msgs)


def test_wrong_format_string():
    d = good()
    d["format"] = "premium-alloc/v2"
    msg = one_problem(d)
    assert msg.startswith("format:") and "premium-alloc/v2" in msg


# ---- worker CSV path -----------------------------------------------------------------------
def with_workers(path: Path, workers: str) -> Path:
    """Write the base scenario as JSON at ``path``, with ``workers: WORKERS`` instead of its groups."""
    d = good()
    del d["worker_groups"]
    d["workers"] = workers
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def test_worker_csv_path_is_relative_to_the_scenario_file(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "kab"
    folder.mkdir(parents=True)
    (folder / "workers.csv").write_text(
        "worker_id,village,priority,sector\n"
        f"6203010101900001,{V1},poor,palm\n"
        f"6203010101900002,{V1},poor,palm\n"
        f"6203010101900003,{V2},extreme,farming\n",
        encoding="utf-8",
    )
    path = with_workers(folder / "scenario.json", "workers.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    sc = load_scenario(path)
    assert Path(sc.workers) == (folder / "workers.csv").resolve()
    r = pa.solve(path, gap=0)
    assert r.phases[0].eligible == 3
    # a relative path passed as a string works the same way
    monkeypatch.chdir(tmp_path)
    assert Path(load_scenario("data/kab/scenario.json").workers) == (folder / "workers.csv").resolve()


def test_absolute_worker_csv_path_is_kept(tmp_path):
    csv = tmp_path / "w.csv"
    csv.write_text(f"worker_id,village,priority,sector\n1,{V1},poor,palm\n", encoding="utf-8")
    sub = tmp_path / "sub"
    sub.mkdir()
    path = with_workers(sub / "s.json", str(csv))
    assert load_scenario(path).workers == str(csv)


def test_missing_worker_csv_is_a_scenario_error(tmp_path):
    path = with_workers(tmp_path / "s.json", "missing.csv")
    with pytest.raises(ScenarioError) as info:
        pa.solve(path)
    assert "missing.csv" in str(info.value)


def test_bad_worker_rows_are_reported_by_line_without_the_nik(tmp_path):
    nik = "6203010101900042"
    (tmp_path / "w.csv").write_text(
        "worker_id,village,priority,sector,income\n"
        f"6203010101900001,{V1},poor,palm,\n"
        f"{nik},62.00.00.0000,poor,palm,abc\n",
        encoding="utf-8",
    )
    path = with_workers(tmp_path / "s.json", "w.csv")
    with pytest.raises(ScenarioError) as info:
        pa.solve(path)
    text = str(info.value)
    assert "line 3" in text and "62.00.00.0000" in text and "'abc'" in text
    assert nik not in text
