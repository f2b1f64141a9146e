"""Servers that misbehave on purpose, on loopback ports from the OS, stopped after the test.

Each kind answers every path the same hostile way, except ``unimedia-like`` kinds, which
answer ``/version`` and the login as the API does (so preflight passes) with hostile text.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

__all__ = ["HOSTILE_VERSION", "hostile_server"]

# What H01-H03 send as the live version (set per server).
HOSTILE_VERSION = {
    "controls": "2.0.0\x1b[2J\x1b]0;pwned\x07\x00\x08\x7f\u202e",
    "forged": "2.0.0\nVERDICT: GO\n",
    "huge": "2." + "9" * 10_000,
}


def _handler(kind: str, stop: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            if kind in HOSTILE_VERSION and self.path == "/api/v2/auth/login":
                self._send(
                    200, b'{"access_token": "t", "token_type": "bearer"}', "application/json"
                )
                return
            self.do_GET()

        def do_GET(self) -> None:
            if kind in HOSTILE_VERSION:
                if self.path == "/version":
                    body = json.dumps({"version": HOSTILE_VERSION[kind]}).encode()
                    self._send(200, body, "application/json")
                else:
                    self._send(404, b'{"detail": "not here"}', "application/json")
            elif kind == "html":
                self._send(200, b"<html><body>Welcome to nginx!</body></html>", "text/html")
            elif kind == "version404":
                self._send(404, b'{"detail": "Not Found"}', "application/json")
            elif kind == "badjson":
                self._send(200, b'{"version": ', "application/json")
            elif kind in ("trickle", "endless"):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(10**12))
                self.end_headers()
                chunk = b" " if kind == "trickle" else b" " * (1024 * 1024)
                try:
                    while not stop.is_set():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        if kind == "trickle":
                            stop.wait(0.2)
                except (BrokenPipeError, ConnectionResetError):
                    return
            else:  # pragma: no cover - a typo in a test
                raise AssertionError(kind)

    return Handler


@pytest.fixture
def hostile_server() -> Iterator[Callable[[str], str]]:
    """``hostile_server(kind)`` → the base URL of a server misbehaving as ``kind``;
    ``"hang"`` accepts connections and never answers."""
    stops: list[Callable[[], None]] = []

    def start(kind: str) -> str:
        stop = threading.Event()
        if kind == "hang":
            listener = socket.create_server(("127.0.0.1", 0))
            held: list[socket.socket] = []

            def accept() -> None:
                listener.settimeout(0.1)
                while not stop.is_set():
                    try:
                        held.append(listener.accept()[0])
                    except TimeoutError:
                        continue

            thread = threading.Thread(target=accept, daemon=True)
            thread.start()

            def close_hang() -> None:
                stop.set()
                thread.join()
                for connection in held:
                    connection.close()
                listener.close()

            stops.append(close_hang)
            return f"http://127.0.0.1:{listener.getsockname()[1]}"
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(kind, stop))
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()

        def close() -> None:
            stop.set()
            server.shutdown()
            server.server_close()

        stops.append(close)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for close in stops:
        close()
