"""Inputs are bounded before they are read: regular files only, a size limit, a read timeout,
no temporary copy of worker IDs, and keys given twice refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

import pandas as pd
import pytest

from premium_alloc.cli import main
from premium_alloc.errors import ScenarioError
from premium_alloc.io.load import load_scenario, parse_text
from premium_alloc.io.workers import check_worker_frame, read_workers
from premium_alloc.safeio import read_bounded

V1 = "62.03.01.2011"


def scenario(**extra) -> dict:
    d = {
        "format": "premium-alloc/v1",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1}],
        "worker_groups": [{"village": V1, "count": 4, "priority": "extreme", "sector": "farming"}],
        "sources": [{"id": "APBD", "kind": "apbd", "budget": 1_000_000}],
    }
    d.update(extra)
    return d


def _cli(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "premium_alloc", *args], capture_output=True, text=True, timeout=timeout)


# --------------------------------------------------------------------------- what is read


def test_a_device_is_refused_at_once_not_read_for_ever():
    r = _cli(["validate", "/dev/zero"], timeout=30)
    assert r.returncode == 1, r.stderr
    assert "is a device, not a regular file" in r.stderr


def test_a_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "s.yaml"
    os.mkfifo(fifo)
    r = _cli(["solve", str(fifo)], timeout=30)  # before: blocked for ever in open()
    assert r.returncode == 1, r.stderr
    assert "FIFO" in r.stderr


def test_a_directory_is_refused_as_scenario_and_as_worker_list(tmp_path, capsys):
    (tmp_path / "d.yaml").mkdir()
    assert main(["validate", str(tmp_path / "d.yaml")]) == 1
    assert "is a directory" in capsys.readouterr().err
    d = scenario()
    del d["worker_groups"]
    (tmp_path / "folder").mkdir()
    d["workers"] = "folder"
    (tmp_path / "s.json").write_text(json.dumps(d), encoding="utf-8")
    assert main(["validate", str(tmp_path / "s.json")]) == 1
    assert "is a directory" in capsys.readouterr().err


def test_workers_from_dev_zero_are_refused(tmp_path, capsys):
    d = scenario()
    del d["worker_groups"]
    d["workers"] = "/dev/zero"
    (tmp_path / "s.json").write_text(json.dumps(d), encoding="utf-8")
    r = _cli(["validate", str(tmp_path / "s.json")], timeout=30)
    assert r.returncode == 1 and "is a device" in r.stderr


def test_size_limit_and_its_switch(tmp_path, monkeypatch, capsys):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario()), encoding="utf-8")
    csv = tmp_path / "w.csv"
    csv.write_text("worker_id,village,priority,sector\n" + "".join(f"A{i},{V1},poor,palm\n" for i in range(200)), encoding="utf-8")
    assert load_scenario(path).sources[0].id == "APBD"
    monkeypatch.setenv("PREMIUM_ALLOC_MAX_INPUT_MB", "0.0001")  # 104 bytes
    with pytest.raises(ScenarioError, match="larger than the limit of 104 bytes.*PREMIUM_ALLOC_MAX_INPUT_MB"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="larger than the limit"):
        read_workers(csv, villages=[V1])
    monkeypatch.setenv("PREMIUM_ALLOC_MAX_INPUT_MB", "1")
    assert len(read_workers(csv, villages=[V1])) == 200
    monkeypatch.setenv("PREMIUM_ALLOC_MAX_INPUT_MB", "lots")
    with pytest.raises(ScenarioError, match="PREMIUM_ALLOC_MAX_INPUT_MB"):
        load_scenario(path)


def test_a_huge_yaml_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "big.yaml"
    with path.open("w") as fh:  # 33 MB of YAML: before, minutes and gigabytes of parsing
        fh.write("format: premium-alloc/v1\nname: x\nnote: |\n")
        line = "  " + "x" * 1022 + "\n"
        for _ in range(33 * 1024):
            fh.write(line)
    r = _cli(["validate", str(path)], timeout=30)
    assert r.returncode == 1 and "larger than the limit of 32 MB" in r.stderr, r.stderr


def test_a_read_that_takes_too_long_is_given_up(tmp_path):
    path = tmp_path / "slow.json"
    path.write_bytes(b" " * (3 << 20))
    with pytest.raises(ScenarioError, match="was not read within"):
        read_bounded(path, timeout=-1)


# --------------------------------------------------------------------------- duplicate keys


def test_a_key_given_twice_in_yaml_is_an_error_with_both_lines():
    text = "format: premium-alloc/v1\nsources:\n  - id: APBD\n    budget: 100\n    kind: apbd\n    budget: 900\n"
    with pytest.raises(ScenarioError) as info:
        parse_text(text)
    msg = str(info.value)
    assert "'budget' is given twice" in msg and "lines 4 and 6" in msg


def test_a_key_given_twice_in_json_is_an_error_with_both_lines():
    text = '{\n "format": "premium-alloc/v1",\n "sources": [{"id": "APBD",\n   "budget": 100,\n   "budget": 900}]\n}\n'
    with pytest.raises(ScenarioError) as info:
        parse_text(text, suffix=".json")
    msg = str(info.value)
    assert "'budget' is given twice" in msg and "lines 4 and 5" in msg


def test_a_top_level_key_given_twice_through_the_cli(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text("format: premium-alloc/v1\nincome: 1000000\nincome: 2000000\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    assert "'income' is given twice in one mapping (lines 2 and 3)" in capsys.readouterr().err


def test_yaml_merge_keys_are_not_duplicates():
    text = "base: &b {kind: apbd, budget: 5}\nsrc:\n  <<: *b\n  budget: 7\n"
    assert parse_text(text)["src"] == {"kind": "apbd", "budget": 7}


# --------------------------------------------------------------------------- workbooks


def test_a_corrupt_workbook_is_invalid_input_not_an_internal_error(tmp_path, capsys):
    path = tmp_path / "book.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not a workbook")
    assert main(["validate", str(path)]) == 1
    assert "not an .xlsx file" in capsys.readouterr().err


def test_a_workers_sheet_never_goes_to_a_temporary_file(tmp_path, monkeypatch):
    import openpyxl

    from premium_alloc.io import excel

    path = excel.write_template(tmp_path / "book.xlsx")
    wb = openpyxl.load_workbook(path)
    del wb[[n for n in wb.sheetnames if n in ("worker_groups", "kelompok_pekerja") or "group" in n.lower()][0]]
    ws = wb.create_sheet("workers")
    ws.append(["worker_id", "village", "priority", "sector"])
    vids = [v.id for v in excel.read_workbook(path).villages]
    for i in range(10):
        ws.append([f"6106{i:012d}", vids[0], "extreme", "farming"])
    wb.save(path)
    made: list[str] = []
    real = tempfile.mkdtemp

    def spy(*a, **k):
        d = real(*a, **k)
        made.append(d)
        return d

    monkeypatch.setattr(tempfile, "mkdtemp", spy)
    sc = excel.read_workbook(path)
    assert sum(g.count for g in sc.worker_groups) == 10
    assert made == []


# --------------------------------------------------------------------------- worker frames from the API


def test_a_worker_frame_with_missing_cells_is_refused_not_shrunk():
    frame = pd.DataFrame(
        {
            "worker_id": ["A1", "A2", "A3", "A4"],
            "village": [V1, None, V1, V1],
            "priority": ["poor", "poor", float("nan"), "poor"],
            "sector": ["palm", "palm", "palm", None],
            "income": [1_000_000] * 4,
        }
    )
    with pytest.raises(ScenarioError) as info:
        check_worker_frame(frame, villages=[V1])
    msg = str(info.value)
    assert "row 2, village: is empty" in msg and "row 3, priority: is empty" in msg and "row 4, sector: is empty" in msg


def test_a_worker_frame_without_worker_id_is_a_scenario_error():
    frame = pd.DataFrame({"village": [V1], "priority": ["poor"], "sector": ["palm"]})
    with pytest.raises(ScenarioError, match="missing column.*worker_id"):
        check_worker_frame(frame, villages=[V1])


def test_a_worker_frame_solves_like_its_csv(tmp_path):
    import premium_alloc as pa

    d = scenario()
    del d["worker_groups"]
    d["workers"] = "unused.csv"
    frame = pd.DataFrame({"worker_id": [" a1", "A2\u00a0"], "village": [V1 + " ", V1], "priority": ["poor"] * 2, "sector": ["palm"] * 2})
    res = pa.solve(d, workers=frame)
    assert res.phases[0].eligible == 2


def test_a_variants_fifo_does_not_hang(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario()), encoding="utf-8")
    fifo = tmp_path / "v.yaml"
    os.mkfifo(fifo)
    r = _cli(["compare", str(path), "--variants", str(fifo)], timeout=30)
    assert r.returncode == 1 and "FIFO" in r.stderr, r.stderr


def test_a_worker_frame_with_a_missing_worker_id_is_refused():
    # before: None became the ID "None" and the worker was planned
    frame = pd.DataFrame({"worker_id": ["A1", None], "village": [V1, V1], "priority": ["poor"] * 2, "sector": ["palm"] * 2})
    with pytest.raises(ScenarioError, match="row 2, worker_id: is empty"):
        check_worker_frame(frame, villages=[V1])
