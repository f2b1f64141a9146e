"""The security stage: the pytest security checks and a vulnerability scan, side by side.

One stage, as the design names it (``--stages security``), made of two parts that share
nothing but the target: ``security/`` run by :class:`PytestStage` (marker ``security``),
and the scan (:class:`~postdeploy.stages.scanner.ScanPart`: ZAP when configured, else
Wapiti when installed). Their results merge into one: every finding and check of both, the
worst status (FAILED > ERROR > PASSED; a scan no scanner could run stays visible as the
skipped ``scan`` check, and the gate policy decides what it means).

When both parts are done, the run's outputs so far (every stage's logs, results, Allure
attachments, the scanner's reports) are scanned for the run's own secrets: check
``secrets:run-outputs``. Stages still running in parallel may write later; the project's
tests scan a whole run's outputs, reports included.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from postdeploy.errors import PostdeployError
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.stages.base import StageContext
from postdeploy.stages.pytest_stage import PytestStage
from postdeploy.stages.scanner import ScanPart
from postdeploy.stages.secret_scan import find_leaks, run_secrets

__all__ = ["SECRETS_CHECK", "SecurityStage", "merge_results", "scan_outputs"]

SECRETS_CHECK = "secrets:run-outputs"


def _checks() -> PytestStage:
    return PytestStage(name="security", marker="security", paths=("security",), timeout_s=180.0)


@dataclass(frozen=True, slots=True)
class SecurityStage:
    """``security``: pytest checks + the vulnerability scan (ZAP or Wapiti)."""

    name: str = "security"
    exclusive: bool = False  # runs beside the other stages
    checks: PytestStage = field(default_factory=_checks)
    scan: ScanPart = field(default_factory=ScanPart)

    def run(self, context: StageContext) -> StageResult:
        label = self.scan.choose(context).label
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="security") as pool:
            parts = [pool.submit(_run_part, part, context) for part in (self.checks, self.scan)]
            results = [future.result() for future in parts]
        return merge_results(
            self.name,
            [*results, scan_outputs(self.name, context)],
            labels=("checks", label, "secrets"),
        )


def _run_part(part: PytestStage | ScanPart, context: StageContext) -> StageResult:
    try:
        return part.run(context)
    except PostdeployError as exc:
        return StageResult(part.name, StageStatus.ERROR, reason=str(exc))


def scan_outputs(name: str, context: StageContext) -> StageResult:
    """The run's outputs so far, searched for the run's own secrets."""
    leaks = find_leaks(context.run_dir, run_secrets(context.target))
    if not leaks:
        return StageResult(
            name,
            StageStatus.PASSED,
            checks=(CheckResult(SECRETS_CHECK, CheckOutcome.PASSED),),
        )
    evidence = "\n".join(f"{leak.label} in {leak.path}" for leak in leaks)
    return StageResult(
        name,
        StageStatus.FAILED,
        reason="the run's own secrets appear in its outputs",
        findings=(
            Finding(
                stage=name,
                title="A secret of this run appears in its reports or logs",
                severity=Severity.CRITICAL,
                trigger=RollbackTrigger.SECURITY_VULNERABILITY,
                evidence=evidence,
                origin=SECRETS_CHECK,
            ),
        ),
        checks=(CheckResult(SECRETS_CHECK, CheckOutcome.FAILED, message=evidence[:300]),),
    )


_LABELS = ("checks", "ZAP", "secrets")


def merge_results(
    name: str, parts: list[StageResult], *, labels: Sequence[str] = _LABELS
) -> StageResult:
    """One result from the parts: all findings and checks, the worst status."""
    statuses = {part.status for part in parts}
    if StageStatus.FAILED in statuses:
        status = StageStatus.FAILED
    elif StageStatus.ERROR in statuses:
        status = StageStatus.ERROR
    elif statuses == {StageStatus.SKIPPED}:
        status = StageStatus.SKIPPED
    else:
        status = StageStatus.PASSED
    reasons = [
        f"{label}: {part.reason}"
        for label, part in zip(labels, parts, strict=False)
        if part.reason and part.status is not StageStatus.PASSED
    ]
    metrics: dict[str, float] = {}
    for part in parts:
        metrics.update(part.metrics)
    return StageResult(
        name=name,
        status=status,
        duration_s=max((part.duration_s for part in parts), default=0.0),
        reason="; ".join(reasons),
        findings=tuple(finding for part in parts for finding in part.findings),
        checks=tuple(check for part in parts for check in part.checks),
        metrics=metrics,
        artifacts=tuple(artifact for part in parts for artifact in part.artifacts),
    )
