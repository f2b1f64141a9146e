"""Prometheus metrics of one app, in a registry of its own.

Per-app ``CollectorRegistry`` rather than the global one: tests build many apps in one
process, and the global registry refuses a second collector of the same name. What is
measured, and why the monitoring stage wants it:

- ``http_requests_total{route,method,status}`` and ``http_request_duration_seconds{route,
  method}``: error rates and latency per *route template* (``/api/v2/media/{media_id}``,
  never the raw path, so an id cannot blow up the label space);
- ``unimedia_upload_bytes_total`` / ``unimedia_download_bytes_total``: request body bytes of
  upload routes and response body bytes of download routes;
- ``unimedia_db_query_duration_seconds``, ``unimedia_db_connections_open`` and
  ``…_in_use``: the database, timed at the cursor;
- ``unimedia_media_items{kind}``: what is stored, counted at scrape time;
- ``process_*`` (CPU, resident memory, open files) and ``unimedia_build_info``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, event, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from unimedia.models import Kind, Media

logger = logging.getLogger(__name__)

UNMATCHED_ROUTE = "<unmatched>"
# Fine at the low end: the target answers list and metadata requests in milliseconds, and a
# regression from 5 to 15 ms must be visible, not hidden in one bucket.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_DB_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 0.5, 1)
_QUERY_STARTS = "unimedia_query_starts"


class _MediaCounts(Collector):
    """``unimedia_media_items{kind}``, one ``GROUP BY`` per scrape (an index covers it)."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "unimedia_media_items", "Media stored, by kind.", labels=["kind"]
        )
        try:
            with self._session_factory() as session:
                counts = dict(
                    session.execute(select(Media.kind, func.count()).group_by(Media.kind)).all()
                )
        except SQLAlchemyError as exc:
            # A scrape must not fail because the database does: the other metrics are what
            # tells the operator why. The missing series is the signal here.
            logger.warning("cannot count media for /metrics: %s", exc)
            return
        for kind in Kind:
            family.add_metric([kind.value], counts.get(kind, 0))
        yield family


class Metrics:
    """The collectors of one app, and the hooks that feed them."""

    def __init__(
        self,
        *,
        engine: Engine,
        session_factory: sessionmaker[Session],
        version: str,
        commit: str,
    ) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (to the last body byte), by route template.",
            ["route", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.uploaded = Counter(
            "unimedia_upload_bytes", "Request body bytes of uploads.", registry=self.registry
        )
        self.downloaded = Counter(
            "unimedia_download_bytes",
            "Response body bytes of media downloads.",
            registry=self.registry,
        )
        self.db_latency = Histogram(
            "unimedia_db_query_duration_seconds",
            "Time of one database statement, at the cursor.",
            buckets=_DB_BUCKETS,
            registry=self.registry,
        )
        self.db_open = Gauge(
            "unimedia_db_connections_open",
            "Database connections open in the pool.",
            registry=self.registry,
        )
        self.db_in_use = Gauge(
            "unimedia_db_connections_in_use",
            "Database connections checked out of the pool.",
            registry=self.registry,
        )
        build = Gauge(
            "unimedia_build_info",
            "Always 1; the labels say what is running.",
            ["version", "commit"],
            registry=self.registry,
        )
        build.labels(version=version, commit=commit).set(1)
        ProcessCollector(registry=self.registry)
        self.registry.register(_MediaCounts(session_factory))
        self._instrument(engine)

    def _instrument(self, engine: Engine) -> None:
        def before(conn: Any, *_args: Any) -> None:
            conn.info.setdefault(_QUERY_STARTS, []).append(time.perf_counter())

        def after(conn: Any, *_args: Any) -> None:
            starts = conn.info.get(_QUERY_STARTS)
            if starts:
                self.db_latency.observe(time.perf_counter() - starts.pop())

        def failed(context: Any) -> None:
            # A failed statement never reaches after_cursor_execute; drop its start time.
            starts = context.connection.info.get(_QUERY_STARTS) if context.connection else None
            if starts:
                starts.pop()

        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        event.listen(engine, "handle_error", failed)
        event.listen(engine.pool, "connect", lambda *_: self.db_open.inc())
        event.listen(engine.pool, "close", lambda *_: self.db_open.dec())
        event.listen(engine.pool, "close_detached", lambda *_: self.db_open.dec())
        event.listen(engine.pool, "checkout", lambda *_: self.db_in_use.inc())
        event.listen(engine.pool, "checkin", lambda *_: self.db_in_use.dec())

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _route_of(scope: Scope) -> tuple[str, str]:
    """(template, endpoint name) of the route that answered, or the unmatched marker."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return UNMATCHED_ROUTE, ""
    return path, str(getattr(route, "name", ""))


class MetricsMiddleware:
    """Counts and times every HTTP request; pure ASGI so downloads stay streamed.

    Upload and download routes are recognised by their endpoint names (``upload_*``,
    ``download_*``, ``stream_*``), which every API of this app follows.
    """

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        received = sent = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, counting_receive, counting_send)
        finally:
            route, name = _route_of(scope)
            method = scope["method"]
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - started)
            if name.startswith("upload_"):
                self.metrics.uploaded.inc(received)
            elif name.startswith(("download_", "stream_")):
                self.metrics.downloaded.inc(sent)
