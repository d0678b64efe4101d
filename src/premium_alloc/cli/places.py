"""Place command: ``regions`` (the Kemendagri 2025 list: a regency's villages, desa or kelurahan)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from .app import ExitCode, app, fail, out
from .options import LangOpt, check_lang_option


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
