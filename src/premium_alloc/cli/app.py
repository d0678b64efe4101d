"""The CLI application: the typer app, exit codes, and the error boundary of every command.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 no feasible plan, 4 solver failure
(missing solver, solver error, or a plan that failed verification), 5 an optional extra is
not installed (``serve`` without the ``web`` extra, charts without matplotlib, workbooks without
openpyxl: the message gives the install command), 70 internal error, 74 output error (an
output cannot be written: missing or read-only folder, a directory or device as target, a full
disk, a closed standard output, or an output that is one of the inputs), 130 stopped by Ctrl-C
(SIGINT), 143 stopped by SIGTERM. A stopped run ends its child processes (the process pool, CBC) and removes
its temporary files; no partial output is ever left.
No traceback reaches the user (set PREMIUM_ALLOC_DEBUG=1 to see one).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from .._version import __version__
from ..errors import MissingDependencyError, OutputError, PremiumAllocError, ScenarioError, SolverError, VerificationError


class ExitCode(IntEnum):
    """Process exit codes of the CLI."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INFEASIBLE = 3
    SOLVER_FAILURE = 4
    MISSING_EXTRA = 5
    OUTPUT = 74
    INTERNAL = 70
    SIGINT = 130
    SIGTERM = 143


class Stopped(BaseException):
    """A signal (SIGINT, SIGTERM, SIGHUP) stops the run: raised in the main thread by the handler.

    A ``BaseException``, like ``KeyboardInterrupt``, so that no ``except Exception`` swallows it.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Plan who pays the BPJS Ketenagakerjaan premiums of vulnerable workers, optimally.",
)
out = Console()
err = Console(stderr=True)
#: the language of the running command (set from --lang), for messages printed by :func:`main`
state = {"lang": "en"}


def _lang_of(argv: list[str] | None) -> str:
    args = list(sys.argv[1:] if argv is None else argv)
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return args[i + 1] if args[i + 1] in ("en", "id") else "en"
        if a.startswith("--lang="):
            v = a.split("=", 1)[1]
            return v if v in ("en", "id") else "en"
    return "en"


def fail(code: ExitCode, message: str) -> NoReturn:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(code))


@app.callback(invoke_without_command=True)
def _root(version: Annotated[bool, typer.Option("--version", help="print the version and exit")] = False) -> None:
    if version:
        out.print(__version__)
        raise typer.Exit(0)


def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (read from /proc; direct children elsewhere)."""
    try:
        names = os.listdir("/proc")
    except OSError:
        import multiprocessing

        return [p.pid for p in multiprocessing.active_children() if p.pid is not None]
    parent: dict[int, int] = {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            parent[int(name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    kids: dict[int, list[int]] = {}
    for child, ppid in parent.items():
        kids.setdefault(ppid, []).append(child)
    out: list[int] = []
    todo = [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def end_children(grace: float = 2.0) -> None:
    """End every child process of this run (process pool workers, CBC): SIGTERM, then SIGKILL after ``grace`` s."""
    pids = _children(os.getpid())
    if not pids:
        return
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        _reap()
        alive = [p for p in alive if _alive(p)]
    for pid in alive + _children(os.getpid()):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    time.sleep(0.02)
    _reap()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _raise_stopped(signum: int, frame: Any) -> None:
    raise Stopped(signum)


@contextmanager
def _signals() -> Iterator[None]:
    """SIGINT, SIGTERM (and SIGHUP) raise :class:`Stopped` in the main thread while a command runs.

    SIGINT too, rather than ``KeyboardInterrupt``, which click would turn into an ``Abort``
    after printing a blank line.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    old = {s: signal.signal(s, _raise_stopped) for s in wanted}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


class _ClosedStdout:
    """Stands in for a closed standard output: any write is an :class:`OutputError` (exit 74)."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise OutputError("standard output is closed: nothing can be printed (use --quiet with --out, or redirect it)")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("standard output is closed")


def _stopped(code: int, what: str) -> int:
    from ..safeio import remove_temporaries

    end_children()
    remove_temporaries()
    try:
        err.print(f"stopped by {what}: child processes ended, no partial output left", highlight=False, soft_wrap=True)
    except Exception:  # noqa: S110 - stderr may be gone too; the exit code still says it
        pass
    return int(code)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI, turn every error into a message and an exit code."""
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()  # type: ignore[assignment]
    try:
        with _signals():
            return _main(argv)
    except KeyboardInterrupt:  # raised before the handlers were in place
        return _stopped(ExitCode.SIGINT, "Ctrl-C (SIGINT)")
    except Stopped as e:
        what = "Ctrl-C (SIGINT)" if e.signum == signal.SIGINT else signal.Signals(e.signum).name
        return _stopped(128 + e.signum, what)


def _command() -> Any:
    """The click command of :data:`app`, its flags shown without a type tag (``--quiet``, not ``--quiet <bool>``)."""
    from ..labels import cli_help

    cmd = typer.main.get_command(app)
    lang = state["lang"]

    def untag(c: Any, name: str | None = None) -> None:
        if name is not None and lang != "en":  # help texts in the chosen language, where they are in the labels data
            c.help = cli_help(c.help, lang, command=name)
            c.short_help = None
        for p in c.params:
            if getattr(p, "is_flag", False):
                p.metavar = ""
            if lang != "en" and getattr(p, "help", None):
                p.help = cli_help(p.help, lang)
        make_help = c.get_help_option

        def help_option(ctx: Any, make_help: Any = make_help) -> Any:
            opt = make_help(ctx)
            if opt is not None:
                opt.metavar = ""
                opt.help = cli_help(opt.help, lang)
            return opt

        c.get_help_option = help_option
        for sub_name, sub in getattr(c, "commands", {}).items():
            untag(sub, sub_name)

    untag(cmd)
    return cmd


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError) as e:
        raise OutputError("standard output was closed before everything was printed") from e


def _main(argv: list[str] | None) -> int:
    state["lang"] = _lang_of(argv)
    try:
        # with standalone_mode=False click *returns* the code of a typer.Exit instead of raising it
        code = _command().main(args=argv, standalone_mode=False, prog_name="premium-alloc")
        _flush_stdout()
        return int(code) if isinstance(code, int) else int(ExitCode.OK)
    except typer.Exit as e:
        return int(e.exit_code)
    except OutputError as e:
        err.print(f"[red]cannot write output[/red]: {escape(str(e))}", highlight=False, soft_wrap=True)
        return int(ExitCode.OUTPUT)
    except SystemExit as e:
        if type(sys.stdout).__name__ != "PacifyFlushWrapper":  # click's own exit after EPIPE on stdout
            raise
        err.print("cannot write output: standard output was closed before everything was printed", highlight=False)
        return int(ExitCode.OUTPUT) if e.code == 1 else int(e.code or 0)
    except OSError as e:
        if e.errno not in (errno.EPIPE, errno.EBADF):
            raise
        try:  # no "Exception ignored" at exit when the interpreter flushes the dead pipe again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        err.print("cannot write output: standard output is closed or was closed before everything was printed", highlight=False)
        return int(ExitCode.OUTPUT)
    except MissingDependencyError as e:
        err.print(f"[red]missing extra[/red]: {escape(str(e))}", highlight=False, soft_wrap=True)
        return int(ExitCode.MISSING_EXTRA)
    except ScenarioError as e:
        # markup for the label only; the message (paths like sources[2]) is escaped and never wrapped
        from ..labels import word

        head = word("invalid_input", state["lang"])
        err.print(f"[red]{head}[/red]: {escape(e.render(state['lang']))}", highlight=False, soft_wrap=True)
        return int(ExitCode.INVALID_INPUT)
    except (SolverError, VerificationError) as e:
        err.print(f"solver failure: {e}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.SOLVER_FAILURE)
    except PremiumAllocError as e:
        err.print(f"error: {e}", highlight=False, markup=False, soft_wrap=True)
        return int(ExitCode.INTERNAL)
    except KeyboardInterrupt:
        return _stopped(ExitCode.SIGINT, "Ctrl-C (SIGINT)")
    except Stopped:
        raise
    except Exception as e:  # click usage errors and anything unexpected
        # typer >= 0.25 vendors its own click (typer._click): match both class families by name
        names = {c.__name__ for c in type(e).__mro__}
        if "ClickException" in names:
            e.show()  # type: ignore[attr-defined]
            return int(ExitCode.USAGE)
        if "Abort" in names:
            return _stopped(ExitCode.SIGINT, "Ctrl-C (SIGINT)")
        if os.environ.get("PREMIUM_ALLOC_DEBUG"):
            raise
        err.print(f"internal error ({e.__class__.__name__}); rerun with PREMIUM_ALLOC_DEBUG=1 for details", highlight=False)
        return int(ExitCode.INTERNAL)


def entry() -> None:  # pragma: no cover - console script
    """Console-script wrapper."""
    sys.exit(main())
