"""``premium-alloc serve``: the HTTP API and the what-if page (the ``web`` extra).

The server is imported only when the command runs, so that ``premium-alloc --help`` stays
fast and works without FastAPI; without the extra the command prints the install command
and exits with :attr:`ExitCode.MISSING_EXTRA` (5).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Optional

import typer

from .app import ExitCode, app, err, fail
from .options import check_lang_option

WEB_MODULES = ("fastapi", "uvicorn", "fastapi_offline")
WEB_INSTALL = "pip install 'premium-alloc[web]'"


@app.command()
def serve(
    scenario: Annotated[Optional[Path], typer.Argument(help="scenario the page opens with (YAML, JSON or workbook); without one, the demo")] = None,
    host: Annotated[str, typer.Option("--host", help="address to listen on; 127.0.0.1 = this computer only (0.0.0.0 = the whole network)")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port")] = 8000,
    lang: Annotated[str, typer.Option("--lang", help="language the page opens in: id or en")] = "id",
    max_body: Annotated[int, typer.Option("--max-body", min=1, help="largest request body in bytes (larger: 413)")] = 20 * 1024 * 1024,
    allow_origin: Annotated[
        Optional[list[str]],
        typer.Option("--allow-origin", help="a web origin allowed to call the API from a browser (CORS), e.g. http://intranet.local (repeatable; none by default)"),
    ] = None,
) -> None:
    """Serve the HTTP API (v1) and the what-if page until Ctrl-C (needs the web extra)."""
    missing = []
    for name in WEB_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        fail(ExitCode.MISSING_EXTRA, f"`serve` needs the web extra ({', '.join(missing)} not installed): {WEB_INSTALL}")
    check_lang_option(lang)
    from ..server.app import Settings
    from ..server.run import serve as run_server

    settings = Settings(max_body=max_body, allow_origins=tuple(allow_origin or ()), lang=lang)
    try:
        run_server(scenario, host=host, port=port, settings=settings, announce=lambda url: err.print(f"serving {url} (Ctrl-C stops)", highlight=False))
    except OSError as e:
        fail(ExitCode.USAGE, str(e))
