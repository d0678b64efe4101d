"""The v1 API: health, schemas, validate, solve, compare (see docs/howto/api.md)."""

from __future__ import annotations

import logging
import math
from typing import Any

import anyio
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from .._version import __version__
from ..engine import build_model
from ..engine import solve as run_solve
from ..errors import PremiumAllocError, Problem, ScenarioError
from ..variants import compare as run_compare
from ..variants import parse_change
from . import schemas
from .inputs import BadJson, parse_json, problems_json, scenario_from_body

router = APIRouter(prefix="/v1")
log = logging.getLogger("premium_alloc.server")

_SCENARIO_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": "/v1/schema/scenario"}}}}}
_COMPARE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["scenario", "variants"],
                    "properties": {
                        "scenario": {"$ref": "/v1/schema/scenario"},
                        "variants": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["name", "changes"],
                                "properties": {"name": {"type": "string"}, "changes": {"type": "array", "items": {"type": "string"}, "examples": [["APBD+=2e9"]]}},
                            },
                        },
                    },
                }
            }
        },
    }
}


async def in_worker(request: Request, fn: Any, *args: Any, background: bool = False) -> Any:
    """Run blocking work (a solve) in a worker thread, at most ``solve_slots`` at a time.

    The event loop stays free, so ``/v1/health`` answers while solves run. ``background``
    work (the page's "one more Rp1 billion" re-solves) has a single slot of its own, so that
    it never holds up the figures of the next change.
    """
    limiter = request.app.state.background if background else request.app.state.limiter
    try:
        return await anyio.to_thread.run_sync(fn, *args, limiter=limiter)
    except (PremiumAllocError, BadJson):
        raise
    except Exception as err:  # noqa: BLE001 - never a traceback (or a value from the input) to the client or the log
        log.error("internal error (%s) on %s %s", err.__class__.__name__, request.method, request.url.path)
        raise HTTPException(500, f"internal error ({err.__class__.__name__})") from None


def invalid(err: ScenarioError, data: Any = None) -> JSONResponse:
    """422 with every problem: path, the value found there in ``data``, message."""
    return JSONResponse({"valid": False, "problems": problems_json(err.problems, data), "more": err.more}, status_code=422)


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: ``{"status": "ok", "version": ...}``."""
    return {"status": "ok", "version": __version__}


@router.get("/schema/scenario", response_class=Response, responses={200: {"content": {"application/schema+json": {}}}})
async def schema_scenario() -> Response:
    """JSON Schema (draft 2020-12) of scenario v1."""
    return Response(schemas.shipped("scenario"), media_type="application/schema+json")


@router.get("/schema/result", response_class=Response, responses={200: {"content": {"application/schema+json": {}}}})
async def schema_result() -> Response:
    """JSON Schema (draft 2020-12) of result v1."""
    return Response(schemas.shipped("result"), media_type="application/schema+json")


def _validate(data: Any) -> list[str]:
    sc, workers = scenario_from_body(data)
    return list(build_model(sc, workers=workers).warnings)


@router.post("/validate", openapi_extra=_SCENARIO_BODY)
async def validate(request: Request) -> JSONResponse:
    """Every problem of a scenario with its path and value (422), or its warnings (200)."""
    data = parse_json(await request.body())
    try:
        warnings = await in_worker(request, _validate, data)
    except ScenarioError as err:
        return invalid(err, data)
    return JSONResponse({"valid": True, "warnings": warnings})


def solve_document(data: Any, gap: float | None = None, time_limit: float | None = None) -> bytes:
    """The result v1 document of a posted scenario, byte for byte what ``premium-alloc solve --out`` writes."""
    sc, workers = scenario_from_body(data)
    # jobs=1: parts solved in this process (a pool per request would multiply under load);
    # the plan does not depend on where its parts are solved
    result = run_solve(sc, workers=workers, gap=gap, time_limit=time_limit, jobs=1)
    return (result.to_json(indent=1) + "\n").encode("utf-8")


def _check_query(gap: float | None, time_limit: float | None) -> None:
    problems = []
    if gap is not None and not (math.isfinite(gap) and 0 <= gap < 1):
        problems.append(Problem("query.gap", f"{gap!r} is not a relative gap from 0 to below 1"))
    if time_limit is not None and not (math.isfinite(time_limit) and time_limit > 0):
        problems.append(Problem("query.time_limit", f"{time_limit!r} is not a positive number of seconds"))
    if problems:
        raise ScenarioError(problems)


@router.post("/solve", openapi_extra=_SCENARIO_BODY, response_class=Response, responses={200: {"content": {"application/json": {"schema": {"$ref": "/v1/schema/result"}}}}})
async def solve(
    request: Request,
    gap: float | None = Query(None, description="accepted relative gap (default: the scenario's objective.gap)"),
    time_limit: float | None = Query(None, description="seconds (default: the scenario's objective.time_limit); past it status is feasible"),
) -> Response:
    """Solve a scenario; answer result v1 (the same bytes ``premium-alloc solve --out`` writes)."""
    _check_query(gap, time_limit)
    data = parse_json(await request.body())
    try:
        body = await in_worker(request, solve_document, data, gap, time_limit)
    except ScenarioError as err:
        return invalid(err, data)
    return Response(body, media_type="application/json")


def _variants(raw: Any) -> list[tuple[str, list[Any]]]:
    problems: list[Problem] = []
    out: list[tuple[str, list[Any]]] = []
    if not isinstance(raw, list) or not raw:
        raise ScenarioError([Problem("variants", "must be a non-empty list of {name, changes}")])
    for i, v in enumerate(raw):
        if not isinstance(v, dict) or not isinstance(v.get("name"), str) or not isinstance(v.get("changes"), list) or not v["changes"]:
            problems.append(Problem(f"variants[{i}]", "needs a `name` (text) and a non-empty `changes` list"))
            continue
        changes = []
        for j, text in enumerate(v["changes"]):
            try:
                changes.append(parse_change(str(text)))
            except ScenarioError as err:
                problems += [Problem(f"variants[{i}].changes[{j}]", p.message) for p in err.problems]
        out.append((v["name"], changes))
    if problems:
        raise ScenarioError(problems)
    return out


def _plain(v: Any) -> Any:
    v = v.item() if hasattr(v, "item") else v
    return None if isinstance(v, float) and not math.isfinite(v) else v


def compare_rows(data: Any) -> dict[str, Any]:
    """The figures of ``premium-alloc compare``: one row for the base, one per variant."""
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", "the body must be an object {scenario, variants}")])
    problems: list[Problem] = []
    sc = None
    try:
        sc, workers = scenario_from_body(data.get("scenario"), "scenario.")
        if workers is not None:
            problems.append(Problem("scenario.workers", "compare takes `worker_groups` (a worker list in the body is for /v1/solve)"))
    except ScenarioError as err:
        problems += err.problems
    try:
        variants = _variants(data.get("variants"))
    except ScenarioError as err:
        problems += err.problems
    if problems:
        raise ScenarioError(problems)
    assert sc is not None
    cmp = run_compare(sc, variants, jobs=1)
    frame = cmp.frame().reset_index()
    rows = [{str(k): _plain(v) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return {"rows": rows, "warnings": {n: list(cmp.results[n].warnings) for n in cmp.names}}


@router.post("/compare", openapi_extra=_COMPARE_BODY)
async def compare(request: Request) -> JSONResponse:
    """Solve a scenario and named variants (the CLI's change syntax); one row of figures each."""
    data = parse_json(await request.body())
    try:
        out = await in_worker(request, compare_rows, data)
    except ScenarioError as err:
        return invalid(err, data)
    return JSONResponse(out)
