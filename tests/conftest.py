"""Shared test configuration: hypothesis profiles.

``ci`` (the default) keeps the property tests fast and reproducible; ``thorough`` runs at
least 10,000 cases per property test and explores freshly each run. Choose with
``HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_properties.py``.
Tests that set their own ``max_examples`` keep it under both profiles.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# tests/ on sys.path so that `from reference import ...` and `from strategies import ...` work
# whatever pytest's import mode
sys.path.insert(0, str(Path(__file__).resolve().parent))

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "thorough",
    max_examples=10_000,
    deadline=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --------------------------------------------------------------------------- nothing left behind
# A run of the suite must leave no process and no temporary file of premium_alloc behind: the
# session fails when a child process of pytest is still alive at the end, or when a temporary
# file of an atomic write (".premium-alloc-tmp") or a solver folder ("premium_alloc_*") remains.

import tempfile as _tempfile  # noqa: E402
import time as _time  # noqa: E402

_TMP_BEFORE: set[str] = set()


def _solver_tmp() -> set[str]:
    try:
        return {n for n in os.listdir(_tempfile.gettempdir()) if n.startswith("premium_alloc_")}
    except OSError:
        return set()


def _live_children() -> list[str]:
    out = []
    me = os.getpid()
    try:
        names = os.listdir("/proc")
    except OSError:
        return out
    for n in names:
        if not n.isdigit():
            continue
        try:
            raw = Path(f"/proc/{n}/stat").read_bytes()
        except OSError:
            continue
        head, _, rest = raw.rpartition(b")")
        fields = rest.split()
        if len(fields) > 1 and int(fields[1]) == me and fields[0] != b"Z":
            out.append(f"{n} {head.split(b'(', 1)[-1].decode(errors='replace')}")
    return out


def pytest_sessionstart(session):  # noqa: ANN001
    _TMP_BEFORE.update(_solver_tmp())


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001
    if hasattr(session.config, "workerinput"):
        return
    deadline = _time.monotonic() + 5
    children = _live_children()
    while children and _time.monotonic() < deadline:  # pools and servers a test just closed
        _time.sleep(0.1)
        children = _live_children()
    left = sorted(_solver_tmp() - _TMP_BEFORE)
    base = getattr(session.config, "_tmp_path_factory", None)
    partial: list[str] = []
    try:
        root = base.getbasetemp() if base is not None else None
    except Exception:  # noqa: BLE001 - no tmp_path used in this run
        root = None
    if root is not None and Path(root).exists():
        partial = [str(p) for p in Path(root).rglob("*premium-alloc-tmp*")]
    problems = [f"child process still alive: {c}" for c in children] + [f"solver temporary folder left: {n}" for n in left] + [f"partial output left: {p}" for p in partial]
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in problems:
            if reporter is not None:
                reporter.write_line(f"LEAK: {line}", red=True)
        session.exitstatus = 1
