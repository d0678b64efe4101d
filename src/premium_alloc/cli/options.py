"""Options shared by several commands, and their checks (one place for each)."""

from __future__ import annotations

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
