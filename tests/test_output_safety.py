"""Outputs: never an input overwritten, never a partial file, clear errors (exit 74) when a write fails."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from premium_alloc import synthetic
from premium_alloc.cli import main
from premium_alloc.errors import OutputError
from premium_alloc.safeio import atomic_write, open_atomic

V1 = "62.03.01.2011"


def scenario(**extra) -> dict:
    d = {
        "format": "premium-alloc/v1",
        "name": "small",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": V1, "name": "Desa Satu"}],
        "worker_groups": [{"village": V1, "count": 40, "priority": "extreme", "sector": "farming"}],
        "sources": [{"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 2_000_000}],
    }
    d.update(extra)
    return d


def with_workers(tmp_path: Path) -> tuple[Path, Path]:
    csv = tmp_path / "workers.csv"
    csv.write_text("worker_id,village,priority,sector\n" + "".join(f"32012345678901{i:02d},{V1},extreme,farming\n" for i in range(10)), encoding="utf-8")
    d = scenario()
    del d["worker_groups"]
    d["workers"] = "workers.csv"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    return path, csv


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if "premium-alloc-tmp" in p.name)


# --------------------------------------------------------------------------- inputs never overwritten


@pytest.mark.parametrize("option", ["--out", "--plan", "--xlsx"])
def test_an_output_that_is_the_scenario_is_refused_and_the_scenario_kept(tmp_path, capsys, option):
    path, _ = with_workers(tmp_path)
    before = path.read_bytes()
    assert main(["solve", str(path), option, str(path), "-q"]) == 74
    assert path.read_bytes() == before
    assert "is an input of this run" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--out", "--plan", "--xlsx"])
def test_an_output_that_is_the_worker_list_is_refused(tmp_path, capsys, option):
    path, csv = with_workers(tmp_path)
    before = csv.read_bytes()
    assert main(["solve", str(path), option, str(csv), "-q"]) == 74
    assert csv.read_bytes() == before
    assert "workers.csv" in capsys.readouterr().err


def test_a_symlink_or_hard_link_to_the_input_is_refused(tmp_path):
    path = tmp_path / "s.yaml"
    synthetic.write(scenario(), path)
    before = path.read_bytes()
    (tmp_path / "link.json").symlink_to(path)
    os.link(path, tmp_path / "hard.json")
    assert main(["solve", str(path), "--out", str(tmp_path / "link.json"), "-q"]) == 74
    assert main(["solve", str(path), "--out", str(tmp_path / "hard.json"), "-q"]) == 74
    assert main(["solve", str(path), "--out", str(tmp_path / "sub" / ".." / "s.yaml"), "-q"]) == 74
    assert path.read_bytes() == before


def test_an_input_workbook_is_never_overwritten(tmp_path):
    from premium_alloc.io.excel import write_template

    book = write_template(tmp_path / "book.xlsx")
    before = book.read_bytes()
    assert main(["solve", str(book), "--xlsx", str(book), "-q"]) == 74
    assert book.read_bytes() == before


def test_two_outputs_on_one_file_are_refused(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario()), encoding="utf-8")
    target = tmp_path / "r.json"
    assert main(["solve", str(path), "--out", str(target), "--xlsx", str(target), "-q"]) == 74
    assert not target.exists()


# --------------------------------------------------------------------------- failing writes


def _scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario()), encoding="utf-8")
    return path


def test_missing_folder_directory_and_device_targets_are_exit_5(tmp_path, capsys):
    path = _scenario_file(tmp_path)
    assert main(["solve", str(path), "--out", str(tmp_path / "missing" / "r.json"), "-q"]) == 74
    assert "does not exist" in capsys.readouterr().err
    assert main(["solve", str(path), "--out", str(tmp_path), "-q"]) == 74
    assert "is a directory" in capsys.readouterr().err
    assert main(["solve", str(path), "--out", "/dev/full", "-q"]) == 74
    assert "not a regular file" in capsys.readouterr().err


def test_read_only_folder_is_exit_5(tmp_path, capsys, read_only_dir):
    path = _scenario_file(tmp_path)
    assert main(["solve", str(path), "--out", str(read_only_dir / "r.json"), "-q"]) == 74
    err = capsys.readouterr().err
    assert "read-only" in err
    assert list(read_only_dir.iterdir()) == []


def _mount(where: Path, options: str) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode == 0


@pytest.fixture
def read_only_dir(tmp_path):
    """A read-only tmpfs when root can mount one, else a folder without write permission."""
    where = Path(f"/tmp/premium-alloc-ro-{uuid.uuid4().hex[:8]}")
    where.mkdir()
    if _mount(where, "ro,size=64k"):
        try:
            yield where
        finally:
            subprocess.run(["umount", str(where)], check=False)
            where.rmdir()
        return
    where.chmod(0o555)
    if os.access(where, os.W_OK):
        where.rmdir()
        pytest.skip("cannot make a read-only folder here")
    try:
        yield where
    finally:
        where.chmod(0o755)
        where.rmdir()


@pytest.fixture
def tiny_tmpfs():
    """A 64 KB tmpfs (needs root and mount); skipped elsewhere (the patched full disk below still runs)."""
    where = Path(f"/tmp/premium-alloc-tmpfs-{uuid.uuid4().hex[:8]}")
    where.mkdir()
    if not _mount(where, "size=64k"):
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)
        where.rmdir()


def test_full_disk_leaves_no_file_on_a_real_small_tmpfs(tmp_path, tiny_tmpfs, capsys):
    # a result of a few hundred KB and a workbook on a 64 KB file system
    path = tmp_path / "s.json"
    synthetic.write(synthetic.kapuas_2024(), path)
    assert main(["solve", str(path), "--out", str(tiny_tmpfs / "r.json"), "-q"]) == 74
    assert "the disk is full" in capsys.readouterr().err
    assert main(["solve", str(path), "--xlsx", str(tiny_tmpfs / "r.xlsx"), "-q"]) == 74
    assert list(tiny_tmpfs.iterdir()) == []


def test_full_disk_keeps_the_previous_file(tmp_path, tiny_tmpfs):
    path = tmp_path / "s.json"
    synthetic.write(synthetic.kapuas_2024(), path)
    old = tiny_tmpfs / "r.json"
    old.write_text("{}\n")
    assert main(["solve", str(path), "--out", str(old), "-q"]) == 74
    assert old.read_text() == "{}\n"
    assert [p.name for p in tiny_tmpfs.iterdir()] == ["r.json"]


def test_full_disk_simulated_in_the_middle_of_a_write(tmp_path, monkeypatch):
    from premium_alloc import jsonfast

    path = _scenario_file(tmp_path)
    target = tmp_path / "r.json"
    real = jsonfast.iter_dumps

    def half(*a, **k):
        for i, piece in enumerate(real(*a, **k)):
            if i == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            yield piece

    monkeypatch.setattr(jsonfast, "iter_dumps", half)
    assert main(["solve", str(path), "--out", str(target), "-q"]) == 74
    assert not target.exists()
    assert leftovers(tmp_path) == []


def test_an_error_inside_a_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "x.csv"
    target.write_text("old\n")

    def broken(tmp: Path) -> None:
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, broken)
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []
    with pytest.raises(OutputError):
        with open_atomic(target) as fh:
            fh.write("new")
            raise OSError(errno.ENOSPC, "full")
    assert target.read_text() == "old\n"
    assert leftovers(tmp_path) == []


def test_a_write_through_a_symlink_replaces_the_file_it_points_to(tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    with open_atomic(link) as fh:
        fh.write("new")
    assert link.is_symlink() and real.read_text() == "new"


# --------------------------------------------------------------------------- standard output


def _cli(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "premium_alloc", *args], capture_output=True, text=True, timeout=120, **kw)


def test_closed_stdout_is_a_clear_error_with_exit_5(tmp_path):
    path = _scenario_file(tmp_path)
    r = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(1); from premium_alloc.cli import main; sys.exit(main(sys.argv[1:]))", "solve", str(path), "--json"],
        stdout=None, stderr=subprocess.PIPE, text=True, timeout=120,
    )
    assert r.returncode == 74, r.stderr
    assert "standard output is closed" in r.stderr
    assert "Traceback" not in r.stderr
    # closed by the shell before Python starts (sys.stdout is None)
    r = subprocess.run(f"{sys.executable} -m premium_alloc solve {path} >&-", shell=True, capture_output=True, text=True, timeout=120)
    assert r.returncode == 74, r.stderr
    assert "standard output is closed" in r.stderr


def test_closed_stdout_with_quiet_and_out_still_writes(tmp_path):
    path = _scenario_file(tmp_path)
    target = tmp_path / "r.json"
    r = subprocess.run(
        [sys.executable, "-c", "import os, sys; os.close(1); from premium_alloc.cli import main; sys.exit(main(sys.argv[1:]))", "solve", str(path), "-q", "--out", str(target)],
        stderr=subprocess.PIPE, text=True, timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(target.read_text())["status"] == "optimal"


def test_a_pipe_closed_early_is_exit_5_without_a_traceback(tmp_path, monkeypatch, capsys):
    # a reader that went away: every write to stdout fails with EPIPE
    path = _scenario_file(tmp_path)

    class DeadPipe:
        encoding = "utf-8"

        def write(self, text):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self):
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def fileno(self):
            raise OSError(errno.EBADF, "no file")

        def isatty(self):
            return False

    monkeypatch.setattr(sys, "stdout", DeadPipe())
    assert main(["solve", str(path), "--json"]) == 74
    err = capsys.readouterr().err
    assert "standard output" in err and "Traceback" not in err


# --------------------------------------------------------------------------- formula injection

EVIL = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_plan_csv_neutralises_formula_like_ids_and_villages(tmp_path):
    import csv

    vid = "=HYPERLINK(A1)"
    rows = "".join(f"{e}{i},{vid},extreme,farming\n" for i, e in enumerate(["=1+2", "+99", "-12345678901234", "@x"] * 3))
    (tmp_path / "w.csv").write_text("worker_id,village,priority,sector\n" + rows, encoding="utf-8")
    d = scenario(villages=[{"id": vid, "name": "=cmd|' /C calc'!A0"}], sources=[{"id": "APBD", "kind": "apbd", "budget": 10_000_000}])
    del d["worker_groups"]
    d["workers"] = "w.csv"
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    plan = tmp_path / "plan.csv"
    assert main(["solve", str(path), "--plan", str(plan), "--unmask-nik", "-q"]) == 0
    with plan.open(encoding="utf-8", newline="") as fh:
        cells = [c for row in list(csv.reader(fh))[1:] for c in row]
    assert cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'" + vid in cells


def _formula_cells(path: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}={c.value!r}" for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_workbooks_hold_no_formula_cell(tmp_path):
    from premium_alloc.io.excel import read_workbook, write_scenario

    vid = "=HYPERLINK(\"http://evil\",\"desa\")"
    d = scenario(
        name="=1+1",
        villages=[{"id": vid, "name": "=2+2"}],
        worker_groups=[{"village": vid, "count": 5, "priority": "extreme", "sector": "=3+3"}],
        sources=[{"id": "=SRC", "kind": "apbd", "budget": 1_000_000, "name": "=4+4"}],
    )
    d["labels"] = {"sector": ["=3+3"]}  # declared on purpose: an undeclared sector is refused
    path = tmp_path / "s.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    out = tmp_path / "r.xlsx"
    assert main(["solve", str(path), "--xlsx", str(out), "-q"]) == 0
    assert _formula_cells(out) == []
    book = write_scenario(d, tmp_path / "book.xlsx")
    assert _formula_cells(book) == []
    # and the text comes back as typed
    back = read_workbook(book)
    assert back.villages[0].id == vid and back.sources[0].id == "=SRC"


def test_compare_outputs_hold_no_formula(tmp_path):
    import csv

    path = _scenario_file(tmp_path)
    out_csv, out_xlsx = tmp_path / "c.csv", tmp_path / "c.xlsx"
    assert main(["compare", str(path), "--variant", "@SUM(1):APBD+=1000000", "--csv", str(out_csv), "--xlsx", str(out_xlsx)]) == 0
    with out_csv.open(encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'@SUM(1)" in cells and "@SUM(1)" not in cells
    assert _formula_cells(out_xlsx) == []


@pytest.mark.parametrize("command", [["frontier", "--source", "APBD", "--factors", "0,1"], ["need"], ["marginal"], ["explain"]])
def test_planner_commands_never_overwrite_their_scenario(tmp_path, command):
    path = _scenario_file(tmp_path)
    before = path.read_bytes()
    assert main([command[0], str(path), *command[1:], "--csv", str(path)]) == 74
    assert path.read_bytes() == before


def test_compare_never_overwrites_its_variants_file(tmp_path):
    path = _scenario_file(tmp_path)
    vfile = tmp_path / "v.yaml"
    vfile.write_text("variants:\n  - name: more\n    changes: ['APBD+=1000000']\n", encoding="utf-8")
    before = vfile.read_bytes()
    assert main(["compare", str(path), "--variants", str(vfile), "--xlsx", str(vfile)]) == 74
    assert vfile.read_bytes() == before


def test_planner_commands_never_overwrite_the_worker_list(tmp_path):
    path, csv = with_workers(tmp_path)
    before = csv.read_bytes()
    assert main(["marginal", str(path), "--csv", str(csv)]) == 74
    assert csv.read_bytes() == before
