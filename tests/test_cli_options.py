"""Every CLI option is checked before any work: a bad value is a usage error (exit 2) in words."""

from __future__ import annotations

import json

import pytest

from premium_alloc.cli import main

V1 = "62.03.01.2011"


def scenario(**extra) -> dict:
    d = {
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1}],
        "worker_groups": [{"village": V1, "count": 10, "priority": "extreme", "sector": "palm"}],
        "sources": [{"id": "APBD", "kind": "apbd", "budget": 500_000}],
    }
    d.update(extra)
    return d


@pytest.fixture
def path(tmp_path):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(scenario()), encoding="utf-8")
    return p


@pytest.mark.parametrize("args", [["--gap", "-1"], ["--gap", "nan"], ["--gap", "5"], ["--gap", "1"], ["--time-limit", "0"], ["--time-limit", "-5"], ["--time-limit", "nan"], ["--time-limit", "inf"]])
def test_solve_gap_and_time_limit_are_checked(path, capsys, args):
    out = path.parent / "r.json"
    assert main(["solve", str(path), *args, "--out", str(out)]) == 2
    assert args[0] in capsys.readouterr().err
    assert not out.exists()


def test_solve_accepts_a_zero_gap_and_a_small_time_limit(path):
    assert main(["solve", str(path), "--gap", "0", "--time-limit", "0.5", "-q"]) == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--income", "-1000"], "--income: -1000"),
        (["--income", "0"], "--income: 0"),
        (["--months", "-5"], "--months: -5"),
        (["--months", "0"], "--months: 0"),
        (["--months", "121"], "--months: 121"),
        (["--funder", "bank"], "--funder: 'bank' is not a known funder kind"),
        (["--programs", "JKK,JKK"], "names a program twice"),
        (["--programs", "JKK,XYZ"], "'XYZ' not a known program"),
        (["--programs", ","], "names no program"),
        (["--month", "2024-1"], "--month: '2024-1' is not YYYY-MM"),
        (["--month", "0000-01"], "--month: '0000-01'"),
        (["--sector", "spaceflight"], "--sector: 'spaceflight'"),
    ],
)
def test_premium_options_are_checked(capsys, args, words):
    assert main(["premium", *args]) == 2
    captured = capsys.readouterr()
    assert words in captured.err and "Rp" not in captured.out


def test_premium_takes_the_planners_words(capsys):
    assert main(["premium", "--funder", "Dana Desa", "--programs", "jkk, jkm", "--months", "2"]) == 0
    assert "dana_desa" in capsys.readouterr().out


@pytest.mark.parametrize("factors", ["-1", "1e300", "nan", "inf", "x", "0,-0.5"])
def test_frontier_factors_are_checked(path, capsys, factors):
    assert main(["frontier", str(path), "--source", "APBD", "--factors", factors]) == 2
    assert "--factors" in capsys.readouterr().err


def test_frontier_amounts_are_checked(path, capsys):
    assert main(["frontier", str(path), "--source", "APBD", "--amounts", "-5"]) == 2
    assert "--amounts: '-5'" in capsys.readouterr().err


def test_need_time_limit_is_checked(path, capsys):
    assert main(["need", str(path), "--time-limit", "-1"]) == 2


@pytest.mark.parametrize("command", ["need", "marginal"])
def test_planner_commands_on_a_scenario_without_sources_answer_in_words(tmp_path, capsys, command):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(scenario(sources=[])), encoding="utf-8")
    assert main([command, str(p)]) == 0  # was exit 70 (KeyError)
    assert "no funding source" in capsys.readouterr().out


@pytest.mark.parametrize("command", ["need", "marginal"])
def test_planner_commands_on_a_scenario_without_workers_answer_in_words(tmp_path, capsys, command):
    p = tmp_path / "s.json"
    p.write_text(json.dumps(scenario(worker_groups=[])), encoding="utf-8")
    assert main([command, str(p)]) == 0
    assert "no workers" in capsys.readouterr().out


def test_an_unknown_language_is_refused_before_anything_is_written(path, capsys):
    out, xlsx = path.parent / "r.json", path.parent / "r.xlsx"
    assert main(["solve", str(path), "--out", str(out), "--xlsx", str(xlsx), "--lang", "fr"]) == 2
    assert not out.exists() and not xlsx.exists()
