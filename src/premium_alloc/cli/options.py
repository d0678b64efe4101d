"""Options shared by several commands, and their checks (one place for each)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from ..labels import LANGS
from .app import ExitCode, fail

if TYPE_CHECKING:
    from ..scenario import Scenario

ScenarioArg = Annotated[Path, typer.Argument(help="scenario file: YAML or JSON (format v1), or a planner workbook (.xlsx)")]
LangOpt = Annotated[str, typer.Option("--lang", help="language of tables, workbooks and charts: en or id")]
CsvOpt = Annotated[Optional[Path], typer.Option("--csv", help="also write the table as CSV here")]
PlotOpt = Annotated[Optional[Path], typer.Option("--plot", help="also draw the chart to this image file (PNG, SVG, PDF)")]


def check_lang_option(lang: str) -> str:
    """``lang`` when it is a known language; otherwise a usage error (exit 2) naming the choices."""
    if lang not in LANGS:
        fail(ExitCode.USAGE, f"--lang: {lang!r} is not one of {', '.join(LANGS)}")
    return lang


def load(path: Path, outputs: Sequence[tuple[str, Path | None]] = (), inputs: Sequence[Path | None] = ()) -> Scenario:
    """Load and validate the scenario a command was given; refuse (exit 74) an output that is its worker list."""
    from ..io.load import load_scenario

    sc = load_scenario(path)
    if outputs:
        check_outputs(list(outputs), [path, sc.workers, *inputs])
    return sc


def check_gap(gap: float | None, option: str = "--gap") -> float | None:
    """``gap`` when it is a finite number in [0, 1) (or ``None``); otherwise a usage error (exit 2)."""
    if gap is not None and not (math.isfinite(gap) and 0 <= gap < 1):
        fail(ExitCode.USAGE, f"{option}: {gap!r} is not a relative gap from 0 (inclusive) to 1 (exclusive), e.g. 0.005")
    return gap


def check_time_limit(seconds: float | None, option: str = "--time-limit") -> float | None:
    """``seconds`` when it is finite and positive (or ``None``); otherwise a usage error (exit 2)."""
    if seconds is not None and not (math.isfinite(seconds) and seconds > 0):
        fail(ExitCode.USAGE, f"{option}: {seconds!r} is not a positive, finite number of seconds")
    return seconds


def check_outputs(outputs: list[tuple[str, Path | None]], inputs: list[str | Path | None]) -> None:
    """Refuse (exit 74) an output that is one of the inputs or another output, before any work."""
    from ..safeio import check_outputs as check

    check(outputs, inputs)


_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_premium_options(programs: str, month: str, months: int, income: int, sector: str, funder: str) -> tuple[list[str], str, str]:
    """The options of ``premium`` checked and in canonical form (programs, funder, sector); exit 2 otherwise.

    Every problem is reported at once: an unknown or repeated program, a month that is not
    YYYY-MM (1900-2100), months outside 1-120, an income that is not 1 to 10^15 rupiah, an
    unknown funder kind or sector.
    """
    from ..labels import canonical, known
    from ..scenario import MAX_INCOME, MAX_YEAR, MIN_YEAR

    bad: list[str] = []
    progs = [p.strip() for p in programs.split(",") if p.strip()]
    canon = [canonical("program", p) for p in progs]
    unknown = [p for p, c in zip(progs, canon) if c is None]
    if not progs:
        bad.append(f"--programs: {programs!r} names no program (choose from {', '.join(known('program'))})")
    elif unknown:
        bad.append(f"--programs: {', '.join(map(repr, unknown))} not a known program (choose from {', '.join(known('program'))})")
    elif len(set(canon)) != len(canon):
        bad.append(f"--programs: {programs!r} names a program twice (each is paid once)")
    if not _YEAR_MONTH.match(month.strip()) or not MIN_YEAR <= int(month.strip()[:4]) <= MAX_YEAR:
        bad.append(f"--month: {month!r} is not YYYY-MM with a year from {MIN_YEAR} to {MAX_YEAR} (e.g. 2024-01)")
    if not 1 <= months <= 120:
        bad.append(f"--months: {months} is not a number of months from 1 to 120")
    if not 1 <= income <= MAX_INCOME:
        bad.append(f"--income: {income} is not a monthly income of Rp1 to Rp{MAX_INCOME:,}")
    kind = canonical("kind", funder)
    if kind is None:
        bad.append(f"--funder: {funder!r} is not a known funder kind (choose from {', '.join(known('kind'))})")
    sec = canonical("sector", sector) if sector.strip() else ""
    if sec is None:
        bad.append(f"--sector: {sector!r} is not a known sector (choose from {', '.join(known('sector'))})")
    if bad:
        fail(ExitCode.USAGE, "; ".join(bad))
    return [c for c in canon if c is not None], str(kind), str(sec)


def check_factors(values: list[float] | None, option: str, maximum: float = 1e6) -> list[float] | None:
    """``values`` when each is finite, >= 0 and <= ``maximum`` (or ``None``); otherwise a usage error (exit 2)."""
    if values is None:
        return None
    bad = [v for v in values if not (math.isfinite(v) and 0 <= v <= maximum)]
    if bad:
        fail(ExitCode.USAGE, f"{option}: {', '.join(repr(v) for v in bad)} not a finite number from 0 to {maximum:,.0f}")
    if not values:
        fail(ExitCode.USAGE, f"{option}: names no value")
    return values
