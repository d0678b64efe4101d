"""`premium-alloc serve` as a real process: clean stops, concurrency, the CLI without the web extra."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
import httpx
import psutil
from server_helpers import running_server, small

from premium_alloc import synthetic


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_stops_it_cleanly(sig: signal.Signals, tmp_path: Path) -> None:
    path = tmp_path / "small.json"
    path.write_text(json.dumps(small()), encoding="utf-8")
    with running_server(str(path)) as (proc, base):
        assert httpx.post(base + "/ui/whatif", json={"budgets": {"APBD": 20_000_000}}).status_code == 200
        me = psutil.Process(proc.pid)
        kids = me.children(recursive=True)
        proc.send_signal(sig)
        assert proc.wait(timeout=20) == 0
        err = proc.stderr.read() if proc.stderr else ""
        assert "Traceback" not in err
        assert not [k for k in kids if k.is_running() and k.status() != psutil.STATUS_ZOMBIE]
    assert "POST /ui/whatif 200" in err and "Tiga Desa" not in err


def test_sixteen_solves_at_once_each_equal_to_a_lone_one() -> None:
    data = synthetic.kapuas_2024()
    with running_server() as (_, base):
        with httpx.Client(timeout=300) as c:
            lone = c.post(base + "/v1/solve", json=data).content
        done: list[float] = []
        health: list[float] = []
        stop = threading.Event()

        def one(_: int) -> bytes:
            with httpx.Client(timeout=300) as c:
                body = c.post(base + "/v1/solve", json=data).content
            done.append(time.monotonic())
            return body

        def poll() -> None:
            with httpx.Client(timeout=300) as c:
                while not stop.is_set():
                    assert c.get(base + "/v1/health").json()["status"] == "ok"
                    health.append(time.monotonic())
                    time.sleep(0.05)

        poller = threading.Thread(target=poll)
        with ThreadPoolExecutor(16) as pool:
            futures = [pool.submit(one, i) for i in range(16)]
            poller.start()
            answers = [f.result() for f in futures]
        stop.set()
        poller.join()
    assert all(a == lone for a in answers)
    # /v1/health kept answering while solves were still running (order of events, not a timing)
    assert sum(1 for h in health if h < max(done)) >= 3


def test_help_is_fast_to_import_and_needs_no_web_extra() -> None:
    code = (
        "import sys\n"
        "for m in ('fastapi', 'uvicorn', 'starlette'): sys.modules[m] = None\n"  # as if the extra were not installed
        "from premium_alloc.cli import main\n"
        "try:\n"
        "    rc = main(['--help'])\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        "print('RC', rc)\n"
        "print('RC2', main(['serve']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert "serve" in out.stdout
    assert "RC 0" in out.stdout
    assert "RC2 5" in out.stdout  # ExitCode.MISSING_EXTRA
    assert "pip install 'premium-alloc[web]'" in out.stderr
    assert "Traceback" not in out.stderr
    # and the CLI does not import the server for anything else
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; from premium_alloc.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint('LOADED', 'fastapi' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "LOADED False" in probe.stdout


def test_serve_binds_to_localhost_by_default() -> None:
    with running_server() as (proc, _):
        conns = [c for c in psutil.Process(proc.pid).net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
        assert conns and all(c.laddr.ip == "127.0.0.1" for c in conns)


def test_serve_refuses_a_bad_language_and_a_missing_file(tmp_path: Path) -> None:
    from premium_alloc.cli import main

    assert main(["serve", "--lang", "fr"]) == 2
    assert main(["serve", str(tmp_path / "nope.yaml")]) == 1


def test_page_changes_from_several_screens_at_once_are_each_right() -> None:
    data = synthetic.kapuas_2024()
    apbd = next(s for s in data["sources"] if s["id"] == "APBD")["budget"]
    controls = [{"budgets": {"APBD": apbd + k * 137_000_001}} for k in range(8)]
    with running_server() as (_, base):
        with httpx.Client(timeout=300) as c:
            alone = [c.post(base + "/ui/whatif", json=ctl).json() for ctl in controls]
        # a fresh server, so that nothing is answered from the first one's cache
    with running_server() as (_, base):

        def one(ctl: dict) -> dict:
            with httpx.Client(timeout=300) as c:
                return c.post(base + "/ui/whatif", json=ctl).json()

        with ThreadPoolExecutor(8) as pool:
            together = list(pool.map(one, controls + controls))
    assert together == alone + alone


def test_a_port_in_use_is_a_clear_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    from premium_alloc.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "Traceback" not in err
