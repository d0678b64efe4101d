"""The command line, through premium_alloc.cli.main and through the installed console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from premium_alloc.cli import main

V1 = "62.03.01.2011"
V2 = "62.03.02.2006"
# PuLP 3.x warns about its own 4.0 API (PULP_CBC_CMD) on every CBC solve
pytestmark = pytest.mark.filterwarnings("ignore:.*PuLP 4.0.*:DeprecationWarning")

CONTRACT_KEYS = {"format", "scenario", "status", "objective", "bound", "gap", "allocations", "phases", "sources", "villages"}


def sintang() -> dict:
    return {
        "format": "premium-alloc/v1",
        "name": "Sintang 2023",
        "programs": ["JKK", "JKM"],
        "phases": [{"id": "p1", "start": "2023-11", "months": 2}, {"id": "p2", "start": "2024-01", "months": 4}],
        "villages": [{"id": V1, "name": "Desa Satu"}],
        "worker_groups": [{"village": V1, "count": 3_000, "priority": "extreme", "sector": "farming"}],
        # one rupiah short of 3,000 x 6 x 16,800
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 302_399_999}],
        "objective": {"gap": 0},
    }


def write(tmp_path: Path, data: dict, name: str = "scenario.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_solve_writes_contract_json(tmp_path, capsys):
    scen = write(tmp_path, sintang())
    out = tmp_path / "R.json"
    assert main(["solve", str(scen), "--out", str(out)]) == 0
    d = json.loads(out.read_text(encoding="utf-8"))
    assert CONTRACT_KEYS <= set(d)
    assert d["format"] == "premium-alloc-result/v1"
    assert d["scenario"] == "Sintang 2023"
    assert d["status"] == "optimal"
    # hand-worked: one worker dropped in the 2-month phase, W = 18,000 - 2
    assert d["objective"] == 17_998
    assert d["bound"] >= 17_998
    assert d["phases"] == [
        {"phase": "p1", "eligible": 3_000, "covered": 2_999, "uncovered": 1, "cost_idr": 100_766_400, "shortfall_idr": 33_600,
         "months": 2, "worker_months": 5_998},
        {"phase": "p2", "eligible": 3_000, "covered": 3_000, "uncovered": 0, "cost_idr": 201_600_000, "shortfall_idr": 0,
         "months": 4, "worker_months": 12_000},
    ]
    assert d["sources"] == [{"source": "APBD", "budget_idr": 302_399_999, "spent_idr": 302_366_400, "workers": 5_999,
                             "workers_by_phase": {"p1": 2_999, "p2": 3_000}, "worker_months": 17_998}]
    for a in d["allocations"]:
        assert set(a) == {"village", "priority", "sector", "income", "source", "phase", "workers", "cost_idr"}
    out_text = capsys.readouterr().out
    assert "APBD" in out_text  # the summary tables


def test_solve_from_yaml(tmp_path, capsys):
    import yaml

    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(sintang()), encoding="utf-8")
    out = tmp_path / "R.json"
    assert main(["solve", str(scen), "--out", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["objective"] == 17_998
    assert capsys.readouterr().out == ""


def test_solve_json_on_stdout(tmp_path, capsys):
    scen = write(tmp_path, sintang())
    assert main(["solve", str(scen), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert CONTRACT_KEYS <= set(d) and d["objective"] == 17_998


def test_solve_with_cbc_backend(tmp_path, capsys):
    scen = write(tmp_path, sintang())
    out = tmp_path / "R.json"
    assert main(["solve", str(scen), "--backend", "cbc", "--out", str(out), "--quiet"]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["objective"] == 17_998


def test_invalid_input_exit_1_with_field_path(tmp_path, capsys):
    data = sintang()
    data["sources"][0]["budget"] = -5
    data["worker_groups"][0]["count"] = 2.5
    scen = write(tmp_path, data)
    assert main(["solve", str(scen), "--out", str(tmp_path / "R.json")]) == 1
    captured = capsys.readouterr()
    assert "sources[0].budget" in captured.err and "-5" in captured.err
    assert "worker_groups[0].count" in captured.err and "2.5" in captured.err
    assert "Traceback" not in captured.err + captured.out
    # one problem per line, never wrapped, no raw markup tags
    assert "  sources[0].budget: -5 is negative\n" in captured.err
    assert "[red]" not in captured.err and captured.err.startswith("invalid input: 2 problem(s)")
    assert not (tmp_path / "R.json").exists()


def test_long_problem_lines_are_not_wrapped(tmp_path, capsys):
    data = sintang()
    data["worker_groups"][0]["village"] = "62.03.01.2011-a-village-nobody-has-heard-of-here"
    scen = write(tmp_path, data)
    assert main(["validate", str(scen)]) == 1
    err = capsys.readouterr().err
    assert "worker_groups[0].village: '62.03.01.2011-a-village-nobody-has-heard-of-here' is not a known village\n" in err


def test_validate_reports_problems(tmp_path, capsys):
    data = sintang()
    data["phases"][0]["start"] = "2023-13"
    scen = write(tmp_path, data)
    assert main(["validate", str(scen)]) == 1
    err = capsys.readouterr().err
    assert "phases[0].start" in err and "2023-13" in err
    assert "Traceback" not in err


def test_validate_ok(tmp_path, capsys):
    scen = write(tmp_path, sintang())
    assert main(["validate", str(scen)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out and "3,000" in out


def test_missing_file_exit_1(tmp_path, capsys):
    missing = tmp_path / "nope.yaml"
    assert main(["solve", str(missing)]) == 1
    captured = capsys.readouterr()
    assert "nope.yaml" in captured.err and "no such file" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert main(["validate", str(missing)]) == 1


def test_unparsable_file_exit_1(tmp_path, capsys):
    scen = tmp_path / "bad.yaml"
    scen.write_text("format: [unclosed\n", encoding="utf-8")
    assert main(["solve", str(scen)]) == 1
    err = capsys.readouterr().err
    assert "cannot parse" in err and "Traceback" not in err


def test_usage_error_exit_2(capsys):
    assert main(["solve"]) == 2
    assert main(["no-such-command"]) == 2


def test_demo_quiet(capsys):
    assert main(["demo", "--quiet"]) == 0
    assert capsys.readouterr().out == ""


def test_demo_json_is_parseable(capsys):
    assert main(["demo", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert CONTRACT_KEYS <= set(d)
    assert d["status"] == "optimal"
    for p in d["phases"]:
        assert p["eligible"] == 39_073
        assert p["covered"] + p["uncovered"] == 39_073


def test_plan_writes_masked_csv(tmp_path, capsys):
    niks = [f"62030112019{n:05d}" for n in range(8)]
    assert all(len(n) == 16 for n in niks)
    rows = [f"{nik},{V1 if i < 5 else V2},poor,palm" for i, nik in enumerate(niks)]
    (tmp_path / "workers.csv").write_text("worker_id,village,priority,sector\n" + "\n".join(rows) + "\n", encoding="utf-8")
    data = {
        "format": "premium-alloc/v1",
        "name": "plan",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1}, {"id": V2}],
        "workers": "workers.csv",
        # 6 x 16,800 = 100,800 per worker: money for 6 of 8
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 6 * 100_800}],
    }
    scen = write(tmp_path, data)
    plan = tmp_path / "plan.csv"
    assert main(["solve", str(scen), "--plan", str(plan), "--quiet"]) == 0
    text = plan.read_text(encoding="utf-8")
    lines = text.strip().splitlines()
    assert lines[0] == "worker_id,village,phase,source,cost_idr"
    assert len(lines) == 1 + 8
    for nik in niks:
        assert nik not in text
    assert sum(1 for ln in lines[1:] if ln.startswith("620301**********,")) == 8
    assert sum(1 for ln in lines[1:] if ",APBD,100800" in ln) == 6
    # --unmask-nik gives the full IDs
    full = tmp_path / "full.csv"
    assert main(["solve", str(scen), "--plan", str(full), "--unmask-nik", "--quiet"]) == 0
    assert all(nik in full.read_text(encoding="utf-8") for nik in niks)
    captured = capsys.readouterr()
    for nik in niks:
        assert nik not in captured.out + captured.err


def test_plan_needs_a_worker_list(tmp_path, capsys):
    scen = write(tmp_path, sintang())
    assert main(["solve", str(scen), "--plan", str(tmp_path / "p.csv"), "--quiet"]) == 1
    assert "workers" in capsys.readouterr().err


def test_premium_command_prints_rupiah(capsys):
    assert main(["premium", "--programs", "JKK,JKM", "--month", "2024-01"]) == 0
    out = capsys.readouterr().out
    assert "Rp16,800 a month" in out and "Rp16.800" not in out  # one locale per output
    # six months: 6 x 16,800 = 100,800
    assert main(["premium", "--programs", "JKK,JKM", "--month", "2024-01", "--months", "6", "--lang", "id"]) == 0
    out = capsys.readouterr().out
    assert "Rp100.800" in out and "per bulan" in out and "Rp100,800" not in out
    assert main(["premium", "--programs", "JKK,JKM,JHT", "--month", "2024-01", "--funder", "Dana Desa"]) == 0
    assert "Rp36,800" in capsys.readouterr().out


def test_premium_command_discount(capsys):
    assert main(["premium", "--programs", "JKK,JKM", "--month", "2026-05", "--funder", "csr", "--lang", "id"]) == 0
    assert "Rp8.400" in capsys.readouterr().out
    # Dana Desa: no discount by default (16,800)
    assert main(["premium", "--programs", "JKK,JKM", "--month", "2026-05", "--funder", "dana_desa", "--lang", "id"]) == 0
    assert "Rp16.800" in capsys.readouterr().out


def test_premium_command_unknown_program(capsys):
    assert main(["premium", "--programs", "JKK,XYZ"]) == 2  # a bad option value: a usage error
    err = capsys.readouterr().err
    assert "XYZ" in err and "Traceback" not in err


def test_console_script_demo_quiet():
    script = Path(sys.executable).parent / ("premium-alloc.exe" if os.name == "nt" else "premium-alloc")
    assert script.exists(), script
    proc = subprocess.run([str(script), "demo", "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr


def test_console_script_invalid_input(tmp_path):
    data = sintang()
    data["sources"][0]["budget"] = -5
    scen = write(tmp_path, data)
    script = Path(sys.executable).parent / "premium-alloc"
    proc = subprocess.run([str(script), "solve", str(scen)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "sources[0].budget" in proc.stderr and "-5" in proc.stderr
    assert "Traceback" not in proc.stderr
