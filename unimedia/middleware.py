"""Pure ASGI middleware: the access log and the request body size limit.

Pure ASGI rather than ``BaseHTTPMiddleware`` so that streamed downloads stay streamed and
request bodies are not buffered twice.
"""

from __future__ import annotations

import json
import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unimedia.faults import FaultSet
from unimedia.problems import problem_response

access_logger = logging.getLogger("unimedia.access")

# Multipart framing (boundaries, part headers, the tags field) on top of the file itself.
_MULTIPART_SLACK = 64 * 1024


class AccessLogMiddleware:
    """One JSON line per request: method, path, status, duration. Never the query string or
    headers, which is where tokens and passwords would be.

    The ``memory_leak`` fault lives here: a "recent requests" debug buffer that was meant
    to be bounded and is not, each entry dragging a response-sized buffer along.
    """

    def __init__(self, app: ASGIApp, *, faults: FaultSet | None = None) -> None:
        self.app = app
        self.faults = faults or FaultSet.none()
        self.leaked: list[bytes] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # if the app dies before answering, the server answers 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            line = {
                "event": "access",
                "method": scope["method"],
                "path": scope["path"],
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            }
            access_logger.info(json.dumps(line, separators=(",", ":")))
            if self.faults.active("memory_leak"):
                # Filled with a non-zero byte so the pages are really touched (resident).
                kib = int(self.faults.param_float("memory_leak"))
                self.leaked.append(b"\xa5" * (kib * 1024))


class BodySizeLimitMiddleware:
    """Refuse a request whose declared length is over the upload limit with 413 before its
    body is read. The exact limit on the file itself is enforced while it is stored."""

    def __init__(self, app: ASGIApp, *, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body = max_upload_bytes + _MULTIPART_SLACK

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope["headers"]).get(b"content-length")
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                # Answered before the body is read: close the connection, or it waits for
                # a body nobody will send (and could not tell it from the next request).
                response = problem_response(
                    413,
                    f"The request body is larger than {self.max_body} bytes.",
                    headers={"Connection": "close"},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
