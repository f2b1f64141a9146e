"""``watch --alertmanager``: alerts pushed to a real Alertmanager's v2 API and read back.

Debian's ``prometheus-alertmanager`` on a loopback port (``make test`` installs it beside
Prometheus). What Alertmanager holds is read through its own API; what it *notifies* —
firing, then resolved — is read from the webhook receiver its route sends to, so routing and
``send_resolved`` are Alertmanager's own, not ours.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from postdeploy.findings import RollbackTrigger, Severity
from postdeploy.testing.alertmanager import EmbeddedAlertmanager, find_alertmanager
from postdeploy.watch.alerts import AlertChange, AlertStatus
from postdeploy.watch.notify import Message, Notifier

pytestmark = pytest.mark.skipif(
    find_alertmanager() is None, reason="apt-get install prometheus-alertmanager"
)

ALERT = "PostdeploySloApiAvailabilityPageFast"


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.bodies.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def alertmanager() -> Iterator[tuple[EmbeddedAlertmanager, list[dict[str, Any]]]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.bodies = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/am"
    try:
        with EmbeddedAlertmanager(webhook_url=hook) as am:
            yield am, server.bodies  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


def _until(what: Callable[[], Any], timeout_s: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if result := what():
            return result
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout_s} s: {what.__doc__ or what}")


def _change(status: AlertStatus, at: float, since: float) -> AlertChange:
    return AlertChange(
        ALERT, status, at, RollbackTrigger.CRITICAL_ERROR, Severity.CRITICAL,
        "SLO api-availability: error budget burning 14.4x", "burn 25", since,
        (("slo", "api-availability"), ("slo_severity", "page")),
    )  # fmt: skip


def _notified(bodies: list[dict[str, Any]], status: str) -> list[dict[str, Any]]:
    return [
        alert
        for body in bodies
        for alert in body["alerts"]
        if alert["labels"]["alertname"] == ALERT and alert["status"] == status
    ]


def test_firing_then_resolved_as_alertmanager_holds_and_notifies_it(alertmanager) -> None:
    am, notified = alertmanager
    notifier = Notifier(
        run_id="run-7", alertmanager_api_urls=[am.url], release="2.0.0", validity_s=120.0
    )
    since = time.time() - 30
    notifier.send(
        Message(title="t", text="x", alerts=(_change(AlertStatus.FIRING, since + 5, since),))
    )

    def held() -> list[dict[str, Any]]:
        return [a for a in am.alerts() if a["labels"]["alertname"] == ALERT]

    (alert,) = _until(held)
    assert alert["status"]["state"] == "active"
    assert (
        alert["labels"].items()
        >= {
            "release": "2.0.0",
            "rollback_trigger": "critical_error",
            "postdeploy_run": "run-7",
            "severity": "critical",
            "slo": "api-availability",
        }.items()
    )
    first_end = alert["endsAt"]
    assert _until(lambda: _notified(notified, "firing")), "Alertmanager routed it to its receiver"

    # A re-send while it fires pushes its end further out (a dead watch's alerts expire).
    time.sleep(1.1)
    notifier.send(
        Message(
            title="r",
            text="",
            alerts=(_change(AlertStatus.FIRING, since + 5, since),),
            kind="refresh",
        )
    )
    _until(lambda: [a for a in held() if a["endsAt"] > first_end])

    notifier.send(
        Message(title="t", text="x", alerts=(_change(AlertStatus.RESOLVED, time.time(), since),))
    )
    notifier.close()
    assert notifier.failed == 0
    _until(lambda: not held())  # resolved: no longer among the alerts it holds
    (resolved,) = _until(lambda: _notified(notified, "resolved"))[:1]
    assert resolved["labels"]["postdeploy_run"] == "run-7"


def test_the_summary_goes_as_an_info_alert(alertmanager) -> None:
    am, _ = alertmanager
    notifier = Notifier(run_id="run-8", alertmanager_api_urls=[am.url + "/"], release="2.0.0")
    notifier.send(Message(title="summary: GO", text="steady", kind="summary", valid_for_s=600))
    notifier.close()
    (alert,) = _until(lambda: am.alerts())
    assert alert["labels"]["alertname"] == "PostdeployWatchSummary"
    assert alert["labels"]["severity"] == "info"
    assert alert["annotations"]["summary"] == "summary: GO"


def test_an_unreachable_alertmanager_is_recorded_never_raised() -> None:
    failures: list[tuple[str, str]] = []
    notifier = Notifier(
        run_id="r", alertmanager_api_urls=["http://127.0.0.1:1"], retries=1, backoff_s=0.0,
        on_failure=lambda where, why: failures.append((where, why)),
    )  # fmt: skip
    notifier.send(Message(title="t", text="x", kind="status"))
    notifier.close()
    assert notifier.failed == 1
    assert failures[0][0].startswith("alertmanager-api http://127.0.0.1:1")
