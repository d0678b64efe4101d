"""Options shared by several commands, and their checks (one place for each)."""

from __future__ import annotations

import math
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


def load(path: Path) -> Scenario:
    """Load and validate the scenario a command was given."""
    from ..io.load import load_scenario

    return load_scenario(path)


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
