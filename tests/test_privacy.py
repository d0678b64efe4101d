"""Privacy (UU 27/2022, PDP): a worker's NIK and name never leave the library by default.

Every output channel is scanned for the fixture's NIKs (whole, and the masked part alone) and
names: stdout and stderr of the CLI (at file-descriptor level), logging captured at DEBUG,
warnings, exception messages, the result JSON, the default per-worker plan CSV, DataFrames,
and the repr of result objects. A positive control shows the scan does find an unmasked NIK.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from pathlib import Path

import pytest

import premium_alloc as pa
from premium_alloc import ScenarioError
from premium_alloc.cli import ExitCode, main
from premium_alloc.io.workers import read_workers
from premium_alloc.plan import worker_plan, write_worker_plan
from premium_alloc.report import summary_tables

V1, V2 = "62.03.01.2011", "62.03.02.2006"
FIRST = ["Siti", "Budi", "Rahmat", "Dewi", "Yohanes", "Nur", "Agus", "Maria", "Slamet", "Wati"]
LAST = ["Aminah", "Santoso", "Hidayat", "Lestari", "Dakhi", "Halimah", "Saputra", "Ulin", "Riyadi", "Kaharap"]


def _people(n: int = 60) -> list[tuple[str, str]]:
    """(NIK, name): region 620301, birth date (women +40 on the day), serial."""
    out = []
    for i in range(n):
        day = 1 + i % 28 + (40 if i % 2 else 0)
        nik = f"620301{day:02d}{1 + i % 12:02d}{80 + i % 20:02d}{i + 1:04d}"
        out.append((nik, f"{FIRST[i % 10]} {LAST[(i * 3) % 10]}"))
    return out


PEOPLE = _people()
NIKS = [nik for nik, _ in PEOPLE]
NAMES = [name for _, name in PEOPLE]
SECRETS = NIKS + [nik[6:] for nik in NIKS] + NAMES + ["Sukarmi"]  # nor the masked tail on its own


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


@pytest.fixture()
def case(tmp_path) -> Path:
    rows = ["worker_id,name,village,priority,sector,income"]
    for i, (nik, name) in enumerate(PEOPLE):
        village = V1 if i % 3 else V2
        priority = ("extreme", "poor", "vulnerable")[i % 3]
        sector = "palm" if i % 2 else "farming"
        rows.append(f"{nik},{name},{village},{priority},{sector},{'1500000' if i % 7 == 0 else ''}")
    (tmp_path / "workers.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = {
        "format": "premium-alloc/v1",
        "name": "privacy fixture",
        "programs": ["JKK", "JKM"],
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        "quota": {"min": 10},
        "villages": [{"id": V1, "name": "Desa Satu", "regency": "62.03"}, {"id": V2, "name": "Desa Dua", "regency": "62.03"}],
        "workers": "workers.csv",
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 2_000_000, V2: 1_000_000}},
            {"id": "DBH", "kind": "dbh_sawit", "budget": 3_000_000, "eligible": {"sector": ["palm"]}},
            {"id": "APBD", "kind": "apbd", "budget": 1_500_000},
        ],
        "objective": {"priority_weights": {"extreme": 3, "poor": 2}, "quota_bonus": 5, "source_order": ["DD", "DBH", "APBD"]},
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(json.dumps(scenario, indent=1), encoding="utf-8")  # JSON is YAML too
    return path


@pytest.fixture()
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)  # root: the library's logger and every other one
    logging.getLogger("premium_alloc").setLevel(logging.DEBUG)
    return caplog


def test_the_scan_finds_an_unmasked_nik(case, capfd):
    """Positive control: asked explicitly, the full IDs are written, and the scan sees them."""
    plan = case.parent / "plan_full.csv"
    assert main(["solve", str(case), "--quiet", "--plan", str(plan), "--unmask-nik"]) == ExitCode.OK
    text = plan.read_text(encoding="utf-8")
    assert set(NIKS) <= set(re.findall(r"\d{16}", text))
    assert leaks(text)
    assert not [n for n in NAMES if n in text]  # names are never exported, even then


def test_cli_solve_leaks_nothing_on_any_channel(case, capfd, debug_logs):
    out_json = case.parent / "result.json"
    plan = case.parent / "plan.csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["solve", str(case), "--out", str(out_json), "--plan", str(plan)]) == ExitCode.OK
        assert main(["solve", str(case), "--json"]) == ExitCode.OK
        assert main(["validate", str(case)]) == ExitCode.OK
    std = capfd.readouterr()
    channels = {
        "stdout": std.out,
        "stderr": std.err,
        "logging": "\n".join(f"{r.name} {r.getMessage()}" for r in debug_logs.records) + debug_logs.text,
        "warnings": "\n".join(str(w.message) for w in caught),
        "result json": out_json.read_text(encoding="utf-8"),
        "plan csv": plan.read_text(encoding="utf-8"),
    }
    assert "status" in channels["stdout"] and channels["plan csv"].count("\n") == 2 * len(PEOPLE) + 1
    for name, text in channels.items():
        assert leaks(text) == [], f"personal data in {name}"
    masked = {line.split(",")[0] for line in channels["plan csv"].splitlines()[1:]}
    assert masked == {nik[:6] + "*" * 10 for nik in NIKS}


def test_api_objects_leak_nothing(case, debug_logs):
    result = pa.solve(case)
    workers = read_workers(case.parent / "workers.csv", villages=[V1, V2])
    default_plan = worker_plan(result, workers)
    written = write_worker_plan(result, workers, case.parent / "plan.csv")
    texts = {
        "repr(result)": repr(result),
        "str(result)": str(result),
        "repr(info)": repr(result.info),
        "repr(allocations)": repr(result.allocations) + repr(result.phases) + repr(result.sources) + repr(result.villages),
        "to_json": result.to_json(indent=1),
        "to_dict": repr(result.to_dict()),
        "frames": "\n".join(f.to_csv(index=False) for f in result.frames().values()),
        "summary": "\n".join(str(t) if isinstance(t, str) else repr(t.columns) + repr([c._cells for c in t.columns]) for t in summary_tables(result)),
        "model groups": result.model.groups.to_csv(index=False),
        "default plan": default_plan.to_csv(index=False) + repr(default_plan),
        "plan file": written.read_text(encoding="utf-8"),
        "logging": debug_logs.text,
    }
    for name, text in texts.items():
        assert leaks(text) == [], f"personal data in {name}"
    assert len(default_plan) == 2 * len(PEOPLE)


BAD_ROWS = [
    # (how the row is broken, row text builder)
    ("duplicate id", lambda nik, name: f"{NIKS[0]},{name},{V1},poor,palm,"),
    ("id pasted into village", lambda nik, name: f"{nik},{name},{nik},poor,palm,"),
    ("id pasted into income", lambda nik, name: f"{nik},{name},{V1},poor,palm,{nik}x"),
    ("name in village", lambda nik, name: f"{nik},{name},{name},poor,palm,"),
    ("one-word name in village", lambda nik, name: f"{nik},Sukarmi,Sukarmi,poor,palm,"),
    ("name in income", lambda nik, name: f"{nik},Sukarmi,{V1},poor,palm,Sukarmi"),
    ("empty priority", lambda nik, name: f"{nik},{name},{V1},,palm,"),
    ("extra field", lambda nik, name: f"{nik},{name},{V1},poor,palm,,{nik}"),
]


@pytest.mark.parametrize("how, make", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_errors_about_worker_rows_leak_nothing(case, capfd, debug_logs, how, make):
    lines = (case.parent / "workers.csv").read_text(encoding="utf-8").splitlines()
    nik, name = PEOPLE[5]
    lines[6] = make(nik, name)
    (case.parent / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        pa.solve(case)
    err = info.value
    assert "line 7" in str(err)
    api_text = "\n".join([str(err), repr(err), *map(str, err.problems), *map(repr, err.problems), *map(str, err.args)])
    assert leaks(api_text) == [], how
    for cmd in (["validate", str(case)], ["solve", str(case), "--plan", str(case.parent / "p.csv")]):
        assert main(cmd) == ExitCode.INVALID_INPUT
    std = capfd.readouterr()
    assert "line 7" in std.err
    for text in (std.out, std.err, debug_logs.text):
        assert leaks(text) == [], how
    assert not (case.parent / "p.csv").exists()


def test_a_worker_frame_with_problems_leaks_nothing(case):
    workers = read_workers(case.parent / "workers.csv", villages=[V1, V2])
    workers.loc[3, "worker_id"] = workers.loc[1, "worker_id"]
    workers.loc[4, "village"] = NIKS[4]
    with pytest.raises(ScenarioError) as info:
        pa.solve(case, workers=workers)
    assert "row 4, worker_id" in str(info.value) and "row 5, village" in str(info.value)
    assert leaks(str(info.value)) == []


SHORT_IDS = ["7", "42", "A17", "W-09", "12345", "ABC123", "P-00017"]


def test_short_ids_are_never_exported_in_clear(case):
    """IDs of at most 6 characters (the part a NIK keeps) are masked too, never written whole."""
    lines = (case.parent / "workers.csv").read_text(encoding="utf-8").splitlines()
    for i, wid in enumerate(SHORT_IDS, start=1):
        lines[i] = wid + lines[i][lines[i].index(","):]
    (case.parent / "workers.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = pa.solve(case)
    workers = read_workers(case.parent / "workers.csv", villages=[V1, V2])
    written = write_worker_plan(result, workers, case.parent / "plan.csv")
    shown = {line.split(",")[0] for line in written.read_text(encoding="utf-8").splitlines()[1:]}
    assert not set(SHORT_IDS) & shown
    expected = ["*", "4*", "A**", "W-**", "12***", "ABC***", "P-0****"]
    assert list(pa.mask_nik(SHORT_IDS)) == expected
    assert set(expected) <= shown
    # whatever the ID, at least half of it is starred, and the NIK keeps its region code
    for wid, masked in zip(SHORT_IDS + NIKS[:1], pa.mask_nik(SHORT_IDS + NIKS[:1])):
        assert len(masked) == len(wid) and masked.count("*") >= len(wid) / 2
    assert pa.mask_nik(NIKS[:1])[0] == NIKS[0][:6] + "*" * 10
