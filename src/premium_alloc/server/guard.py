"""ASGI middleware in front of every route: body size limit and a one-line access log.

The log line is method, path, status and milliseconds only: never a body, a query string,
a worker ID or a name. A path that is not one of the server's own is logged as ``-``
(whatever a client put in it stays out of the log).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

log = logging.getLogger("premium_alloc.server.access")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """Refuse bodies over ``max_body`` bytes with 413 and log one line per request."""

    def __init__(self, app: ASGIApp, max_body: int, known: Callable[[str], bool] = lambda path: True) -> None:
        self.app = app
        self.max_body = int(max_body)
        self.known = known

    async def _too_large(self, send: Send) -> None:
        body = json.dumps({"detail": f"the request body is larger than the limit of {self.max_body:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = [0]

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                await self._too_large(logged_send)
                return
            # read the body up to the limit (a chunked body has no declared length), then replay it
            chunks: list[bytes] = []
            size = 0
            more = True
            while more:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await self._too_large(logged_send)
                    return
                chunks.append(chunk)
                more = bool(message.get("more_body", False))
            body = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, logged_send)
        finally:
            ms = (time.perf_counter() - t0) * 1000
            path = str(scope.get("path", ""))
            method = str(scope.get("method", "?"))
            log.info("%s %s %d %.0f ms", method if method.isalpha() and len(method) < 10 else "-", path if self.known(path) else "-", status[0], ms)
