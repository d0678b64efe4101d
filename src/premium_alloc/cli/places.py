"""Place commands: ``regions`` (the Kemendagri list) and ``template`` (a planner workbook to fill in)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import ExitCode, app, fail, out
from .options import LangOpt, check_lang_option, check_outputs


@app.command()
def regions(
    code: Annotated[Optional[str], typer.Argument(help="a province (62), regency (62.03) or district (62.03.01) code; none: the provinces")] = None,
    lang: LangOpt = "en",
) -> None:
    """List the Kemendagri 2025 places under a code: a regency's or district's villages (name, desa or kelurahan)."""
    check_lang_option(lang)
    import pandas as pd

    from .. import places
    from .tables import print_frame

    t = places.table()
    if code is None:
        rows = t[t["level"] == 1]
        print_frame(pd.DataFrame({"code": rows.index, "name": rows["name"].to_numpy()}), "Provinces (Kemendagri 2025)", lang)
        return
    code = code.strip()
    level = places.level(code)
    if level == 0:
        what = "is not in the Kemendagri 2025 list" if places.looks_like_code(code) else "is not a Kemendagri code (e.g. 62.03)"
        fail(ExitCode.INVALID_INPUT, f"{code!r} {what}")
    if level == 4:
        d = places.describe([code]).iloc[0]
        out.print(f"{code} {d['name']} ({d['kind']}), {d['district_name']}, {d['regency_name']}, {d['province_name']}")
        return
    if level == 1:
        rows = t[(t["level"] == 2) & t.index.str.startswith(code + ".")]
        print_frame(pd.DataFrame({"code": rows.index, "name": rows["name"].to_numpy(), "kind": rows["kind"].to_numpy()}),
                    f"{places.name(code)}: {len(rows)} regencies and cities", lang)
        return
    v = places.villages(code)
    desa = int((v["kind"] == "desa").sum())
    title = f"{places.name(code)} ({code}): {len(v)} villages = {desa} desa + {len(v) - desa} kelurahan"
    if level == 2:
        title += f", {v['district'].nunique()} districts"
    print_frame(v[["code", "name", "kind", "district_name"]], title, lang)


@app.command()
def template(
    path: Annotated[Path, typer.Argument(help="the workbook to write (.xlsx)")],
    regency: Annotated[Optional[str], typer.Option("--regency", help="pre-fill with this regency's villages, e.g. 62.03")] = None,
    start: Annotated[str, typer.Option("--start", help="first month of the plan's phase, YYYY-MM")] = "2026-01",
    lang: LangOpt = "en",
) -> None:
    """Write a planner workbook template; with --regency, pre-filled with that regency's real villages."""
    check_lang_option(lang)
    check_outputs([("FILE", path)], [])
    import re

    from .. import places
    from ..io.excel import write_template

    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", start):
        fail(ExitCode.USAGE, f"--start: {start!r} is not YYYY-MM")
    if regency is not None and places.level(regency.strip()) != 2:
        fail(ExitCode.INVALID_INPUT, f"--regency: {regency!r} is not a regency code in the Kemendagri 2025 list (e.g. 62.03)")
    write_template(path, lang=lang, regency=regency.strip() if regency else None, start=start)
    if regency:
        v = places.villages(regency.strip())
        desa = int((v["kind"] == "desa").sum())
        out.print(f"{path}: {places.name(regency.strip())}, {len(v)} villages ({desa} desa, {len(v) - desa} kelurahan) to fill in")
    else:
        out.print(f"{path}: the example template")
