"""Every HTTP read bounded in time *and* size, for httpx (the target) and requests
(the Prometheus and ZAP clients).

A read timeout fires only when *no* byte arrives for that long: a server that trickles one
byte a second, or streams an endless body, keeps a plain client busy forever and fills the
memory (issue 16). Here each response body has a deadline for the whole body and a
maximum size; past either the read fails like a timeout, which the callers already turn
into one line ("did not answer in time") and an INCONCLUSIVE verdict.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx

__all__ = [
    "MAX_RESPONSE_BYTES",
    "BoundedTransport",
    "ResponseTooLarge",
    "body_deadline_s",
    "bounded_requests_adapter",
    "bounded_requests_session",
]

#: The largest body postdeploy reads from anyone (the largest sample file is a few MB).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


def body_deadline_s(timeout_s: float) -> float:
    """The time one response may take from request to last byte: three read timeouts."""
    return 3 * timeout_s


class ResponseTooLarge(httpx.ReadError):
    """The body went past :data:`MAX_RESPONSE_BYTES`."""


class _BoundedStream(httpx.SyncByteStream):
    def __init__(
        self, inner: httpx.SyncByteStream, *, started: float, deadline_s: float, max_bytes: int
    ) -> None:
        self._inner = inner
        self._ends_at = started + deadline_s
        self._deadline_s = deadline_s
        self._max_bytes = max_bytes

    def __iter__(self) -> Iterator[bytes]:
        seen = 0
        for chunk in self._inner:
            seen += len(chunk)
            if seen > self._max_bytes:
                raise ResponseTooLarge(
                    f"response body larger than {self._max_bytes // (1024 * 1024)} MiB"
                )
            if time.monotonic() > self._ends_at:
                raise httpx.ReadTimeout(f"response body not complete within {self._deadline_s:g} s")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class BoundedTransport(httpx.BaseTransport):
    """An httpx transport whose response bodies end within a deadline and a size."""

    def __init__(
        self,
        *,
        deadline_s: float,
        max_bytes: int = MAX_RESPONSE_BYTES,
        inner: httpx.BaseTransport | None = None,
        **transport: Any,
    ) -> None:
        self._inner = inner or httpx.HTTPTransport(**transport)
        self._deadline_s = deadline_s
        self._max_bytes = max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = self._inner.handle_request(request)
        stream = response.stream
        assert isinstance(stream, httpx.SyncByteStream)  # noqa: S101 - a sync transport
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_BoundedStream(
                stream, started=started, deadline_s=self._deadline_s, max_bytes=self._max_bytes
            ),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


def bounded_requests_session(*, timeout_s: float, max_bytes: int = MAX_RESPONSE_BYTES) -> Any:
    """A ``requests.Session`` (for prometheus-api-client) whose bodies are bounded the same
    way, and which never retries: a dead server is seen at once, without urllib3's
    "Retrying …" lines. Imports requests lazily: only the monitoring path needs it (and
    never beside Locust, which must be imported first)."""
    import requests

    session = requests.Session()
    adapter = bounded_requests_adapter(timeout_s=timeout_s, max_bytes=max_bytes)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def bounded_requests_adapter(*, timeout_s: float, max_bytes: int = MAX_RESPONSE_BYTES) -> Any:
    """The ``requests`` transport adapter behind :func:`bounded_requests_session` (for a
    client that mounts adapters of its own: mount this one over them)."""
    import requests
    from requests.adapters import HTTPAdapter

    deadline_s = body_deadline_s(timeout_s)

    class _BoundedAdapter(HTTPAdapter):
        def send(self, request: Any, stream: bool = False, **kwargs: Any) -> Any:
            started = time.monotonic()
            response = super().send(request, stream=True, **kwargs)
            chunks, seen = [], 0
            try:
                for chunk in response.iter_content(64 * 1024):
                    seen += len(chunk)
                    if seen > max_bytes:
                        raise requests.exceptions.ContentDecodingError(
                            f"response body larger than {max_bytes // (1024 * 1024)} MiB"
                        )
                    if time.monotonic() - started > deadline_s:
                        raise requests.exceptions.ReadTimeout(
                            f"response body not complete within {deadline_s:g} s"
                        )
                    chunks.append(chunk)
            finally:
                response.close()
            response._content = b"".join(chunks)
            response._content_consumed = True
            return response

    return _BoundedAdapter(max_retries=0)
