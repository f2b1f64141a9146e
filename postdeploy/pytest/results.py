"""Turn pytest's test reports into a :class:`StageResult` (checks + findings).

Kept apart from the hooks so the mapping — which phase failing means what — is one
readable function. Works on the controller, where xdist replays every worker's reports.

Retries (issue 23): a check that failed only by a timeout is run once more (the e2e suite
marks its checks so, see ``e2e/conftest.py``); pytest-rerunfailures reports the first
attempt's failure with the outcome ``rerun``. A pass on the retry is :attr:`CheckOutcome.
FLAKY` — not a finding, but kept with the first attempt's message; a failure on the retry is
an ordinary failure.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from postdeploy.checks import DEFAULT_GATE
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)

__all__ = ["GATE_PROPERTY", "METRIC_PROPERTY", "StageRecorder"]

GATE_PROPERTY = "postdeploy_gate"
METRIC_PROPERTY = "postdeploy_metric"
RERUN = "rerun"  # pytest-rerunfailures' outcome of an attempt that is retried
MESSAGE_LIMIT = 2000
_XDIST_HEADER = re.compile(r"^\[gw\d+\] \S+ -- Python ")


@dataclass
class _Check:
    node_id: str
    outcome: CheckOutcome = CheckOutcome.PASSED
    duration_s: float = 0.0
    message: str = ""
    finding: dict[str, Any] | None = None
    retried: str | None = None  # the first attempt's failure, when it was retried
    retried_evidence: tuple[str, ...] = ()  # its screenshot, trace, … (kept for a flaky check)
    retry_pending: bool = False


@dataclass
class StageRecorder:
    """Collects every test's phases; ``result()`` summarises them as one stage."""

    stage: str
    checks: dict[str, _Check] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)

    def add(self, report: pytest.TestReport) -> CheckResult | None:
        """Record one phase's report; return the check's result once it is final (its last
        teardown: a retried check is final after the retry)."""
        check = self.checks.setdefault(report.nodeid, _Check(report.nodeid))
        check.duration_s += report.duration
        self._metrics(report)
        if report.outcome == RERUN:
            # The attempt failed and is retried: start over, keep why for the record.
            check.retried = (_short(report).splitlines() or ["failed"])[0]
            check.retried_evidence = tuple((_gate_property(report) or {}).get("attachments", ()))
            check.retry_pending = True
            check.outcome, check.message, check.finding = CheckOutcome.PASSED, "", None
            return None
        if report.when == "setup" and check.retry_pending:
            check.retry_pending = False
        if report.when == "call" and report.failed:
            check.outcome = CheckOutcome.FAILED
            check.message = _short(report)
            check.finding = _gate_property(report)
        elif report.skipped and check.outcome is CheckOutcome.PASSED:
            check.outcome = CheckOutcome.SKIPPED
            check.message = _skip_reason(report)
        elif report.failed and check.outcome is not CheckOutcome.FAILED:
            # setup or teardown: the check could not run, or could not clean up
            check.outcome = CheckOutcome.ERROR
            phase = "setup" if report.when == "setup" else "cleanup"
            first_line = (_short(report).splitlines() or ["no message"])[0]
            check.message = f"{phase} failed: {first_line}"
        if report.when != "teardown" or check.retry_pending:
            return None
        if check.retried and check.outcome is CheckOutcome.PASSED:
            check.outcome = CheckOutcome.FLAKY
            check.message = f"passed when retried; the first attempt failed: {check.retried}"
        return self._check_result(check)

    @staticmethod
    def _check_result(check: _Check) -> CheckResult:
        evidence = check.retried_evidence if check.outcome is CheckOutcome.FLAKY else ()
        return CheckResult(check.node_id, check.outcome, check.duration_s, check.message, evidence)

    def _metrics(self, report: pytest.TestReport) -> None:
        """Figures a check recorded for the stage (``METRIC_PROPERTY``); the largest wins,
        e.g. the slowest worker's calibration."""
        for name, value in report.user_properties:
            if name == METRIC_PROPERTY:
                key, figure = json.loads(value)
                self.metrics[key] = max(float(figure), self.metrics.get(key, float("-inf")))

    def add_collection_error(self, report: pytest.CollectReport) -> None:
        self.collection_errors.append(f"{report.nodeid or 'collection'}: {_short(report)}")

    def result(self, exitstatus: int, duration_s: float) -> StageResult:
        checks = tuple(self._check_result(c) for c in self.checks.values())
        failed = [c for c in self.checks.values() if c.outcome is CheckOutcome.FAILED]
        findings = tuple(_finding(self.stage, check) for check in failed)
        status, reason = self._status(exitstatus, checks, findings)
        return StageResult(
            name=self.stage,
            status=status,
            duration_s=duration_s,
            reason=reason,
            findings=findings,
            checks=checks,
            metrics=dict(self.metrics),
        )

    def _status(
        self, exitstatus: int, checks: tuple[CheckResult, ...], findings: tuple[Finding, ...]
    ) -> tuple[StageStatus, str]:
        if self.collection_errors:
            return StageStatus.ERROR, "checks could not be collected: " + self.collection_errors[0]
        if exitstatus == pytest.ExitCode.INTERRUPTED:
            return StageStatus.ERROR, "interrupted before all checks ran"
        if exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
            return StageStatus.ERROR, f"pytest stopped with exit code {int(exitstatus)}"
        if not checks:
            return StageStatus.ERROR, "no checks selected"
        errors = [c for c in checks if c.outcome is CheckOutcome.ERROR]
        if findings:
            return StageStatus.FAILED, f"{len(findings)} check(s) failed"
        if errors:
            return StageStatus.ERROR, f"{len(errors)} check(s) could not run: {errors[0].message}"
        if all(c.outcome is CheckOutcome.SKIPPED for c in checks):
            return StageStatus.SKIPPED, checks[0].message or "all checks skipped"
        flaky = [c for c in checks if c.outcome is CheckOutcome.FLAKY]
        if flaky:
            return StageStatus.PASSED, (
                f"{len(flaky)} check(s) flaky: failed only by a timeout, passed when retried"
            )
        return StageStatus.PASSED, ""


def _finding(stage: str, check: _Check) -> Finding:
    tag = check.finding or {}
    title = tag.get("title") or check.node_id
    return Finding(
        stage=stage,
        title=title,
        severity=Severity(tag.get("severity", DEFAULT_GATE.severity)),
        trigger=RollbackTrigger(tag.get("trigger", DEFAULT_GATE.trigger)),
        evidence=tag.get("evidence") or check.message,
        origin=check.node_id,
        attachments=tuple(tag.get("attachments", ())),
    )


def _gate_property(report: pytest.TestReport) -> dict[str, Any] | None:
    for name, value in report.user_properties:
        if name == GATE_PROPERTY:
            return json.loads(value)
    return None


def _short(report: pytest.TestReport | pytest.CollectReport) -> str:
    # xdist puts "[gw0] linux -- Python …" above a worker's failure text; it says nothing.
    text = "\n".join(
        line for line in report.longreprtext.strip().splitlines() if not _XDIST_HEADER.match(line)
    ).strip()
    lines = [line for line in text.splitlines() if line.startswith("E ")]
    summary = "\n".join(line[1:].strip() for line in lines) if lines else text
    return summary[:MESSAGE_LIMIT]


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return "skipped"
