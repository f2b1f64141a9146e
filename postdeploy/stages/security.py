"""The security stage: the pytest security checks and the ZAP scan, side by side.

One stage, as the design names it (``--stages security``), made of two parts that share
nothing but the target: ``security/`` run by :class:`PytestStage` (marker ``security``),
and :class:`ZapStage`. Their results merge into one: every finding and check of both, the
worst status (FAILED > ERROR > PASSED; a skipped ZAP scan stays visible as the skipped
``zap:scan`` check, and the gate policy decides what it means).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from postdeploy.errors import PostdeployError
from postdeploy.findings import StageResult, StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.stages.pytest_stage import PytestStage
from postdeploy.stages.zap_stage import ZapStage

__all__ = ["SecurityStage", "merge_results"]


def _checks() -> PytestStage:
    return PytestStage(name="security", marker="security", paths=("security",), timeout_s=180.0)


@dataclass(frozen=True, slots=True)
class SecurityStage:
    """``security``: pytest checks + ZAP scan."""

    name: str = "security"
    checks: PytestStage = field(default_factory=_checks)
    scan: ZapStage = field(default_factory=ZapStage)

    def run(self, context: StageContext) -> StageResult:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="security") as pool:
            parts = [pool.submit(_run_part, part, context) for part in (self.checks, self.scan)]
            return merge_results(self.name, [future.result() for future in parts])


def _run_part(part: PytestStage | ZapStage, context: StageContext) -> StageResult:
    try:
        return part.run(context)
    except PostdeployError as exc:
        return StageResult(part.name, StageStatus.ERROR, reason=str(exc))


_LABELS = ("checks", "ZAP")


def merge_results(name: str, parts: list[StageResult]) -> StageResult:
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
        for label, part in zip(_LABELS, parts, strict=False)
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
