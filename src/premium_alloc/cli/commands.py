"""Core commands: ``solve``, ``validate``, ``demo``, ``premium``.

Heavy modules (pandas, the engine) are imported inside the commands, so that ``--help`` and
usage errors answer at once.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape

from .app import ExitCode, app, end_children, err, fail, out
from .gcpause import paused_gc
from .options import LangOpt, ScenarioArg, check_gap, check_lang_option, check_outputs, check_premium_options, check_time_limit

if TYPE_CHECKING:
    from ..result import Result
    from ..scenario import Scenario


def _run(
    sc: Scenario, *, backend: str, gap: float | None, time_limit: float | None, quiet: bool, jobs: int = 0, workers: object = None
) -> tuple[Result, object]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ..engine import SolveOptions, build_model, solve_model
    from ..parallel import make_executor

    model = build_model(sc, workers=workers)  # type: ignore[arg-type]
    n = len(model.parts)
    opts = SolveOptions(backend=backend, gap=gap, time_limit=time_limit)
    executor = make_executor(jobs, n, model.n_cols)
    try:
        if n >= 20 and not quiet:
            with Progress(TextColumn("solving"), BarColumn(), TextColumn("{task.completed}/{task.total} parts"), TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("solve", total=n)
                result = solve_model(model, opts, executor=executor, progress=lambda i, total: bar.update(task, completed=i))
        elif not quiet:  # one or a few parts: a MILP may still run for the whole time limit
            with err.status(f"solving ({model.n_cols:,} columns)", spinner="dots"):
                result = solve_model(model, opts, executor=executor)
        else:
            result = solve_model(model, opts, executor=executor)
    except BaseException:
        if executor is not None:  # a signal or an error: end the workers now, do not wait for their parts
            import threading

            # the pool's manager thread may trip over futures already cancelled: stay quiet
            threading.excepthook = lambda args: None
            end_children()
            executor.shutdown(wait=False, cancel_futures=True)
        raise
    if executor is not None:
        executor.shutdown(wait=True, cancel_futures=True)
    return result, model.workers


def _report(result: Result, *, out_path: Path | None, quiet: bool, as_json: bool, lang: str = "en") -> None:
    from ..labels import word
    from ..report import print_summary, status_sentence

    if out_path is not None:
        result.write_json(out_path)
    if as_json:
        sys.stdout.write(result.to_json(indent=1) + "\n")
    elif not quiet:
        print_summary(result, out, lang=lang)  # the status warning is its second line
    why = status_sentence(result, lang)
    if why and (quiet or as_json):  # stdout carries no warning then: say it on stderr
        err.print(f"[yellow]{word('warning', lang)}:[/yellow] {escape(why)}", highlight=False, soft_wrap=True)
    if not as_json and not quiet:
        if out_path is not None:
            out.print(word("result_written", lang).format(path=out_path))


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
    scenario: ScenarioArg,
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="write the result JSON here")] = None,
    plan: Annotated[Optional[Path], typer.Option("--plan", help="write the per-worker plan CSV here (needs `workers:` or a workbook's workers sheet; NIK masked)")] = None,
    unmask: Annotated[bool, typer.Option("--unmask-nik", help="write full worker IDs in --plan (personal data!)")] = False,
    backend: BackendOpt = "highs",
    gap: GapOpt = None,
    time_limit: TimeOpt = None,
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="write a formatted result workbook here")] = None,
    lang: LangOpt = "en",
    jobs: JobsOpt = 0,
) -> None:
    """Solve a scenario (YAML, JSON or planner workbook) and print coverage, villages below quota and the shortfall."""
    lang = check_lang_option(lang)
    check_gap(gap)
    check_time_limit(time_limit)
    outputs = [("--out", out_path), ("--plan", plan), ("--xlsx", xlsx)]
    check_outputs(outputs, [scenario])
    if xlsx is not None:  # before solving: a missing extra is exit 5 with the install command
        from ..io.excel import require_openpyxl

        require_openpyxl()
    with paused_gc():  # millions of acyclic objects: see premium_alloc.gcpause
        from ..plan import write_worker_plan

        sc, listed = _load_with_workers(scenario, lang)
        check_outputs(outputs, [scenario, sc.workers])  # the worker list is known once the scenario is read
        result, workers = _run(sc, backend=backend, gap=gap, time_limit=time_limit, quiet=quiet or as_json, jobs=jobs, workers=listed)
        if plan is not None:
            if workers is None:
                fail(ExitCode.INVALID_INPUT, "--plan needs a scenario with a `workers:` list or a workbook with a workers sheet (worker_groups have no worker IDs)")
            write_worker_plan(result, workers, plan, mask=not unmask)  # type: ignore[arg-type]
        _report(result, out_path=out_path, quiet=quiet, as_json=as_json, lang=lang)
        if xlsx is not None:
            from ..workbook import write_result

            write_result(result, xlsx, lang=lang, workers=workers, mask=not unmask)  # type: ignore[arg-type]
            if not (quiet or as_json):
                from ..labels import word

                out.print(word("workbook_written", lang).format(path=xlsx))


def _load_with_workers(path: Path, lang: str) -> tuple[Scenario, object]:
    """The scenario, and for a workbook with a workers sheet its worker list (for --plan and the per-worker sheet)."""
    from ..io.load import load_scenario

    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from ..io.excel import read_workbook_workers

        sc, workers = read_workbook_workers(path, lang=lang)
        if workers is not None:  # solve from the list itself, so that the plan is handed back per worker
            sc = sc.model_copy(update={"worker_groups": None, "workers": str(path)})
        return sc, workers
    return load_scenario(path), None


def _count(n: int, noun: str, lang: str = "en") -> str:
    """``1 phase``, ``2 phases``, ``1,058 workers`` (``id``: ``1.058 pekerja``, no plural)."""
    from ..formats import count
    from ..labels import word

    name = word(f"noun_{noun.split()[-1]}", lang)
    return f"{count(n, lang)} {name}{'' if n == 1 or lang != 'en' else 's'}"


@app.command()
def validate(scenario: ScenarioArg, lang: LangOpt = "en") -> None:
    """Check a scenario and list every problem at once, in the chosen language (exit 1 if any)."""
    from ..labels import translate, word
    from ..model import build_model  # not the engine: validate needs no solver

    check_lang_option(lang)
    sc, workers = _load_with_workers(scenario, lang)
    model = build_model(sc, workers=workers)  # type: ignore[arg-type]
    groups = model.groups
    summary = word("validate_summary", lang).format(
        name=sc.name or scenario.name, villages=_count(len(sc.villages), "village", lang),
        workers=_count(int(groups["count"].sum()), "worker", lang), groups=_count(len(groups), "group", lang),
        sources=_count(len(sc.sources), "source", lang), phases=_count(len(sc.phases), "phase", lang),
        columns=_count(model.n_cols, "column", lang), parts=_count(len(model.parts), "part", lang),
    )
    out.print(f"[green]{word('valid', lang)}[/green]: {summary}")
    for w in model.warnings:
        out.print(f"[yellow]{word('warning', lang)}:[/yellow] {translate(w, lang)}")


@app.command()
def demo(
    out_path: Annotated[Optional[Path], typer.Option("--out", "-o", help="write the result JSON here")] = None,
    scenario_out: Annotated[Optional[Path], typer.Option("--write-scenario", help="also write the demo scenario (YAML/JSON)")] = None,
    backend: BackendOpt = "highs",
    quiet: QuietOpt = False,
    as_json: JsonOpt = False,
    xlsx: Annotated[Optional[Path], typer.Option("--xlsx", help="write a formatted result workbook here")] = None,
    lang: LangOpt = "en",
) -> None:
    """Solve the embedded Kapuas-2024-shaped scenario (illustrative synthetic data)."""
    lang = check_lang_option(lang)
    from .. import synthetic
    from ..formats import count, decimal
    from ..labels import word
    from ..scenario import Scenario

    data = synthetic.kapuas_2024()
    check_outputs([("--out", out_path), ("--write-scenario", scenario_out), ("--xlsx", xlsx)], [])
    if scenario_out is not None:
        synthetic.write(data, scenario_out)
    sc = Scenario.from_dict(data)
    if not (quiet or as_json):
        out.print(word("demo_head", lang))
    result, _ = _run(sc, backend=backend, gap=None, time_limit=None, quiet=quiet or as_json)
    _report(result, out_path=out_path, quiet=quiet, as_json=as_json, lang=lang)
    if xlsx is not None:
        from ..workbook import write_result

        write_result(result, xlsx, lang=lang)
    if not (quiet or as_json) and result.info is not None:
        out.print(word("solved_in", lang).format(seconds=decimal(result.info.seconds, 2, lang), columns=count(result.info.columns, lang)))


@app.command()
def premium(
    programs: Annotated[str, typer.Option(help="comma-separated programs, e.g. JKK,JKM,JHT")] = "JKK,JKM",
    month: Annotated[str, typer.Option(help="YYYY-MM")] = "2024-01",
    months: Annotated[int, typer.Option(help="phase length in months")] = 1,
    income: Annotated[int, typer.Option(help="declared monthly income tier, Rp")] = 1_000_000,
    sector: Annotated[str, typer.Option(help="worker's sector (discounts depend on it)")] = "",
    funder: Annotated[str, typer.Option(help="funder kind: dana_desa, apbdes, dbh_sawit, apbd, apbd_provinsi, apbn, csr (or Dana Desa, DBH Sawit, ...)")] = "apbd",
    lang: LangOpt = "en",
) -> None:
    """Print the premium of a cover package for one worker-month and for a phase."""
    from ..formats import rupiah
    from ..labels import word
    from ..rates import monthly_premium, phase_premium

    check_lang_option(lang)
    progs, funder, sector = check_premium_options(programs, month, months, income, sector, funder)
    try:
        m = monthly_premium(progs, month, income=income, sector=sector, funder=funder)
        total = phase_premium(progs, month, months, income=income, sector=sector, funder=funder)
    except (KeyError, ValueError) as e:
        fail(ExitCode.INVALID_INPUT, f"{e}")
    out.print(word("premium_line", lang).format(programs="+".join(progs), funder=funder, month=month, monthly=rupiah(m, lang), months=months, total=rupiah(total, lang)))


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="where to write the workbook (.xlsx)")],
    lang: LangOpt = "en",
    workers: Annotated[bool, typer.Option("--workers", help="a workers sheet (one row per worker, with NIK) instead of worker groups")] = False,
    regency: Annotated[Optional[str], typer.Option("--regency", help="pre-fill with this regency's real villages (Kemendagri code, e.g. 62.03)")] = None,
    start: Annotated[str, typer.Option("--start", help="with --regency: first month of the plan's phase, YYYY-MM")] = "2026-01",
) -> None:
    """Write a planner workbook to fill in: sheets, headers, drop-down lists and instructions in the chosen language.

    With --regency the workbook lists that regency's villages (codes, names, districts; a
    village budget row for each desa only) with counts and budgets of 0 to fill in.
    """
    import re

    from .. import places
    from ..io.excel import require_openpyxl, write_template
    from ..labels import word

    check_lang_option(lang)
    check_outputs([("PATH", path)], [])
    require_openpyxl()
    if regency is not None:
        regency = regency.strip()
        if workers:
            fail(ExitCode.USAGE, "--regency and --workers: the pre-filled template has worker groups; give one of them")
        if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", start):
            fail(ExitCode.USAGE, f"--start: {start!r} is not YYYY-MM")
        if places.level(regency) != 2:
            fail(ExitCode.INVALID_INPUT, f"--regency: {regency!r} is not a regency code in the Kemendagri 2025 list (e.g. 62.03)")
    write_template(path, lang=lang, workers=workers, regency=regency, start=start)
    out.print(word("template_written", lang).format(path=path), highlight=False)
    if regency is not None:
        v = places.villages(regency)
        desa = int((v["kind"] == "desa").sum())
        out.print(f"{places.name(regency)}: {len(v)} villages ({desa} desa, {len(v) - desa} kelurahan) to fill in", highlight=False)


