"""The command line ``premium-alloc``: solve, validate, demo, premium and the planner commands.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 no feasible plan, 4 solver failure,
5 an optional extra missing, 70 internal error, 74 output error, 130 stopped by Ctrl-C,
143 stopped by SIGTERM (see :class:`~premium_alloc.cli.app.ExitCode`).
"""

from __future__ import annotations

from . import commands, places, planner, serve  # noqa: F401 - importing them registers their commands on the app
from .app import ExitCode, app, entry, main

__all__ = ["ExitCode", "app", "entry", "main"]
