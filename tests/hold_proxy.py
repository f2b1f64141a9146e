"""A planted slowness for browser checks: a reverse proxy that holds a request.

In front of a unimedia, it forwards every request, except that the first ``holds`` requests
whose path matches ``pattern`` get no answer until the browser gives up on them (closes the
connection) — the check waiting for that page times out, and nothing else is wrong: no
console error, no HTTP error, no wrong byte. The next such request is answered normally.
That is what a moment of a busy machine looks like to a browser check (issue 23 §2).
"""

from __future__ import annotations

import re
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

import httpx

__all__ = ["HoldProxy"]

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "content-length", "content-encoding",
}  # fmt: skip
HOLD_LIMIT_S = 120.0  # a browser that never gives up still gets an end


class HoldProxy:
    """``with HoldProxy(upstream, r"^/\\?kind=document$") as proxy:`` → ``proxy.url``."""

    def __init__(self, upstream: str, pattern: str, *, holds: int = 1) -> None:
        self.upstream = upstream.rstrip("/")
        self.pattern = re.compile(pattern)
        self.remaining = holds
        self.held: list[str] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy._take(self.path):
                    proxy._hold(self.connection)
                    self.close_connection = True
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                # A request of its own each time: a shared client would keep the cookies
                # one browser context got and hand them to the next.
                upstream = httpx.request(
                    self.command, proxy.upstream + self.path, headers=headers, content=body,
                    follow_redirects=False, timeout=30,
                )  # fmt: skip
                self.send_response(upstream.status_code)
                for name, value in upstream.headers.multi_items():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(upstream.content)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def _take(self, path: str) -> bool:
        with self._lock:
            if self.remaining > 0 and self.pattern.search(path):
                self.remaining -= 1
                self.held.append(path)
                return True
        return False

    @staticmethod
    def _hold(connection: socket.socket) -> None:
        """Until the client closes the connection (or the limit): no answer at all."""
        deadline = time.monotonic() + HOLD_LIMIT_S
        while time.monotonic() < deadline:
            readable, _, _ = select.select([connection], [], [], 0.2)
            if readable:
                try:
                    if not connection.recv(1, socket.MSG_PEEK):
                        return  # the client gave up
                except OSError:
                    return
                return  # the client sent more on this connection: it is not waiting for us

    def __enter__(self) -> HoldProxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
