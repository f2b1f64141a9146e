"""A tiny media service with switchable security flaws, to prove security checks fail.

unimedia's fault catalogue covers missing authorization, missing security headers and an
insecure session cookie; other flaws the checks look for (tokens accepted unverified, a
login that tells who exists, no login throttle, CORS open with credentials, uploads served
inline, path names kept, stack traces in errors) have no unimedia fault. This app speaks
just enough of the unified API (login, /api/v2/media) for the security suite, sound by
default, and each flaw is one switch. No web UI and no legacy API: those checks skip here.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

FLAWS = (
    "accept_any_token",
    "enumerating_login",
    "no_login_throttle",
    "cors_with_credentials",
    "inline_uploads",
    "path_filenames",
    "leaky_errors",
)
THROTTLE_AFTER = 5
SAFE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
TRACEBACK = (
    'Traceback (most recent call last):\n  File "/srv/app/media.py", line 42, in get\n'
    "KeyError: 'media'"
)


@dataclass
class FlawedApp:
    """The service's state; ``flaws`` is a subset of :data:`FLAWS`."""

    flaws: frozenset[str] = frozenset()
    passwords: dict[str, str] = field(
        default_factory=lambda: {
            name: secrets.token_urlsafe(12) for name in ("alice", "bob", "admin")
        }
    )
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def role(self, username: str) -> str:
        return "admin" if username == "admin" else "user"

    def asgi(self) -> ASGIApp:
        routes = [
            Route("/api/v2/auth/login", self.login, methods=["POST"]),
            Route("/api/v2/media", self.listing, methods=["GET", "POST", "OPTIONS"]),
            Route("/api/v2/media/{media_id}", self.one, methods=["GET", "DELETE"]),
            Route("/api/v2/media/{media_id}/content", self.content, methods=["GET"]),
        ]
        app = Starlette(routes=routes, exception_handlers={404: self.error, 405: self.error})
        return _Headers(app, self)

    # --- endpoints --------------------------------------------------------------------

    async def error(self, request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        if "leaky_errors" in self.flaws:
            return Response(
                TRACEBACK, status, media_type="text/plain", headers={"Server": "uvicorn/0.30.1"}
            )
        return JSONResponse({"title": "error", "status": status}, status)

    async def login(self, request: Request) -> Response:
        try:
            body = await request.json()
            username, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError, TypeError):
            if "leaky_errors" in self.flaws:
                return Response(TRACEBACK, 422, media_type="text/plain")
            return JSONResponse({"title": "invalid request"}, 422)
        if (
            self.failures.get(username, 0) >= THROTTLE_AFTER
            and "no_login_throttle" not in self.flaws
        ):
            return JSONResponse({"title": "too many attempts"}, 429, headers={"Retry-After": "60"})
        if username not in self.passwords and "enumerating_login" in self.flaws:
            return JSONResponse({"title": f"no user named {username}"}, 404)
        if self.passwords.get(username) != password:
            self.failures[username] = self.failures.get(username, 0) + 1
            return JSONResponse({"title": "Invalid username or password."}, 401)
        claims = {"sub": username, "role": self.role(username), "exp": int(time.time()) + 600}
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": 600})

    def _user(self, request: Request) -> str | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        try:
            if "accept_any_token" in self.flaws:  # the flaw: signature and expiry unchecked
                claims = jwt.decode(token, options={"verify_signature": False})
            else:
                claims = jwt.decode(token, self.secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        username = claims.get("sub")
        return username if username in self.passwords else None

    def _visible(self, user: str, media_id: str) -> dict[str, Any] | None:
        item = self.media.get(media_id)
        if item is None or (item["owner"] != user and self.role(user) != "admin"):
            return None
        return item

    async def listing(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status_code=204)
        user = self._user(request)
        if user is None:
            return JSONResponse({"title": "unauthorized"}, 401)
        if request.method == "POST":
            async with request.form() as form:  # closes the spooled upload files
                upload = form["file"]
                name = str(upload.filename)  # type: ignore[union-attr]
                if "path_filenames" not in self.flaws:
                    name = name.replace("\\", "/").rsplit("/", 1)[-1] or "upload"
                media_id = str(uuid.uuid4())
                self.media[media_id] = {
                    "id": media_id,
                    "owner": user,
                    "filename": name,
                    "content_type": upload.content_type,  # type: ignore[union-attr]
                    "tags": [str(form.get("tags") or "")],
                    "bytes": await upload.read(),  # type: ignore[union-attr]
                }
            return JSONResponse(_public(self.media[media_id]), 201)
        items = [
            _public(item)
            for item in self.media.values()
            if (item["owner"] == user or self.role(user) == "admin")
            and request.query_params.get("owner") in (None, item["owner"])
            and request.query_params.get("tag") in (None, *item["tags"])
        ]
        return JSONResponse({"items": items, "total": len(items)})

    async def one(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return JSONResponse({"title": "unauthorized"}, 401)
        item = self._visible(user, request.path_params["media_id"])
        if item is None:
            return JSONResponse({"title": "not found"}, 404)
        if request.method == "DELETE":
            del self.media[item["id"]]
            return Response(status_code=204)
        return JSONResponse(_public(item))

    async def content(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return JSONResponse({"title": "unauthorized"}, 401)
        item = self._visible(user, request.path_params["media_id"])
        if item is None:
            return JSONResponse({"title": "not found"}, 404)
        if "inline_uploads" in self.flaws:
            headers = {"Content-Disposition": "inline", "X-Content-Type-Options": ""}
        else:
            headers = {
                "Content-Disposition": f'attachment; filename="{_safe(item["filename"])}"',
                "Content-Security-Policy": "default-src 'none'; sandbox",
            }
        if "path_filenames" in self.flaws and "inline_uploads" not in self.flaws:
            headers["Content-Disposition"] = f'attachment; filename="{item["filename"]}"'
        return Response(item["bytes"], media_type=item["content_type"], headers=headers)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "bytes"}


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)


class _Headers:
    """Security headers on every answer (a response's own value wins); the CORS flaw."""

    def __init__(self, app: ASGIApp, state: FlawedApp) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        origin = dict(scope.get("headers", [])).get(b"origin", b"").decode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message["headers"])
                present = {name.lower() for name, _ in headers}
                headers = [(n, v) for n, v in headers if v != b""]  # "" means: drop it
                dropped = {n.lower() for n, v in message["headers"] if v == b""}
                for name, value in SAFE_HEADERS.items():
                    key = name.lower().encode()
                    if key not in present and key not in dropped:
                        headers.append((key, value.encode()))
                if origin and "cors_with_credentials" in self.state.flaws:
                    headers.append((b"access-control-allow-origin", origin.encode()))
                    headers.append((b"access-control-allow-credentials", b"true"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


@contextmanager
def serve(app: FlawedApp) -> Iterator[str]:
    """Serve ``app`` on a free loopback port; yields its base URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app.asgi(), log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    ready = threading.Event()
    deadline = time.monotonic() + 10
    while not server.started:  # poll readiness, bounded
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the flawed app did not start")
        ready.wait(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
