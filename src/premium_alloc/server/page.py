"""The what-if page: ``GET /``, its assets under ``/static``, and the small JSON routes it calls.

The page posts its controls (total budget per source, months per phase, JHT on or off) to
``/ui/whatif`` and shows the figures; ``/ui/marginal`` then tells what one more Rp1 billion
of each source buys; ``/ui/plan.xlsx`` and ``/ui/scenario.xlsx`` download the current plan
and the changed scenario as workbooks. Every asset is served from the package.
"""

from __future__ import annotations

import json
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .._version import __version__
from ..errors import Problem, ScenarioError
from ..labels import LANGS, translate, word
from .api import in_worker
from .inputs import parse_json
from .session import SWITCHABLE, Session, WhatIf, month_limits, source_total

router = APIRouter(include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _static() -> Path:
    return Path(str(resources.files("premium_alloc.server").joinpath("static")))


def mount_static(app: FastAPI) -> None:
    """Serve the page's assets (script, styles, icon) from the package."""
    app.mount("/static", StaticFiles(directory=_static()), name="static")


@router.get("/", response_class=HTMLResponse)
async def index(request: Request, lang: str | None = Query(None)) -> HTMLResponse:
    """The what-if page, in the server's language unless ``?lang=`` says otherwise."""
    chosen = lang if lang in ("id", "en") else request.app.state.settings.lang
    html = (_static() / "index.html").read_text(encoding="utf-8").replace("{{LANG}}", chosen)
    return HTMLResponse(html, headers={"cache-control": "no-store"})


def state(session: Session) -> dict[str, Any]:
    """What the page needs to draw its controls: sources, phases, programs, village names."""
    sc = session.scenario
    data = session.data
    limits = month_limits(data["phases"])
    return {
        "name": sc.name,
        "label": session.label,
        "version": __version__,
        "sources": [
            {
                "id": s["id"],
                "kind": s.get("kind", ""),
                "kind_label": {lang: word(f"funder.{s.get('kind', '')}", lang).removeprefix("funder.") for lang in LANGS},
                "scope": s.get("scope", ""),
                "total": source_total(s),
                "villages": len(s.get("budgets") or {}),
            }
            for s in data["sources"]
        ],
        "phases": [{"id": p.id, "start": p.start, "months": p.months, "max_months": limits[p.id][0], "next": limits[p.id][1]} for p in sc.phases],
        "programs": list(sc.programs),
        "switchable": list(SWITCHABLE),
        "villages": {v.id: (v.name or v.id) for v in sc.villages},
        "workers": session.workers_total,
    }


@router.get("/ui/state")
async def ui_state(request: Request) -> JSONResponse:
    """The opened scenario's controls."""
    return JSONResponse(state(request.app.state.session))


def figures(session: Session, change: WhatIf) -> dict[str, Any]:
    """The headline figures of a what-if: per phase, per source, by source and phase, villages below floor."""
    solved = session.solve(change)
    r, sc = solved.result, solved.scenario
    names = {v.id: (v.name or v.id) for v in sc.villages}
    months = {p.id: p.months for p in sc.phases}
    starts = {p.id: p.start for p in sc.phases}
    vf = r.villages_frame()
    below = vf[vf["covered"] < vf["quota_target"]]
    cov = r.coverage_frame()
    return {
        "status": r.status,
        "gap": r.gap,
        "phases": [
            {
                "phase": p.phase,
                "start": starts[p.phase],
                "months": months[p.phase],
                "eligible": p.eligible,
                "covered": p.covered,
                "uncovered": p.uncovered,
                "cost_idr": p.cost_idr,
                "shortfall_idr": p.shortfall_idr,
                "below_floor": int((below["phase"] == p.phase).sum()),
            }
            for p in r.phases
        ],
        "sources": [{"source": s.source, "budget_idr": s.budget_idr, "spent_idr": s.spent_idr, "workers": s.workers} for s in r.sources],
        "coverage": [{"source": str(a), "phase": str(b), "workers": int(c), "cost_idr": int(d)} for a, b, c, d in cov[["source", "phase", "workers", "cost_idr"]].itertuples(index=False)],
        "below": [
            {"village": str(v), "name": names.get(str(v), str(v)), "phase": str(p), "covered": int(c), "target": int(t), "missing": int(t - c)}
            for v, p, c, t in below[["village", "phase", "covered", "quota_target"]].itertuples(index=False)
        ],
        "warnings": list(r.warnings),
        "warnings_id": [translate(w, "id") for w in r.warnings],  # the page switches language without a new solve
        "programs": list(sc.programs),
    }


async def _controls(request: Request) -> WhatIf:
    return WhatIf.from_json(parse_json(await request.body()))


@router.post("/ui/whatif")
async def ui_whatif(request: Request) -> JSONResponse:
    """Solve the page's controls on the kept model; the figures it shows."""
    change = await _controls(request)
    return JSONResponse(await in_worker(request, figures, request.app.state.session, change))


@router.post("/ui/marginal")
async def ui_marginal(request: Request) -> JSONResponse:
    """What one more Rp1 billion of each source buys, from the page's controls (re-solved)."""
    change = await _controls(request)
    rows = await in_worker(request, request.app.state.session.marginal, change, background=True)
    return JSONResponse({"rows": rows})


def _query_controls(controls: str) -> WhatIf:
    try:
        data = json.loads(controls) if controls else {}
    except json.JSONDecodeError:
        raise ScenarioError([Problem("query.controls", "is not JSON")]) from None
    return WhatIf.from_json(data)


def _workbook(session: Session, change: WhatIf, lang: str, what: str) -> bytes:
    from ..io.excel import write_scenario
    from ..workbook import write_result

    solved = session.solve(change)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "out.xlsx"
        if what == "plan":
            write_result(solved.result, path, lang=lang)
        else:
            write_scenario(solved.scenario, path, lang=lang)
        return path.read_bytes()


def _download(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"', "cache-control": "no-store"}


@router.get("/ui/plan.xlsx")
async def ui_plan(request: Request, controls: str = Query(""), lang: str = Query("id")) -> Response:
    """The plan of the current controls as a result workbook (summary, coverage, below floor ...)."""
    lang = lang if lang in ("id", "en") else "id"
    body = await in_worker(request, _workbook, request.app.state.session, _query_controls(controls), lang, "plan")
    return Response(body, media_type=XLSX, headers=_download("rencana.xlsx" if lang == "id" else "plan.xlsx"))


@router.get("/ui/scenario.xlsx")
async def ui_scenario(request: Request, controls: str = Query(""), lang: str = Query("id")) -> Response:
    """The changed scenario as a planner workbook (``premium-alloc solve`` reads it back)."""
    lang = lang if lang in ("id", "en") else "id"
    body = await in_worker(request, _workbook, request.app.state.session, _query_controls(controls), lang, "scenario")
    return Response(body, media_type=XLSX, headers=_download("skenario.xlsx" if lang == "id" else "scenario.xlsx"))
