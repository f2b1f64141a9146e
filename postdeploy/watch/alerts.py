"""Alert states over time: Prometheus' ``for:`` semantics, plus "monitoring blind".

A rule whose condition holds starts *pending*; it *fires* once the condition has held for
the rule's ``for:`` duration; it *resolves* the first time the condition is clear again.
"Monitoring blind" fires at once when Prometheus cannot be asked, because every other
alert is silent for the wrong reason then; it resolves at the first answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from postdeploy.findings import RollbackTrigger, Severity
from postdeploy.monitoring.query import Observation, RuleState
from postdeploy.monitoring.rules import Rule

__all__ = ["BLIND", "SMOKE", "AlertChange", "AlertStatus", "AlertTracker"]

BLIND = "PostdeployMonitoringBlind"
SMOKE = "PostdeploySmokeFailing"


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class AlertChange:
    """An alert that started firing or resolved at ``at``."""

    alert: str
    status: AlertStatus
    at: float
    trigger: RollbackTrigger
    severity: Severity
    summary: str
    detail: str = ""
    since: float | None = None
    # The rule's own labels (an SLO's name and windows, a Sloth spec's routing labels).
    labels: tuple[tuple[str, str], ...] = ()

    def to_event(self) -> dict[str, Any]:
        event: dict[str, Any] = {
            "alert": self.alert,
            "status": self.status.value,
            "trigger": self.trigger.value,
            "severity": self.severity.value,
            "summary": self.summary,
            "detail": self.detail,
            "since": self.since,
        }
        if self.labels:
            event["labels"] = dict(self.labels)
        return event


class AlertTracker:
    """Pending/firing state of every rule, the blind alert and the smoke alert."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = {rule.name: rule for rule in rules}
        self.pending_since: dict[str, float] = {}
        self.firing: dict[str, AlertChange] = {}

    def observe(self, observations: Iterable[Observation], at: float) -> list[AlertChange]:
        """Feed one evaluation; return the alerts that fired or resolved."""
        changes = self._clear_blind(at)
        for obs in observations:
            rule = self._rules[obs.rule]
            if obs.state is RuleState.BREACH:
                since = self.pending_since.setdefault(rule.name, at)
                if rule.name not in self.firing and at - since >= rule.for_s:
                    changes.append(self._fire(rule.name, at, rule, obs.detail, since))
            elif obs.state is RuleState.CLEAR:
                self.pending_since.pop(rule.name, None)
                if rule.name in self.firing:
                    changes.append(self._resolve(rule.name, at))
            # NODATA / ERROR: neither proof of trouble nor of health; keep the state as is.
        return changes

    def blind(self, at: float, why: str) -> list[AlertChange]:
        """Prometheus could not be asked."""
        if BLIND in self.firing:
            return []
        change = AlertChange(
            BLIND, AlertStatus.FIRING, at, RollbackTrigger.CRITICAL_ERROR, Severity.HIGH,
            "Monitoring blind: Prometheus does not answer; no rollback trigger can be seen",
            why, at,
        )  # fmt: skip
        self.firing[BLIND] = change
        return [change]

    def smoke(
        self, at: float, failed: bool, trigger: RollbackTrigger, detail: str
    ) -> list[AlertChange]:
        """A smoke rerun finished; failing smoke is an alert of its own."""
        if failed and SMOKE not in self.firing:
            change = AlertChange(
                SMOKE, AlertStatus.FIRING, at, trigger, Severity.CRITICAL,
                "The smoke suite fails against the release", detail, at,
            )  # fmt: skip
            self.firing[SMOKE] = change
            return [change]
        if not failed and SMOKE in self.firing:
            return [self._resolve(SMOKE, at)]
        return []

    def restore(self, events: Iterable[dict[str, Any]]) -> None:
        """Rebuild which alerts are firing from a resumed timeline's alert events."""
        for event in events:
            if event.get("kind") != "alert":
                continue
            if event["status"] == AlertStatus.FIRING.value:
                self.firing[event["alert"]] = AlertChange(
                    event["alert"], AlertStatus.FIRING, event["at"],
                    RollbackTrigger(event["trigger"]), Severity(event["severity"]),
                    event["summary"], event.get("detail", ""), event.get("since"),
                    tuple(sorted((event.get("labels") or {}).items())),
                )  # fmt: skip
            else:
                self.firing.pop(event["alert"], None)

    def _clear_blind(self, at: float) -> list[AlertChange]:
        return [self._resolve(BLIND, at)] if BLIND in self.firing else []

    def _fire(self, name: str, at: float, rule: Rule, detail: str, since: float) -> AlertChange:
        change = AlertChange(
            name, AlertStatus.FIRING, at, rule.trigger, rule.severity, rule.summary, detail, since,
            rule.labels,
        )  # fmt: skip
        self.firing[name] = change
        return change

    def _resolve(self, name: str, at: float) -> AlertChange:
        fired = self.firing.pop(name)
        self.pending_since.pop(name, None)
        return AlertChange(
            name, AlertStatus.RESOLVED, at, fired.trigger, fired.severity, fired.summary,
            fired.detail, fired.since, fired.labels,
        )  # fmt: skip
