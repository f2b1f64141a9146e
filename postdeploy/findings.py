"""The vocabulary every stage speaks: severities, rollback triggers, findings, results.

These are plain frozen values so that stages, the gate and the reports can be tested with
literals, and so that results can cross process boundaries as JSON (pytest-based stages
run in a subprocess).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from postdeploy.measurements import Charts

__all__ = [
    "CheckOutcome",
    "CheckResult",
    "Finding",
    "RollbackTrigger",
    "Severity",
    "StageResult",
    "StageStatus",
]


class Severity(StrEnum):
    """How bad a finding is; ordered, so the gate can compare with a threshold."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: CRITICAL=4 … INFO=0."""
        return _SEVERITY_RANK[self]

    def at_least(self, other: Severity) -> bool:
        """True when this severity is as bad as ``other`` or worse."""
        return self.rank >= other.rank


_SEVERITY_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


class RollbackTrigger(StrEnum):
    """The deployment plan's rollback triggers; every finding belongs to one."""

    CRITICAL_ERROR = "critical_error"
    DATA_LOSS = "data_loss"
    PERFORMANCE_DEGRADATION = "performance_degradation"
    SECURITY_VULNERABILITY = "security_vulnerability"
    USER_IMPACT = "user_impact"


class StageStatus(StrEnum):
    """How a stage ended. ERROR and SKIPPED mean: not (fully) checked."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"


class CheckOutcome(StrEnum):
    """How one check (one pytest test, one scan rule, one PromQL rule) ended.

    FLAKY: failed only by a timeout, then passed when retried once (the e2e stage, issue
    23). Not a finding and never blocking — the release did what it should — but never a
    silent pass either: every report shows it, so a machine too slow for its checks is seen.
    """

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    FLAKY = "flaky"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong with the release, with the evidence a reviewer needs.

    ``attachments`` are evidence files (screenshot, browser trace, …) as paths relative to
    the run directory, so every report can link them.
    """

    stage: str
    title: str
    severity: Severity
    trigger: RollbackTrigger
    evidence: str = ""
    origin: str = ""
    attachments: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "trigger": self.trigger.value,
            "severity": self.severity.value,
            "title": self.title,
            "evidence": self.evidence,
            "origin": self.origin,
            "attachments": list(self.attachments),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            stage=data["stage"],
            title=data["title"],
            severity=Severity(data["severity"]),
            trigger=RollbackTrigger(data["trigger"]),
            evidence=data.get("evidence", ""),
            origin=data.get("origin", ""),
            attachments=tuple(data.get("attachments", ())),
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check, kept so reports can list what ran, not only what failed.

    ``attachments``: evidence files of the check, pass or fail (the PromQL rule and the
    value it read, the load samples an endpoint was judged on), relative to the run
    directory like :attr:`Finding.attachments`.
    """

    check_id: str
    outcome: CheckOutcome
    duration_s: float = 0.0
    message: str = ""
    attachments: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.check_id,
            "outcome": self.outcome.value,
            "duration_s": round(self.duration_s, 3),
            "message": self.message,
        }
        if self.attachments:
            data["attachments"] = list(self.attachments)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        return cls(
            check_id=data["id"],
            outcome=CheckOutcome(data["outcome"]),
            duration_s=float(data.get("duration_s", 0.0)),
            message=data.get("message", ""),
            attachments=tuple(data.get("attachments", ())),
        )


@dataclass(frozen=True, slots=True)
class StageResult:
    """What one stage found. ``reason`` explains any status other than PASSED.

    ``started_at``: when the stage began (seconds since the epoch), set by the runner, so
    the reports can show real start and stop times (Allure's timeline and duration).
    """

    name: str
    status: StageStatus
    duration_s: float = 0.0
    reason: str = ""
    findings: tuple[Finding, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: tuple[str, ...] = ()
    charts: Charts = field(default_factory=Charts)
    started_at: float | None = None

    def count(self, outcome: CheckOutcome) -> int:
        """How many checks ended with ``outcome``."""
        return sum(1 for check in self.checks if check.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "duration_s": round(self.duration_s, 3),
            "reason": self.reason,
            "findings": [finding.to_dict() for finding in self.findings],
            "checks": [check.to_dict() for check in self.checks],
            "metrics": dict(self.metrics),
            "artifacts": list(self.artifacts),
            "charts": self.charts.to_dict(),
            "started_at": self.started_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageResult:
        return cls(
            name=data["name"],
            status=StageStatus(data["status"]),
            duration_s=float(data.get("duration_s", 0.0)),
            reason=data.get("reason", ""),
            findings=tuple(Finding.from_dict(item) for item in data.get("findings", [])),
            checks=tuple(CheckResult.from_dict(item) for item in data.get("checks", [])),
            metrics={key: float(value) for key, value in data.get("metrics", {}).items()},
            artifacts=tuple(data.get("artifacts", [])),
            charts=Charts.from_dict(data.get("charts")),
            started_at=data.get("started_at"),
        )
