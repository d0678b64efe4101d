"""The CLI application: the typer app, exit codes, and the error boundary of every command.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 no feasible plan, 4 solver failure
(missing solver, solver error, or a plan that failed verification), 5 an optional extra is
not installed (``serve`` without the ``web`` extra), 70 internal error.
No traceback reaches the user (set PREMIUM_ALLOC_DEBUG=1 to see one).
"""

from __future__ import annotations

import os
import sys
from enum import IntEnum
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from .._version import __version__
from ..errors import PremiumAllocError, ScenarioError, SolverError, VerificationError


class ExitCode(IntEnum):
    """Process exit codes of the CLI."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INFEASIBLE = 3
    SOLVER_FAILURE = 4
    MISSING_EXTRA = 5
    INTERNAL = 70


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Plan who pays the BPJS Ketenagakerjaan premiums of vulnerable workers, optimally.",
)
out = Console()
err = Console(stderr=True)


def fail(code: ExitCode, message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(code))


@app.callback(invoke_without_command=True)
def _root(version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit(0)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turn every error into a message and an exit code."""
    try:
        # with standalone_mode=False click *returns* the code of a typer.Exit instead of raising it
        code = app(args=argv, standalone_mode=False)
        return int(code) if isinstance(code, int) else int(ExitCode.OK)
    except typer.Exit as e:
        return int(e.exit_code)
    except ScenarioError as e:
        # markup for the label only; the message (paths like sources[2]) is escaped and never wrapped
        err.print(f"[red]invalid input[/red]: {escape(str(e))}", highlight=False, soft_wrap=True)
        return int(ExitCode.INVALID_INPUT)
    except (SolverError, VerificationError) as e:
        err.print(f"solver failure: {e}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.SOLVER_FAILURE)
    except PremiumAllocError as e:
        err.print(f"error: {e}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INTERNAL)
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    except Exception as e:  # click usage errors and anything unexpected
        # typer >= 0.25 vendors its own click (typer._click): match both class families by name
        names = {c.__name__ for c in type(e).__mro__}
        if "ClickException" in names:
            e.show()  # type: ignore[attr-defined]
            return int(ExitCode.USAGE)
        if "Abort" in names:
            return 130
        if os.environ.get("PREMIUM_ALLOC_DEBUG"):
            raise
        err.print(f"internal error ({e.__class__.__name__}); rerun with PREMIUM_ALLOC_DEBUG=1 for details", highlight=False)
        return int(ExitCode.INTERNAL)


def entry() -> None:  # pragma: no cover - console script
    """Console-script wrapper."""
    sys.exit(main())
