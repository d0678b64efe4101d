"""Run the server with uvicorn until Ctrl-C or SIGTERM (then exit 0, no child process left)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import uvicorn

from ..scenario import Scenario
from .app import Settings, create_app, open_session

log = logging.getLogger("premium_alloc.server")


class _Server(uvicorn.Server):
    """uvicorn's server, except that a stop asked for by a signal is a clean exit.

    uvicorn re-raises the signal after its graceful shutdown (so the process would end as
    killed by SIGINT/SIGTERM); here the shutdown is the planned end of the command.
    """

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        captured = getattr(self, "_captured_signals", None)
        if isinstance(captured, list):
            captured.clear()


def _logging() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    for name in ("premium_alloc.server", "premium_alloc.server.access"):
        lg = logging.getLogger(name)
        lg.handlers[:] = [handler]
        lg.setLevel(logging.INFO)
        lg.propagate = False


def serve(
    scenario: str | Path | Scenario | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    settings: Settings | None = None,
    announce: Any = None,
) -> int:
    """Open ``scenario`` (the demo without one) and serve the API and page until stopped.

    Parameters
    ----------
    scenario
        The scenario the page opens with (a YAML/JSON/workbook path or a Scenario).
    host, port
        Where to listen; 127.0.0.1 (this computer only) unless told otherwise.
    settings
        Body limit, CORS origins, page language, solve slots.
    announce
        Called with the page's address once the scenario is open (the CLI prints it).

    Returns
    -------
    0 after a clean stop.
    """
    _logging()
    session = open_session(scenario)
    app = create_app(session, settings=settings or Settings())
    if announce is not None:
        if host in ("0.0.0.0", "::", ""):  # every interface: this computer, and others on the network
            announce(f"http://127.0.0.1:{port}/ on this computer; open to the network at http://<this computer's address>:{port}/")
        else:
            shown = f"[{host}]" if ":" in host else host
            announce(f"http://{shown}:{port}/")
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning", lifespan="off", server_header=False)
    server = _Server(config)
    try:
        server.run()
    except SystemExit as err:  # uvicorn exits 1 when it cannot listen (address in use, no permission)
        if err.code:
            raise OSError(f"cannot listen on {host}:{port} (in use, or not allowed)") from None
    return 0
