"""A reverse proxy that writes down every request that passes through it, in order.

Benchmark 1 compares ``pytest suites -m smoke`` with a plain httpx script making the same
requests in the same order. The requests are recorded, not hand-copied, so the comparison
follows the suite as it changes. Why a proxy rather than an httpx event hook inside the
pytest process: a hook needs code injected into the process under measurement (a plugin
that patches ``httpx.Client``, or a change to ``postdeploy.target.client``), and would miss
any request not made through that one client class; a proxy in front of the target sees
exactly what went over the wire — every client, every header, every body byte — and
leaves the suite, the plugin and the library untouched. Its own latency only affects the
recording pass, which is not timed.

Standard library only (``http.server`` + ``http.client``): one upstream connection per
request, no cookie jar, no redirect following — the bytes pass through as they are.
"""

from __future__ import annotations

import base64
import http.client
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

#: headers that belong to one connection, not to the request (RFC 9110 §7.6.1)
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
    "trailer", "transfer-encoding", "upgrade", "content-length",
})  # fmt: skip
#: response bodies kept in the recording: what later requests may take values from
TEXT_TYPES = ("application/json", "text/", "application/problem+json")


class RecordingProxy:
    """``with RecordingProxy(upstream) as proxy:`` point a client at ``proxy.url``."""

    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.exchanges: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> RecordingProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, exchange: dict[str, Any]) -> None:
        with self._lock:
            exchange["seq"] = len(self.exchanges)
            self.exchanges.append(exchange)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the suite's clients expect

            def _forward(self) -> None:
                body = self._body()
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP]
                upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
                try:
                    upstream.putrequest(self.command, self.path, skip_host=True,
                                        skip_accept_encoding=True)  # fmt: skip
                    for name, value in headers:
                        upstream.putheader(name, value)
                    if body or self.command in ("POST", "PUT", "PATCH"):
                        upstream.putheader("Content-Length", str(len(body)))
                    upstream.endheaders(body or None)
                    response = upstream.getresponse()
                    content = response.read()
                    reply = [(k, v) for k, v in response.getheaders()
                             if k.lower() not in HOP_BY_HOP]  # fmt: skip
                    status = response.status
                finally:
                    upstream.close()
                self.send_response(status)
                for name, value in reply:
                    self.send_header(name, value)
                if self.command != "HEAD":
                    self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)
                kind = {k.lower(): v for k, v in reply}.get("content-type", "")
                proxy._record({
                    "at": time.time(),
                    "method": self.command,
                    "path": self.path,
                    "headers": headers,
                    "body": base64.b64encode(body).decode(),
                    "status": status,
                    "response_headers": reply,
                    "response_body": content.decode("utf-8", "replace")
                    if kind.startswith(TEXT_TYPES) else None,
                    "response_bytes": len(content),
                })  # fmt: skip

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    chunks = []
                    while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                        chunks.append(self.rfile.read(size))
                        self.rfile.readline()
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

            def log_message(self, *args: object) -> None:
                pass

        return Handler
