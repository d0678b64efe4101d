"""Helpers shared by the benchmark scripts: the machine's load and the CLI to run."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine inflates wall times)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:  # pragma: no cover
        return []


def cli() -> list[str]:
    """The ``premium-alloc`` command of this interpreter's environment."""
    script = Path(sys.executable).with_name("premium-alloc")
    return [str(script)] if script.exists() else [sys.executable, "-m", "premium_alloc.cli"]
