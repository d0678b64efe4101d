"""The application: ``create_app`` puts the API, the what-if page and their guards together."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ..errors import PremiumAllocError, Problem, ScenarioError, SolverError
from ..io.load import load_scenario
from ..scenario import Scenario
from . import api, page
from .guard import Guard
from .inputs import BadJson, problems_json
from .session import Session

log = logging.getLogger("premium_alloc.server")

MAX_BODY = 20 * 1024 * 1024
DOCS = "/docs"
ASSETS = "/static-docs"


@dataclass(frozen=True)
class Settings:
    """How the server runs: body limit, allowed CORS origins, the page's language, solve slots."""

    max_body: int = MAX_BODY
    allow_origins: tuple[str, ...] = ()
    lang: str = "id"
    solve_slots: int = 2


def open_session(scenario: str | Path | Scenario | None = None) -> Session:
    """The session of a scenario file or object; without one, the embedded demo."""
    if scenario is None:
        from .. import synthetic

        return Session(Scenario.from_dict(synthetic.kapuas_2024()), label="demo")
    if isinstance(scenario, Scenario):
        return Session(scenario, label=scenario.name)
    return Session(load_scenario(scenario), label=Path(scenario).name)


def _known(app: FastAPI) -> Any:
    paths = {str(getattr(r, "path", "")) for router in (app.router, api.router, page.router) for r in router.routes}

    def known(path: str) -> bool:
        return path in paths or path.startswith(("/static/", ASSETS + "/"))

    return known


def create_app(
    scenario: str | Path | Scenario | Session | None = None,
    *,
    settings: Settings = Settings(),
) -> Any:
    """The ASGI application: API v1 under ``/v1``, the what-if page at ``/``, docs at ``/docs``.

    Parameters
    ----------
    scenario
        What the page opens with: a path, a :class:`~premium_alloc.Scenario`, a
        :class:`Session`, or ``None`` for the demo.
    settings
        Body limit, CORS origins (none by default), the page's default language, and how
        many solves may run at once.

    Returns
    -------
    An ASGI application (the FastAPI app wrapped in the body limit and access log).
    """
    if settings.lang not in ("id", "en"):
        raise ValueError(f"lang: {settings.lang!r} is not one of id, en")
    session = scenario if isinstance(scenario, Session) else open_session(scenario)
    app = FastAPIOffline(
        title="premium_alloc",
        version=__version__,
        description="Plan who pays the social-security premiums of vulnerable workers: API v1 and the what-if page.",
        docs_url=DOCS,
        redoc_url=None,
        static_url=ASSETS,
        favicon_url="/static/favicon.svg",
    )
    app.state.session = session
    app.state.settings = settings
    app.state.limiter = anyio.CapacityLimiter(max(1, settings.solve_slots))
    app.state.background = anyio.CapacityLimiter(1)
    app.include_router(api.router)
    app.include_router(page.router)
    page.mount_static(app)

    @app.exception_handler(BadJson)
    async def _bad_json(request: Request, err: BadJson) -> JSONResponse:
        return JSONResponse({"detail": str(err)}, status_code=400)

    @app.exception_handler(ScenarioError)
    async def _invalid(request: Request, err: ScenarioError) -> JSONResponse:
        return JSONResponse({"valid": False, "problems": problems_json(err.problems), "more": err.more}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [Problem(".".join(str(x) for x in e.get("loc", ())), str(e.get("msg", ""))) for e in err.errors()]
        return JSONResponse({"valid": False, "problems": problems_json(problems), "more": 0}, status_code=422)

    @app.exception_handler(SolverError)
    async def _solver(request: Request, err: SolverError) -> JSONResponse:
        return JSONResponse({"detail": f"solver failure: {err}"}, status_code=500)

    @app.exception_handler(PremiumAllocError)
    async def _library(request: Request, err: PremiumAllocError) -> JSONResponse:
        return JSONResponse({"detail": f"error: {err}"}, status_code=500)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, err: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=getattr(err, "headers", None))

    @app.exception_handler(Exception)
    async def _internal(request: Request, err: Exception) -> JSONResponse:
        log.error("internal error (%s) on %s %s", err.__class__.__name__, request.method, request.url.path)
        return JSONResponse({"detail": f"internal error ({err.__class__.__name__})"}, status_code=500)

    if settings.allow_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.allow_origins), allow_methods=["GET", "POST"], allow_headers=["content-type"])
    return Guard(app, settings.max_body, _known(app))
