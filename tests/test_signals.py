"""Real signals to a real CLI process: the run stops, every child ends, no file is left, one line is printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists() or os.name != "posix", reason="needs POSIX signals and /proc")

SLOW_SOLVE = """
import os, sys, time
from pathlib import Path
from premium_alloc import engine
marker = Path(os.environ["MARKER"])
real = engine.solve_part
def slow(*a, **k):  # a solve slowed down, so that the signal surely arrives mid-run
    marker.touch()
    time.sleep(0.5)
    return real(*a, **k)
engine.solve_part = slow
from premium_alloc.cli import main
sys.exit(main(sys.argv[1:]))
"""

SLOW_WRITE = """
import os, sys, time
from pathlib import Path
from premium_alloc import jsonfast
marker = Path(os.environ["MARKER"])
real = jsonfast.iter_dumps
def slow(*a, **k):  # a national-size write (minutes of pieces), slowed down
    for i, piece in enumerate(real(*a, **k)):
        if i == 5:
            marker.touch()
        if i >= 5:
            time.sleep(0.05)
        yield piece
jsonfast.iter_dumps = slow
from premium_alloc.cli import main
sys.exit(main(sys.argv[1:]))
"""

SLOW_CBC = """
import os, sys
import pulp
from premium_alloc import engine
pulp.PULP_CBC_CMD.pulp_cbc_path = os.environ["FAKE_CBC"]
real = engine.solve_part
def always_milp(part, *a, **k):  # CBC runs on every part
    a = list(a)
    if len(a) >= 4:
        a[3] = "always"
    else:
        k["milp"] = "always"
    return real(part, *a, **k)
engine.solve_part = always_milp
from premium_alloc.cli import main
sys.exit(main(sys.argv[1:]))
"""


def many_parts(villages: int = 24) -> dict:
    """Village budgets only: one independent part per village (a pool of workers solves them)."""
    ids = [f"62.03.01.{2001 + i}" for i in range(villages)]
    return {
        "format": "premium-alloc/v1",
        "name": "parts",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}],
        "villages": [{"id": v} for v in ids],
        "worker_groups": [{"village": v, "count": 30, "priority": "extreme", "sector": "farming"} for v in ids],
        "sources": [{"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {v: 1_000_000 for v in ids}}],
    }


def _children(pid: int) -> list[int]:
    parent = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                parent[int(name)] = int(Path(f"/proc/{name}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        todo += kids
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


def _wait_for(cond, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def _start(tmp_path: Path, script: str, args: list[str], **env: str) -> subprocess.Popen:
    code = tmp_path / "run.py"
    code.write_text(script, encoding="utf-8")
    tmp = tmp_path / "tmpdir"
    tmp.mkdir(exist_ok=True)
    full_env = {**os.environ, "TMPDIR": str(tmp), "MARKER": str(tmp_path / "started"), **env}
    return subprocess.Popen([sys.executable, str(code), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, start_new_session=True)


def _finish(proc: subprocess.Popen, kids: list[int]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise AssertionError("the run did not stop within 30 s of the signal") from None
    time.sleep(0.3)
    left = [p for p in kids if _alive(p)]
    for p in left:  # never leave a process behind, even when the test fails
        os.kill(p, signal.SIGKILL)
    assert left == [], f"child processes still alive after the run stopped: {left}"
    return proc.returncode, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("signum", "code", "group"), [(signal.SIGTERM, 143, False), (signal.SIGINT, 130, True)])
def test_a_signal_during_a_pooled_solve_ends_every_worker(tmp_path, signum, code, group):
    scen = tmp_path / "s.json"
    scen.write_text(json.dumps(many_parts()), encoding="utf-8")
    out = tmp_path / "r.json"
    proc = _start(tmp_path, SLOW_SOLVE, ["solve", str(scen), "--out", str(out), "--jobs", "2", "-q"])
    _wait_for(lambda: (tmp_path / "started").exists() and len(_children(proc.pid)) >= 2)
    kids = _children(proc.pid)
    # Ctrl-C in a terminal reaches the whole process group; SIGTERM only the main process
    os.killpg(proc.pid, signum) if group else proc.send_signal(signum)
    rc, err = _finish(proc, kids)
    assert rc == code, err
    assert "stopped by" in _one_line(err)
    assert not out.exists()
    assert list((tmp_path / "tmpdir").iterdir()) == []


def test_sigterm_while_the_result_is_written_leaves_no_file(tmp_path):
    from premium_alloc import synthetic

    scen = tmp_path / "s.json"
    synthetic.write(synthetic.kapuas_2024(), scen)
    out = tmp_path / "r.json"
    out.write_text("previous\n")
    proc = _start(tmp_path, SLOW_WRITE, ["solve", str(scen), "--out", str(out), "-q"])
    _wait_for(lambda: (tmp_path / "started").exists())
    proc.send_signal(signal.SIGTERM)
    rc, err = _finish(proc, _children(proc.pid))
    assert rc == 143, err
    _one_line(err)
    assert out.read_text() == "previous\n"  # the old file intact, nothing half written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.json", "run.py", "s.json", "started", "tmpdir"]


def test_sigterm_during_a_cbc_solve_ends_cbc_and_removes_its_files(tmp_path):
    import pulp

    real = pulp.PULP_CBC_CMD.pulp_cbc_path
    fake = tmp_path / "cbc"
    # a CBC that takes its time: a shell child that sleeps, then the real CBC
    fake.write_text(f'#!/bin/sh\ntouch "{tmp_path / "started"}"\nsleep 60\nexec "{real}" "$@"\n')
    fake.chmod(0o755)
    scen = tmp_path / "s.json"
    data = many_parts(2)
    data["sources"] = [{"id": "APBD", "kind": "apbd", "budget": 5_000_000}]
    scen.write_text(json.dumps(data), encoding="utf-8")
    proc = _start(tmp_path, SLOW_CBC, ["solve", str(scen), "--backend", "cbc", "--jobs", "1", "-q"], FAKE_CBC=str(fake))
    _wait_for(lambda: (tmp_path / "started").exists() and len(_children(proc.pid)) >= 2)
    kids = _children(proc.pid)
    proc.send_signal(signal.SIGTERM)
    rc, err = _finish(proc, kids)
    assert rc == 143, err
    _one_line(err)
    assert list((tmp_path / "tmpdir").iterdir()) == []  # PuLP's model and solution files removed
