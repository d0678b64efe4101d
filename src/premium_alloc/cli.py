"""Command line: ``premium-alloc solve | validate | demo | premium``.

Exit codes: 0 ok, 1 invalid input, 2 usage error, 3 no feasible plan, 4 solver failure
(missing solver, solver error, or a plan that failed verification), 70 internal error.
No traceback reaches the user (set PREMIUM_ALLOC_DEBUG=1 to see one).
"""

from __future__ import annotations

import json
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from . import __version__
from .errors import PremiumAllocError, ScenarioError, SolverError, VerificationError
from .gcpause import paused_gc
from .groups import group_table
from .model import build_model
from .plan import write_worker_plan
from .rates import monthly_premium, phase_premium
from .report import print_summary, rupiah
from .result import Result
from .scenario import Scenario, load_scenario
from .parallel import make_executor
from .solve import SolveOptions, solve_model


class ExitCode(IntEnum):
    """Process exit codes of the CLI."""

    OK = 0
    INVALID_INPUT = 1
    USAGE = 2
    INFEASIBLE = 3
    SOLVER_FAILURE = 4
    INTERNAL = 70


app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Plan who pays the BPJS Ketenagakerjaan premiums of vulnerable workers, optimally.",
)
out = Console()
err = Console(stderr=True)


def _fail(code: ExitCode, message: str) -> None:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(int(code))


def _run(
    sc: Scenario, *, backend: str, gap: float | None, time_limit: float | None, quiet: bool, jobs: int = 0
) -> tuple[Result, object]:
    groups, workers = group_table(sc)
    model = build_model(sc, groups)
    n = len(model.parts)
    opts = SolveOptions(backend=backend, gap=gap, time_limit=time_limit)
    executor = make_executor(jobs, n, model.n_cols)
    try:
        if n >= 20 and not quiet:
            with Progress(TextColumn("solving"), BarColumn(), TextColumn("{task.completed}/{task.total} parts"), TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("solve", total=n)
                result = solve_model(model, opts, executor=executor, progress=lambda i, total: bar.update(task, completed=i))
        else:
            result = solve_model(model, opts, executor=executor)
    finally:
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
    return result, workers


def _report(result: Result, *, out_path: Path | None, quiet: bool, as_json: bool) -> None:
    if out_path is not None:
        result.write_json(out_path)
    if as_json:
        sys.stdout.write(result.to_json(indent=1) + "\n")
    elif not quiet:
        print_summary(result, out)
        if out_path is not None:
            out.print(f"result written to {out_path}")


BackendOpt = Annotated[str, typer.Option("--backend", "-b", help="highs (default), cbc (PuLP's bundled CBC) or any PuLP solver name")]
GapOpt = Annotated[Optional[float], typer.Option("--gap", help="accepted relative gap to the proven bound (default: the scenario's)")]
TimeOpt = Annotated[Optional[float], typer.Option("--time-limit", help="seconds (default: the scenario's)")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print nothing but errors")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result JSON on stdout instead of tables")]
JobsOpt = Annotated[
    int,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        help="processes solving independent parts: 0 = automatic (a pool of one per CPU for big models), 1 = this process only",
    ),
]


@app.command()
def solve(
    scenario: Annotated[Path, typer.Argument(help="scenario file: YAML or JSON (format v1), or a planner workbook (.xlsx)")],
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="write the result JSON here")] = None,
    plan: Annotated[Optional[Path], typer.Option("--plan", help="write the per-worker plan CSV here (needs `workers:`)")] = None,
    unmask: Annotated[bool, typer.Option("--unmask-nik", help="write full worker IDs in --plan (personal data!)")] = False,
    backend: BackendOpt = "highs",
    gap: GapOpt = None,
    time_limit: TimeOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="write a formatted result workbook here")] = None,
    lang: Annotated[str, typer.Option("--lang", help="language of the --xlsx workbook: en or id")] = "en",
    jobs: JobsOpt = 0,
) -> None:
    """Solve a scenario (YAML, JSON or planner workbook) and print coverage, villages below quota and the shortfall."""
    with paused_gc():  # millions of acyclic objects: see premium_alloc.gcpause
        sc = load_scenario(scenario)
        result, workers = _run(sc, backend=backend, gap=gap, time_limit=time_limit, quiet=quiet or as_json, jobs=jobs)
        if plan is not None:
            if workers is None:
                _fail(ExitCode.INVALID_INPUT, "--plan needs a scenario with a `workers:` list (worker_groups have no worker IDs)")
            write_worker_plan(result, workers, plan, mask=not unmask)  # type: ignore[arg-type]
        _report(result, out_path=out_path, quiet=quiet, as_json=as_json)
        if xlsx is not None:
            from .excel import write_result

            write_result(result, xlsx, lang=lang)


def _count(n: int, noun: str) -> str:
    """``1 phase``, ``2 phases``, ``1,058 workers``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@app.command()
def validate(scenario: Annotated[Path, typer.Argument(help="scenario file: YAML or JSON (format v1), or a planner workbook (.xlsx)")]) -> None:
    """Check a scenario and list every problem (exit 1 if any)."""
    sc = load_scenario(scenario)
    groups, _ = group_table(sc)
    model = build_model(sc, groups)
    out.print(
        f"[green]valid[/green]: {sc.name or scenario.name}: {_count(len(sc.villages), 'village')}, "
        f"{_count(int(groups['count'].sum()), 'worker')} in {_count(len(groups), 'group')}, "
        f"{_count(len(sc.sources), 'source')}, {_count(len(sc.phases), 'phase')}; "
        f"{_count(model.n_cols, 'column')} in {_count(len(model.parts), 'independent part')}"
    )
    for w in model.warnings:
        out.print(f"[yellow]warning:[/yellow] {w}")


@app.command()
def demo(
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="write the result JSON here")] = None,
    scenario_out: Annotated[Optional[Path], typer.Option("--write-scenario", help="also write the demo scenario (YAML/JSON)")] = None,
    backend: BackendOpt = "highs",
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Solve the embedded Kapuas-2024-shaped scenario (illustrative synthetic data)."""
    from . import synthetic

    data = synthetic.kapuas_2024()
    if scenario_out is not None:
        synthetic.write(data, scenario_out)
    sc = Scenario.from_dict(data)
    if not (quiet or as_json):
        out.print(
            "[bold]Demo[/bold]: a regency shaped like Kapuas, Central Kalimantan, 2024 - "
            "[italic]illustrative synthetic data, not real figures[/italic]."
        )
    result, _ = _run(sc, backend=backend, gap=None, time_limit=None, quiet=quiet or as_json)
    _report(result, out_path=out_path, quiet=quiet, as_json=as_json)
    if not (quiet or as_json) and result.info is not None:
        out.print(f"solved in {result.info.seconds:.2f} s ({result.info.columns:,} columns)")


@app.command()
def premium(
    programs: Annotated[str, typer.Option(help="comma-separated programs, e.g. JKK,JKM,JHT")] = "JKK,JKM",
    month: Annotated[str, typer.Option(help="YYYY-MM")] = "2024-01",
    months: Annotated[int, typer.Option(help="phase length in months")] = 1,
    income: Annotated[int, typer.Option(help="declared monthly income tier, Rp")] = 1_000_000,
    sector: Annotated[str, typer.Option(help="worker's sector (discounts depend on it)")] = "",
    funder: Annotated[str, typer.Option(help="funder kind: dana_desa, apbdes, dbh_sawit, apbd, apbd_provinsi, apbn, csr")] = "apbd",
) -> None:
    """Print the premium of a cover package for one worker-month and for a phase."""
    progs = [p.strip() for p in programs.split(",") if p.strip()]
    try:
        m = monthly_premium(progs, month, income=income, sector=sector, funder=funder)
        total = phase_premium(progs, month, months, income=income, sector=sector, funder=funder)
    except (KeyError, ValueError) as e:
        _fail(ExitCode.INVALID_INPUT, f"{e}")
        return
    out.print(f"{'+'.join(progs)} for {funder} in {month}: {rupiah(m)} a month; {months} month(s) from {month}: {rupiah(total)}")


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


from . import planner_cli  # noqa: E402,F401 - registers compare, frontier, need, marginal, explain


def entry() -> None:  # pragma: no cover - console script
    """Console-script wrapper."""
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    entry()
