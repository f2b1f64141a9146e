"""Notifications in the formats people already receive: Alertmanager webhooks and Slack,
and pushes to a real Alertmanager's v2 API (``alertmanager.py``).

* Alertmanager's webhook payload (``version: "4"``): receivers written for Alertmanager
  (PagerDuty bridges, chat relays, ticket bots) take postdeploy's alerts unchanged. Status
  updates and the final summary travel as ``severity: info`` alerts of their own name.
* Slack's incoming-webhook payload (``text`` + one ``mrkdwn`` block); Mattermost and
  Rocket.Chat accept the same.

Sending happens in one background thread so that a slow receiver never delays an
evaluation. A failed POST is retried with backoff, then logged and reported back through
``on_failure`` (the watch records it on the timeline); it never raises into the watch.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from postdeploy.redact import redact_url
from postdeploy.target.bounded import BoundedTransport, body_deadline_s
from postdeploy.watch.alertmanager import API_PATH, postable_alerts
from postdeploy.watch.alerts import AlertChange, AlertStatus

__all__ = [
    "Message",
    "Notifier",
    "alertmanager_payload",
    "slack_payload",
]

log = logging.getLogger(__name__)

_ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's "no end yet"


@dataclass(frozen=True, slots=True)
class Message:
    """One notification: an alert change, a status update or the summary."""

    title: str
    text: str
    alerts: tuple[AlertChange, ...] = ()
    kind: str = "alert"  # alert | status | summary | refresh (re-push firing to Alertmanager)
    severity: str = "info"
    labels: dict[str, str] = field(default_factory=dict)
    valid_for_s: float = 3600.0  # a status update or summary, as an Alertmanager alert


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def alertmanager_payload(
    message: Message, *, run_id: str, external_url: str = ""
) -> dict[str, Any]:
    """The Alertmanager webhook document (``version: "4"``) for ``message``."""
    now = time.time()
    alerts: list[dict[str, Any]] = []
    for change in message.alerts:
        labels = {
            "alertname": change.alert,
            "severity": change.severity.value,
            "rollback_trigger": change.trigger.value,
            "postdeploy_run": run_id,
            **message.labels,
        }
        alerts.append(
            {
                "status": change.status.value,
                "labels": labels,
                "annotations": {"summary": change.summary, "description": change.detail},
                "startsAt": _iso(change.since or change.at),
                "endsAt": _iso(change.at) if change.status is AlertStatus.RESOLVED else _ZERO_TIME,
                "generatorURL": external_url,
                "fingerprint": hashlib.sha256(f"{run_id}/{change.alert}".encode()).hexdigest()[:16],
            }
        )
    if not alerts:  # status update or summary: an informational alert of its own
        name = "PostdeployWatchSummary" if message.kind == "summary" else "PostdeployWatchStatus"
        alerts.append(
            {
                "status": "firing",
                "labels": {
                    "alertname": name,
                    "severity": message.severity,
                    "postdeploy_run": run_id,
                    **message.labels,
                },
                "annotations": {"summary": message.title, "description": message.text},
                "startsAt": _iso(now),
                "endsAt": _iso(now),
                "generatorURL": external_url,
                "fingerprint": hashlib.sha256(f"{run_id}/{name}/{now}".encode()).hexdigest()[:16],
            }
        )
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    common = {
        key: value
        for key, value in alerts[0]["labels"].items()
        if all(a["labels"].get(key) == value for a in alerts)
    }
    return {
        "version": "4",
        "groupKey": f'{{}}:{{postdeploy_run="{run_id}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "postdeploy",
        "groupLabels": {"postdeploy_run": run_id},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": external_url,
        "alerts": alerts,
    }


def slack_payload(message: Message) -> dict[str, Any]:
    """A Slack incoming-webhook document for ``message``."""
    icon = {"alert": ":rotating_light:", "status": ":hourglass:", "summary": ":memo:"}[message.kind]
    if message.alerts and all(a.status is AlertStatus.RESOLVED for a in message.alerts):
        icon = ":white_check_mark:"
    lines = [f"{icon} *{message.title}*", message.text]
    for change in message.alerts:
        lines.append(
            f"• `{change.alert}` {change.status.value} — {change.trigger.value} "
            f"({change.severity.value}): {change.summary}"
        )
    text = "\n".join(line for line in lines if line)
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


class Notifier:
    """Send messages to every configured webhook, retrying, in a background thread."""

    def __init__(
        self,
        *,
        run_id: str,
        alertmanager_urls: Sequence[str] = (),
        slack_urls: Sequence[str] = (),
        alertmanager_api_urls: Sequence[str] = (),
        release: str = "unknown",
        validity_s: float = 240.0,
        retries: int = 3,
        backoff_s: float = 1.0,
        timeout_s: float = 5.0,
        on_failure: Callable[[str, str], None] | None = None,
    ) -> None:
        self._run_id = run_id
        self._targets = (
            [(url, "alertmanager") for url in alertmanager_urls]
            + [(url, "slack") for url in slack_urls]
            + [(_api_url(url), "alertmanager-api") for url in alertmanager_api_urls]
        )
        self.release = release  # the version watched: a label of every pushed alert
        self._validity_s = validity_s
        self._retries = retries
        self._backoff_s = backoff_s
        self._timeout_s = timeout_s
        self._on_failure = on_failure
        self._queue: queue.Queue[Message | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0

    def send(self, message: Message) -> None:
        """Queue ``message`` for every webhook (returns at once)."""
        (log.debug if message.kind == "refresh" else log.info)("notify: %s", message.title)
        if not self._targets:
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="postdeploy-notify", daemon=True
            )
            self._thread.start()
        self._queue.put(message)

    @property
    def pushes_to_alertmanager(self) -> bool:
        """True when an Alertmanager's API is a target (firing alerts need re-sending)."""
        return any(kind == "alertmanager-api" for _, kind in self._targets)

    def close(self, timeout_s: float = 30.0) -> None:
        """Deliver what is queued (within ``timeout_s``), then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=timeout_s)
        self._thread = None

    def _work(self) -> None:
        with httpx.Client(
            timeout=self._timeout_s,
            transport=BoundedTransport(deadline_s=body_deadline_s(self._timeout_s)),
        ) as client:
            while (message := self._queue.get()) is not None:
                for url, kind in self._targets:
                    if message.kind == "refresh" and kind != "alertmanager-api":
                        continue  # webhooks were told once; only Alertmanager needs re-sends
                    body = self._body(kind, message)
                    self._post(client, url, kind, body, message.title)

    def _body(self, kind: str, message: Message) -> Any:
        if kind == "alertmanager":
            return alertmanager_payload(message, run_id=self._run_id)
        if kind == "slack":
            return slack_payload(message)
        info = None
        if not message.alerts:
            name = (
                "PostdeployWatchSummary" if message.kind == "summary" else "PostdeployWatchStatus"
            )
            info = (name, message.title, message.text)
        return postable_alerts(
            message.alerts,
            run_id=self._run_id,
            release=self.release,
            now=time.time(),
            validity_s=self._validity_s,
            info=info,
            info_valid_for_s=message.valid_for_s,
        )

    def _post(self, client: httpx.Client, url: str, kind: str, body: Any, title: str) -> None:
        error = ""
        for attempt in range(1, self._retries + 1):
            try:
                response = client.post(url, json=body)
                if response.status_code < 300:
                    self.sent += 1
                    return
                error = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            log.warning("notification to %s failed (attempt %d): %s", kind, attempt, error)
            if attempt < self._retries:
                time.sleep(self._backoff_s * 2 ** (attempt - 1))
        self.failed += 1
        if self._on_failure is not None:
            self._on_failure(f"{kind} {_redact(url)}", f"{title}: {error}")


def _api_url(url: str) -> str:
    """``--alertmanager http://am:9093`` → its ``/api/v2/alerts`` (a full path is kept)."""
    base = url.rstrip("/")
    return base if base.endswith(API_PATH) else base + API_PATH


def _redact(url: str) -> str:
    """Webhook URLs carry their secret in the path (Slack): show scheme and host only."""
    return redact_url(url, keep_path=False)
