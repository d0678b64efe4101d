"""Helpers of the server tests: a small scenario, a real server in a subprocess."""

from __future__ import annotations

import copy
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

V1, V2, V3 = "62.03.01.2011", "62.03.01.2020", "62.03.02.2006"


def small() -> dict[str, Any]:
    """Three villages, a village source, a palm-only pooled source and a regency APBD."""
    return {
        "format": "premium-alloc/v1",
        "name": "Tiga Desa",
        "phases": [{"id": "p1", "start": "2024-01", "months": 6}, {"id": "p2", "start": "2024-07", "months": 6}],
        "quota": {"min": 40},
        "villages": [{"id": V1, "name": "Desa Satu"}, {"id": V2, "name": "Desa Dua"}, {"id": V3, "name": "Desa Tiga"}],
        "worker_groups": [
            {"village": V1, "count": 120, "priority": "extreme", "sector": "palm"},
            {"village": V1, "count": 60, "priority": "poor", "sector": "farming"},
            {"village": V2, "count": 90, "priority": "extreme", "sector": "farming"},
            {"village": V3, "count": 70, "priority": "vulnerable", "sector": "palm", "income": 2_000_000},
        ],
        "sources": [
            {"id": "DD", "kind": "dana_desa", "scope": "village", "budgets": {V1: 6_000_000, V2: 3_000_001, V3: 2_000_000}},
            {"id": "DBH", "kind": "dbh_sawit", "scope": "regency", "budget": 9_000_000, "eligible": {"sector": ["palm"]}},
            {"id": "APBD", "kind": "apbd", "scope": "regency", "budget": 12_345_678},
        ],
        "objective": {"gap": 0.001},
    }


def scaled(data: dict[str, Any], source: str, new_total: int) -> dict[str, Any]:
    """The contract's rule written out: a village source's budgets b become b * new // old."""
    out = copy.deepcopy(data)
    s = next(x for x in out["sources"] if x["id"] == source)
    if s["scope"] == "village":
        old = sum(s["budgets"].values())
        s["budgets"] = {v: b * new_total // old for v, b in s["budgets"].items()}
    else:
        s["budget"] = new_total
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def console_script() -> list[str]:
    exe = Path(sys.executable).with_name("premium-alloc")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "premium_alloc.cli"]


@contextmanager
def running_server(*args: str, timeout: float = 60.0) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``premium-alloc serve`` on a free port; yields the process and its base URL; stops it after."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*console_script(), "serve", *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    t_end = time.monotonic() + timeout
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
            try:
                if httpx.get(base + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > t_end:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
