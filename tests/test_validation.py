"""Hardening of input validation: every bad input is a ScenarioError naming field and value,
all problems at once, never a traceback, never a worker ID; limits against hostile files;
worker lists of a million rows; duplicate worker IDs; the CLI's documented exit codes.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import premium_alloc as pa
from premium_alloc import ScenarioError, cli, load_scenario, validate_dict
from premium_alloc.cli import ExitCode, main
from premium_alloc.errors import Problem, SolverError, VerificationError
from premium_alloc.io import load as scenario_mod
from premium_alloc.io.workers import MAX_ERRORS, read_workers

try:  # tests/ on sys.path (pytest's default rootdir-less import mode)
    from handworked import V1, V2, valid_base
except ImportError:  # tests imported as a package
    from tests.handworked import V1, V2, valid_base

ROOT = Path(__file__).resolve().parents[1]
ID_LIKE = re.compile(r"\d{12,}")  # a NIK is 16 digits; nothing that long may reach a message


def good() -> dict:
    d = valid_base("validation base")
    for src in d["sources"][1:]:
        del src["scope"]  # the pooled sources rely on the default scope (regency)
    return d


def problems(data) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(data)
    text = str(info.value)
    for p in info.value.problems:
        assert str(p) in text
    assert "Traceback" not in text
    return info.value.problems


def _set(path: str, value):
    """A mutation that sets a dotted path (list indices as numbers) to value."""

    def mutate(d: dict) -> None:
        keys = [int(k) if k.isdigit() else k for k in path.split("/")]
        node = d
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value

    return mutate


# ---- every error path of the contract: field path and offending value ------------------------
CASES = [
    # (mutation, expected path, text that shows the value)
    (_set("sources/1/budget", -5), "sources[1].budget", "-5 is negative"),
    (_set("sources/1/budget", 2.5), "sources[1].budget", "2.5 is not a whole number"),
    (_set("sources/1/budget", True), "sources[1].budget", "True is not a whole number"),
    (_set("sources/1/budget", "lots"), "sources[1].budget", "'lots'"),
    (_set("sources/1/budget", 10**19), "sources[1].budget", "10000000000000000000 is above the limit"),
    (_set("sources/0/budgets", {V1: -1}), f"sources[0].budgets.{V1}", "-1 is negative"),
    (_set("sources/0/budgets", {"62.99.99.9999": 5}), "sources[0].budgets.62.99.99.9999", "is not a known village"),
    (_set("worker_groups/0/count", -3), "worker_groups[0].count", "-3 is negative"),
    (_set("worker_groups/0/count", 1.5), "worker_groups[0].count", "1.5 is not a whole number"),
    (_set("worker_groups/0/count", False), "worker_groups[0].count", "False is not a whole number"),
    (_set("worker_groups/0/count", 10**13), "worker_groups[0].count", "is above the limit"),
    (_set("worker_groups/0/village", "62.00.00.0000"), "worker_groups[0].village", "'62.00.00.0000' is not a known village"),
    (_set("worker_groups/0/village", ["x"]), "worker_groups[0].village", "['x']"),
    (_set("worker_groups/0/income", 0), "worker_groups[0].income", "0 must be positive"),
    (_set("phases/0/months", 0), "phases[0].months", "0 must be >= 1"),
    (_set("phases/0/months", -2), "phases[0].months", "-2"),
    (_set("phases/0/months", 2.5), "phases[0].months", "2.5 is not a whole number"),
    (_set("phases/0/start", "2024-13"), "phases[0].start", "'2024-13' is not YYYY-MM"),
    (_set("phases/0/start", "Jan 2024"), "phases[0].start", "'Jan 2024' is not YYYY-MM"),
    (_set("phases/1/id", "p1"), "phases[1].id", "'p1' is a duplicate id"),
    (_set("villages/1/id", V1), "villages[1].id", f"'{V1}' is a duplicate id"),
    (_set("sources/2/id", "DD"), "sources[2].id", "'DD' is a duplicate id"),
    (_set("sources/2/phases", ["p9"]), "sources[2].phases[0]", "'p9' is not a known phase"),
    (_set("sources/2/phases", [["p1"]]), "sources[2].phases[0]", "['p1']"),
    (_set("objective/source_order", ["DD", "XX"]), "objective.source_order[1]", "'XX' is not a known source"),
    (_set("objective/source_order", [{"a": 1}]), "objective.source_order[0]", "{'a': 1}"),
    (_set("programs", ["JKK", "JKX"]), "programs[1]", "'JKX' is not a known program"),
    (_set("rates", {"JKK": -1}), "rates.JKK", "-1 is negative"),
    (_set("rates", {"JKZ": 5}), "rates.JKZ", "'JKZ' is not a known program"),
    (_set("objective/gap", float("nan")), "objective.gap", "nan is not a finite number"),
    (_set("objective/time_limit", float("inf")), "objective.time_limit", "inf is not a finite number"),
    (_set("objective/quota_bonus", -1), "objective.quota_bonus", "-1 is negative"),
    (_set("objective/priority_weights", {"poor": float("inf")}), "objective.priority_weights.poor", "inf is not a finite number"),
    (_set("sources/2/eligible", {"colour": ["red"]}), "sources[2].eligible.colour", "'colour' is not a known filter"),
    (_set("sources/2/eligible", {"village": ["62.00.00.0000"]}), "sources[2].eligible.village[0]", "is not a known village"),
    (_set("sources/2/scope", "planet"), "sources[2].scope", "'planet'"),
    (_set("quota", {"min": -1}), "quota.min", "-1 is negative"),
    (_set("surprise", 1), "surprise", "unknown top-level key 'surprise'"),
]


@pytest.mark.parametrize("mutate, path, shows", CASES, ids=[c[1] + ":" + c[2][:20] for c in CASES])
def test_every_error_names_its_field_and_value(mutate, path, shows):
    d = good()
    mutate(d)
    found = problems(d)
    mine = [p for p in found if p.path == path]
    assert mine, f"no problem at {path}: {[str(p) for p in found]}"
    assert any(shows in p.message for p in mine), [str(p) for p in mine]


def test_all_problems_at_once():
    d = good()
    for mutate, _path, _shows in CASES[:-1]:  # every mutation that leaves the structure in place
        if "budgets" in _path or "eligible" in _path or "phases/" in _path:
            continue
        mutate(d)
    d["sources"][1]["budget"] = -5
    d["worker_groups"][1]["count"] = 2.5
    d["phases"][1]["start"] = "2024-7"
    d["programs"] = ["JKK", "XX"]
    d["objective"]["source_order"] = ["DD", "ZZ"]
    found = {str(p) for p in problems(d)}
    for expected in (
        "sources[1].budget: -5 is negative",
        "worker_groups[1].count: 2.5 is not a whole number",
        "phases[1].start: '2024-7' is not YYYY-MM",
        "objective.source_order[1]: 'ZZ' is not a known source",
    ):
        assert expected in found
    assert any(p.startswith("programs[1]: 'XX'") for p in found)


def test_errors_come_before_any_solving(monkeypatch):
    import importlib

    solve_mod = importlib.import_module("premium_alloc.model")  # build_model lives in model

    def boom(*a, **k):
        raise AssertionError("solved a bad scenario")

    monkeypatch.setattr(solve_mod, "model_from_groups", boom)
    d = good()
    d["sources"][1]["budget"] = -1
    with pytest.raises(ScenarioError):
        pa.solve(d)


# ---- fuzzing: any mutation is either valid or a ScenarioError, never another exception --------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3),
    max_leaves=6,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


@given(st.data())
def test_random_corruption_is_a_clean_scenario_error(data):
    d = good()
    paths = [p for p in _paths(d) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = d
        try:
            for k in path[:-1]:
                parent = parent[k]
            action = data.draw(st.sampled_from(["replace", "replace", "delete", "extra"]))
            if action == "replace":
                parent[path[-1]] = data.draw(JSON)
            elif action == "delete" and isinstance(parent, dict):
                del parent[path[-1]]
            elif action == "extra" and isinstance(parent, dict):
                parent[data.draw(st.text(min_size=1, max_size=6))] = data.draw(JSON)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier corruption removed this path
    found = validate_dict(copy.deepcopy(d))
    assert all(isinstance(p, Problem) for p in found)
    try:
        sc = load_scenario(d)
    except ScenarioError as err:
        assert err.problems
        assert "Traceback" not in str(err)
        return
    assert not found
    try:
        result = pa.solve(sc)
    except ScenarioError:
        return
    assert result.status in ("optimal", "feasible")


# ---- hostile YAML and JSON ---------------------------------------------------------------------
LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(f"{c}: &{c} [{','.join(['*' + p] * 9)}]" for p, c in zip("abcdefgh", "bcdefghi")),
    ]
)


def test_billion_laughs_is_refused(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(LAUGHS, encoding="utf-8")
    with pytest.raises(ScenarioError, match="alias bomb"):
        load_scenario(path)
    assert main(["validate", str(path)]) == ExitCode.INVALID_INPUT


def test_a_bomb_hidden_in_a_merge_key_is_refused():
    text = LAUGHS + "\nj: {<<: *i, x: 1}\n"
    with pytest.raises(ScenarioError, match="alias bomb"):
        scenario_mod.parse_text(text)


def test_node_limit_counts_aliases_as_expanded(monkeypatch):
    monkeypatch.setattr(scenario_mod, "MAX_YAML_NODES", 60)
    small = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [*a, *a]\n"  # 1 + 2 + 10 + 1 + 1 + 20 = 35 nodes
    assert scenario_mod.parse_text(small)["b"][1][8] == 9
    big = small + "c: [*a, *a, *a]\n"  # 35 + 2 + 30 = 67 nodes expanded, 19 written
    with pytest.raises(ScenarioError, match="alias bomb"):
        scenario_mod.parse_text(big)


@pytest.mark.parametrize(
    "text, suffix",
    [
        ("a: &a [*a]\n", ".yaml"),  # a recursive alias never ends
        ("a: " + "[" * 200 + "]" * 200 + "\n", ".yaml"),
        ("".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "v\n", ".yaml"),
        ("[" * 5000 + "]" * 5000, ".json"),
    ],
    ids=["recursive-alias", "deep-flow", "deep-block", "deep-json"],
)
def test_deep_or_recursive_documents_are_refused(text, suffix):
    with pytest.raises(ScenarioError, match="nests deeper"):
        scenario_mod.parse_text(text, suffix=suffix)


def test_nesting_within_the_limit_loads():
    depth = scenario_mod.MAX_NESTING - 1
    data = scenario_mod.parse_text("a: " + "[" * depth + "1" + "]" * depth)
    for _ in range(depth + 1):
        data = data["a"] if isinstance(data, dict) else data[0]
    assert data == 1


def test_file_size_limit(tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good()), encoding="utf-8")
    assert load_scenario(path).name == "validation base"
    monkeypatch.setattr(scenario_mod, "MAX_FILE_BYTES", 100)
    with pytest.raises(ScenarioError, match="larger than the limit of 100 bytes"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="larger than 100 bytes"):
        scenario_mod.parse_text("x" * 101)


def test_yaml_tags_cannot_run_code(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n", encoding="utf-8")
    with pytest.raises(ScenarioError):
        load_scenario(path)
    assert not marker.exists()


def test_amounts_too_large_for_exact_arithmetic_are_refused():
    d = good()
    d["worker_groups"][0]["count"] = 10**12
    d["worker_groups"][0]["income"] = 10**15  # a premium of ~Rp10^14 a phase, times 10^12 workers
    with pytest.raises(ScenarioError, match="too large to compute exactly"):
        pa.solve(d)
    d = good()
    d["sources"][0]["budgets"] = {V1: 10**18, V2: 10**18}
    d["sources"][1]["budget"] = 10**18
    d["sources"][2]["budget"] = 10**18
    d["sources"].append({"id": "X", "kind": "apbd", "budget": 10**18})
    d["sources"].append({"id": "Y", "kind": "apbd", "budget": 10**18})
    with pytest.raises(ScenarioError, match="sum of the budgets"):
        pa.solve(d)


# ---- worker lists -------------------------------------------------------------------------------
def _nik(i: int) -> str:
    return f"6203{i:012d}"


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory):
    """A 1,000,000-row worker CSV with 700 bad rows of seven kinds at known places."""
    n = 1_000_000
    rng = np.random.default_rng(7)
    ids = np.array([_nik(i) for i in range(n)], dtype=object)
    village = np.where(rng.random(n) < 0.5, V1, V2).astype(object)
    priority = np.full(n, "poor", dtype=object)
    sector = np.full(n, "palm", dtype=object)
    income = np.full(n, "", dtype=object)
    bad = rng.choice(np.arange(10, n), 700, replace=False)
    kinds = {
        "unknown village": bad[0:100],
        "id in village": bad[100:200],
        "negative income": bad[200:300],
        "id in income": bad[300:400],
        "empty priority": bad[400:500],
        "duplicate id": bad[500:600],
        "empty id": bad[600:700],
    }
    village[kinds["unknown village"]] = "62.99.99.9999"
    village[kinds["id in village"]] = ids[kinds["id in village"]]  # columns swapped by hand
    income[kinds["negative income"]] = "-5"
    income[kinds["id in income"]] = ids[kinds["id in income"]]
    priority[kinds["empty priority"]] = ""
    ids[kinds["duplicate id"]] = ids[kinds["duplicate id"] - 7]
    ids[kinds["empty id"]] = ""
    path = tmp_path_factory.mktemp("workers") / "workers_1m.csv"
    rows = map(",".join, zip(ids, village, priority, sector, income))
    path.write_text("worker_id,village,priority,sector,income\n" + "\n".join(rows) + "\n", encoding="utf-8")
    lines = np.sort(bad) + 2  # header is line 1
    return path, lines, [_nik(int(i)) for i in bad]


def test_million_row_csv_reports_first_errors_by_line_without_any_nik(million_rows):
    path, bad_lines, bad_niks = million_rows
    with pytest.raises(ScenarioError) as info:
        read_workers(path, villages=[V1, V2])
    err = info.value
    text = str(err)
    assert len(err.problems) == MAX_ERRORS
    assert err.more == 700 - MAX_ERRORS  # one problem per bad row, the rest counted exactly
    assert text.startswith("700 problem(s)")
    shown = [int(re.search(r"line (\d+),", p.path).group(1)) for p in err.problems]
    assert shown == sorted(bad_lines[:MAX_ERRORS].tolist())
    assert not ID_LIKE.search(text), "a worker ID reached the message"
    assert not any(nik in text for nik in bad_niks)
    assert "(masked" in text  # the IDs pasted into village/income were recognised and masked


def test_duplicate_worker_ids_are_reported_with_both_lines(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "worker_id,village,priority,sector,name\n"
        f"{_nik(1)},{V1},poor,palm,Siti\n"
        f"{_nik(2)},{V1},poor,palm,Budi\n"
        f"  {_nik(1)} ,{V2},poor,palm,Siti again\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        read_workers(path, villages=[V1, V2])
    assert [str(p) for p in info.value.problems] == ["w.csv line 4, worker_id: duplicates the worker_id of line 2 (masked)"]
    assert _nik(1) not in str(info.value)


def test_duplicate_ids_in_a_worker_frame_are_never_double_counted():
    d = good()
    del d["worker_groups"]
    d["workers"] = "unused.csv"
    frame = pd.DataFrame(
        {
            "worker_id": [_nik(1), _nik(2), _nik(1)],
            "village": [V1, V1, V1],
            "priority": ["poor"] * 3,
            "sector": ["palm"] * 3,
            "income": [1_000_000] * 3,
        }
    )
    with pytest.raises(ScenarioError) as info:
        pa.solve(d, workers=frame)
    assert "workers row 3, worker_id: duplicates the worker_id of row 1 (masked)" in str(info.value)
    assert _nik(1) not in str(info.value)
    ok = pa.solve(d, workers=frame.iloc[:2])
    assert ok.phases[0].eligible == 2
    frame.loc[2, ["worker_id", "village"]] = [_nik(3), _nik(3)]
    with pytest.raises(ScenarioError) as info:
        pa.solve(d, workers=frame)
    assert _nik(3) not in str(info.value) and "workers row 3, village" in str(info.value)


def test_csv_row_with_extra_fields_names_the_line(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text(
        "worker_id,village,priority,sector\n" f"{_nik(1)},{V1},poor,palm\n" f"{_nik(2)},{V1},poor,palm,{_nik(2)}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as info:
        read_workers(path, villages=[V1])
    assert "line 3" in str(info.value)
    assert _nik(2) not in str(info.value)


# ---- CLI exit codes -----------------------------------------------------------------------------
def test_exit_codes_are_documented_consistently():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    doc = cli.__doc__ or ""
    expected = {
        ExitCode.OK: "ok",
        ExitCode.INVALID_INPUT: "invalid input",
        ExitCode.USAGE: "usage error",
        ExitCode.INFEASIBLE: "no feasible plan",
        ExitCode.SOLVER_FAILURE: "solver failure",
        ExitCode.INTERNAL: "internal error",
        ExitCode.OUTPUT: "output error",
        ExitCode.SIGINT: "stopped by Ctrl-C",
        ExitCode.SIGTERM: "stopped by SIGTERM",
    }
    assert {int(c) for c in ExitCode} >= {0, 1, 2, 3, 4, 70, 74, 130, 143}
    flat_readme = " ".join(readme.split())
    for code, words in expected.items():
        assert f"`{int(code)}` {words}" in flat_readme
        assert f"{int(code)} {words}" in " ".join(doc.split())


@pytest.fixture()
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(good()), encoding="utf-8")
    return path


def test_exit_ok_and_invalid_input(scenario_file, tmp_path, capsys):
    assert main(["solve", str(scenario_file), "--quiet", "--out", str(tmp_path / "r.json")]) == ExitCode.OK
    bad = good()
    bad["sources"][1]["budget"] = -5
    bad["phases"][0]["start"] = "2024-1"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad), encoding="utf-8")
    capsys.readouterr()
    for cmd in ("validate", "solve"):
        assert main([cmd, str(path)]) == ExitCode.INVALID_INPUT
        err = capsys.readouterr().err
        assert "sources[1].budget: -5 is negative" in err and "phases[0].start: '2024-1'" in err
        assert "Traceback" not in err


def test_exit_usage_error(capsys):
    assert main(["solve"]) == ExitCode.USAGE
    assert main(["solve", "x.yaml", "--no-such-option"]) == ExitCode.USAGE


def test_exit_solver_failure_for_an_unknown_solver(scenario_file, capsys):
    assert main(["solve", str(scenario_file), "--backend", "NO_SUCH_SOLVER"]) == ExitCode.SOLVER_FAILURE
    err = capsys.readouterr().err
    assert "unknown PuLP solver 'NO_SUCH_SOLVER'" in err and "PULP_CBC_CMD" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "exc, code",
    [
        (SolverError("HiGHS could not solve the LP relaxation: kError"), ExitCode.SOLVER_FAILURE),
        (VerificationError(["source DBH: spends Rp5,000,001 of a Rp5,000,000 budget"]), ExitCode.SOLVER_FAILURE),
        (RuntimeError("unexpected"), ExitCode.INTERNAL),
    ],
)
def test_exit_codes_of_failures(scenario_file, monkeypatch, capsys, exc, code):
    def fail(*a, **k):
        raise exc

    monkeypatch.setattr(importlib.import_module("premium_alloc.engine"), "solve_model", fail)
    monkeypatch.delenv("PREMIUM_ALLOC_DEBUG", raising=False)
    assert main(["solve", str(scenario_file)]) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if code == ExitCode.SOLVER_FAILURE:
        assert str(exc).splitlines()[0] in err


def test_a_source_with_an_empty_phase_list_pays_in_no_phase():
    """Found by the thorough fuzz: `phases: []` was read as "every phase" by the model while
    the verifier (and the contract) read it as "no phase", so the plan failed verification."""
    d = good()
    d["sources"][2]["phases"] = []
    r = pa.solve(d)
    assert all(a.source != "APBD" for a in r.allocations)
    assert [s.spent_idr for s in r.sources if s.source == "APBD"] == [0]
