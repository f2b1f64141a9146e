"""Alerts for a real Alertmanager: ``POST /api/v2/alerts``, as Prometheus itself sends them.

The webhook formats (``notify.py``) hand postdeploy's alerts to a receiver directly; pushing
to the team's Alertmanager instead lets its own routing, grouping, inhibition, silences and
receivers apply. The protocol is Prometheus' (the v2 API's ``postableAlerts``):

* a firing alert is sent with ``endsAt`` a validity ahead (four resend intervals) and sent
  again every resend interval while it fires — a watch that dies leaves alerts that expire
  on their own instead of firing forever;
* a resolved one is sent once more with ``endsAt`` = the moment it resolved;
* the labels identify the alert (Alertmanager fingerprints them), so firing and resolved
  carry the same set: ``alertname``, ``severity``, ``rollback_trigger`` (the trigger),
  ``postdeploy_run`` (the run), ``release`` (the version watched), and the rule's own labels
  (an SLO's name and windows, a Sloth spec's routing labels).

Status updates and the summary go as ``severity: info`` alerts (``PostdeployWatchStatus``,
``PostdeployWatchSummary``), valid for ``valid_for_s`` of the message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from postdeploy.watch.alerts import AlertChange, AlertStatus

__all__ = ["API_PATH", "alert_labels", "postable_alerts"]

API_PATH = "/api/v2/alerts"


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def alert_labels(change: AlertChange, *, run_id: str, release: str) -> dict[str, str]:
    """The identifying label set of ``change`` (the same firing and resolved)."""
    return {
        **dict(change.labels),
        "alertname": change.alert,
        "severity": change.severity.value,
        "rollback_trigger": change.trigger.value,
        "postdeploy_run": run_id,
        "release": release,
    }


def postable_alerts(
    changes: tuple[AlertChange, ...],
    *,
    run_id: str,
    release: str,
    now: float,
    validity_s: float,
    generator_url: str = "",
    info: tuple[str, str, str] | None = None,
    info_valid_for_s: float = 3600.0,
) -> list[dict[str, Any]]:
    """The body of one ``POST /api/v2/alerts``.

    ``info``: (alertname, summary, description) of a status update or the summary.
    """
    body: list[dict[str, Any]] = []
    for change in changes:
        resolved = change.status is AlertStatus.RESOLVED
        alert: dict[str, Any] = {
            "labels": alert_labels(change, run_id=run_id, release=release),
            "annotations": {"summary": change.summary, "description": change.detail},
            "startsAt": _iso(change.since or change.at),
            "endsAt": _iso(change.at if resolved else now + validity_s),
        }
        if generator_url:
            alert["generatorURL"] = generator_url
        body.append(alert)
    if info is not None:
        name, summary, description = info
        body.append(
            {
                "labels": {
                    "alertname": name,
                    "severity": "info",
                    "postdeploy_run": run_id,
                    "release": release,
                },
                "annotations": {"summary": summary, "description": description},
                "startsAt": _iso(now),
                "endsAt": _iso(now + info_valid_for_s),
            }
        )
    return body
