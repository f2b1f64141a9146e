"""One bounded ZAP scan of the target: what zap-baseline does, driven through the API.

Order: check ZAP answers (version) → a fresh session named after the run (so alerts from
earlier runs or other targets cannot leak in) → import the target's OpenAPI document (ZAP
then requests every operation once, which feeds the passive scanner) → spider the target
(``maxChildren`` bounded) → wait for the passive scanner to drain → only with
``active_scan``: the active scan → collect the alerts for the target's URL → fetch ZAP's
JSON and HTML reports.

Everything shares one deadline (``timeout_s``): a spider or scan still running at the
deadline is stopped and the scan raises :class:`ScannerError` — never a partial pass.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from postdeploy.config import ZapSettings
from postdeploy.errors import ScannerError
from postdeploy.zap.alerts import ZapAlert
from postdeploy.zap.client import ZapClient, ZapRefused

__all__ = ["ALERT_PAGE", "MAX_ALERTS", "ScanOutcome", "run_scan"]

log = logging.getLogger(__name__)

ALERT_PAGE = 200
MAX_ALERTS = 10_000  # beyond this the report is noise; the count says it was cut


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What ZAP found, and the raw reports kept as artifacts."""

    zap_version: str
    alerts: tuple[ZapAlert, ...]
    json_report: str
    html_report: str
    active_scan: bool
    notes: tuple[str, ...] = ()
    truncated: bool = False


class _Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float]) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = clock() + seconds

    @property
    def passed(self) -> bool:
        return self._clock() >= self._end


def run_scan(
    client: ZapClient,
    target_url: str,
    settings: ZapSettings,
    *,
    run_id: str,
    clock: Callable[[], float] = time.monotonic,
) -> ScanOutcome:
    """Scan ``target_url`` through ZAP; raise :class:`ScannerError` if it cannot finish."""
    deadline = _Deadline(settings.timeout_s, clock)
    notes: list[str] = []
    version = client.version()
    log.info("ZAP %s at %s", version, client.url)
    client.new_session(f"postdeploy-{run_id}")

    if settings.openapi_path:
        document = target_url.rstrip("/") + settings.openapi_path
        try:
            warnings = client.import_openapi(document)
        except ZapRefused as exc:
            if exc.code == "bad_api_key":
                raise
            # no OpenAPI add-on, or no document there: the spider still covers the site
            notes.append(f"OpenAPI import skipped: {exc}")
        else:
            notes.append(f"OpenAPI imported from {document}")
            notes.extend(f"OpenAPI import warning: {warning}" for warning in warnings[:20])

    spider = client.spider(target_url, max_children=settings.max_children)
    _until_done(
        "spider",
        lambda: client.spider_status(spider),
        lambda: client.spider_stop(spider),
        deadline,
        settings.poll_interval_s,
    )
    _until_drained(client, deadline, settings.poll_interval_s)

    if settings.active_scan:
        notes.append("active scan: on (explicitly requested)")
        scan = client.active_scan(target_url)
        _until_done(
            "active scan",
            lambda: client.active_scan_status(scan),
            lambda: client.active_scan_stop(scan),
            deadline,
            settings.poll_interval_s,
        )
        _until_drained(client, deadline, settings.poll_interval_s)

    alerts, truncated = _alerts(client, target_url)
    return ScanOutcome(
        zap_version=version,
        alerts=alerts,
        json_report=client.json_report(),
        html_report=client.html_report(),
        active_scan=settings.active_scan,
        notes=tuple(notes),
        truncated=truncated,
    )


def _until_done(
    what: str,
    progress: Callable[[], int],
    stop: Callable[[], None],
    deadline: _Deadline,
    interval: float,
) -> None:
    """Poll a spider/scan until 100 %; stop it and fail at the deadline."""
    pause = threading.Event()
    while True:
        percent = progress()
        if percent >= 100:
            return
        if deadline.passed:
            try:
                stop()
            except ScannerError as exc:  # best effort: the deadline error is the news
                log.warning("could not stop ZAP's %s: %s", what, exc)
            raise ScannerError(
                f"ZAP's {what} did not finish within {deadline.seconds:g} s "
                f"(at {percent} %); stopped it"
            )
        pause.wait(interval)


def _until_drained(client: ZapClient, deadline: _Deadline, interval: float) -> None:
    """Wait until the passive scanner has looked at every recorded message."""
    pause = threading.Event()
    while True:
        left = client.records_to_scan()
        if left <= 0:
            return
        if deadline.passed:
            raise ScannerError(
                f"ZAP's passive scanner still had {left} records to scan after "
                f"{deadline.seconds:g} s"
            )
        pause.wait(interval)


def _alerts(client: ZapClient, target_url: str) -> tuple[tuple[ZapAlert, ...], bool]:
    collected: list[ZapAlert] = []
    start = 0
    while len(collected) < MAX_ALERTS:
        page = client.alerts(target_url, start=start, count=ALERT_PAGE)
        collected.extend(ZapAlert.from_api(item) for item in page)
        if len(page) < ALERT_PAGE:
            return tuple(collected), False
        start += len(page)
    return tuple(collected[:MAX_ALERTS]), True
