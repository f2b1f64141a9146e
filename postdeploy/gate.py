"""The gate: stage results + policy → decision. Pure, so it is tested with plain tables.

It fails closed: anything that was supposed to be checked and was not makes the verdict
INCONCLUSIVE, never GO. A blocking finding makes it NO_GO even when other stages could not
run — a release known to lose data must not wait for a flaky scanner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Any

from postdeploy.config import GatePolicy
from postdeploy.findings import (
    CheckOutcome,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.inert import EVIDENCE_LIMIT, MESSAGE_LIMIT, inert, inert_line
from postdeploy.redact import redact_text, redact_url
from postdeploy.target.info import TargetInfo

__all__ = ["Decision", "Evaluation", "NotChecked", "Verdict", "build_verdict", "evaluate"]

SCHEMA_VERSION = "1.0"


class Decision(StrEnum):
    GO = "GO"
    NO_GO = "NO_GO"
    INCONCLUSIVE = "INCONCLUSIVE"


@dataclass(frozen=True, slots=True)
class NotChecked:
    """Something that should have been checked and was not; ``check=None``: a whole stage."""

    stage: str
    check: str | None
    why: str
    # It keeps the verdict from being GO (a stage that could not run, a check that errored,
    # a required check skipped) — what the CLI names in its ``error:`` line.
    blocking: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "check": self.check, "why": self.why}


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The gate's answer, before it is dressed up as a :class:`Verdict`."""

    decision: Decision
    reasons: tuple[Finding, ...]
    triggers_fired: tuple[RollbackTrigger, ...]
    not_checked: tuple[NotChecked, ...]


def evaluate(
    results: Sequence[StageResult], *, expected: Sequence[str], policy: GatePolicy
) -> Evaluation:
    """Decide GO / NO_GO / INCONCLUSIVE for ``results`` of the ``expected`` stages."""
    findings = sorted(
        (finding for result in results for finding in result.findings),
        key=lambda finding: -finding.severity.rank,
    )
    blocking = [
        f
        for f in findings
        if f.severity.at_least(policy.block_severity) and not _accepted(f, policy)
    ]
    triggers = tuple(dict.fromkeys(finding.trigger for finding in blocking))

    by_name = {result.name: result for result in results}
    not_checked: list[NotChecked] = []
    incomplete = False
    for name in expected:
        result = by_name.get(name)
        gap = _stage_gap(result)
        if gap:
            not_checked.append(NotChecked(name, None, gap, blocking=True))
            incomplete = True
        if result is None:
            continue
        for check in result.checks:
            if check.outcome is CheckOutcome.SKIPPED:
                why = check.message or "skipped"
                if check.check_id in policy.required_checks:
                    # e.g. the ZAP scan of a real target: skipping it is not a pass
                    why = f"required by the gate policy, but skipped: {why}"
                    incomplete = True
                required = check.check_id in policy.required_checks
                not_checked.append(NotChecked(name, check.check_id, why, blocking=required))
            elif check.outcome is CheckOutcome.ERROR:
                not_checked.append(
                    NotChecked(
                        name, check.check_id, f"could not run: {check.message}", blocking=True
                    )
                )
                incomplete = True

    if blocking:
        decision = Decision.NO_GO
    elif incomplete:
        decision = Decision.INCONCLUSIVE
    else:
        decision = Decision.GO
    return Evaluation(decision, tuple(findings), triggers, tuple(not_checked))


def _accepted(finding: Finding, policy: GatePolicy) -> bool:
    """A risk the team accepted in its policy: still reported, never blocking."""
    return any(fnmatchcase(finding.origin, pattern) for pattern in policy.accept_risks)


def _stage_gap(result: StageResult | None) -> str:
    """Why a stage as a whole does not count as checked, or '' when it does."""
    if result is None:
        return "stage did not run"
    if result.status is StageStatus.ERROR:
        return result.reason or "stage could not run"
    if result.status is StageStatus.SKIPPED:
        return result.reason or "stage skipped"
    # A flaky check ran and passed on its retry: checked (and shown as flaky), not a gap.
    ran = sum(
        result.count(outcome)
        for outcome in (CheckOutcome.PASSED, CheckOutcome.FAILED, CheckOutcome.FLAKY)
    )
    if ran == 0:
        return "no checks ran"
    if result.status is StageStatus.FAILED and not result.findings:
        return "stage failed without saying why (no findings)"
    return ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """The run's one answer with everything behind it; ``verdict.json`` renders this.

    ``block_severity`` and ``accepted`` record the policy the findings were weighed with,
    so a report can say why a finding did not block (:meth:`why_not_blocking`) without
    deciding anything itself. ``requested_stages``: the stages named with ``--stages``
    (empty: the profile's).
    """

    run_id: str
    decision: Decision
    profile: str
    target: TargetInfo
    stages: tuple[StageResult, ...]
    reasons: tuple[Finding, ...]
    triggers_fired: tuple[RollbackTrigger, ...]
    not_checked: tuple[NotChecked, ...]
    started_at: datetime
    finished_at: datetime
    error: str | None = None
    block_severity: Severity = Severity.HIGH
    accepted: tuple[str, ...] = ()
    requested_stages: tuple[str, ...] = ()

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

    def blocks(self, finding: Finding) -> bool:
        """Whether ``finding`` counted against the release (it fired its trigger)."""
        return self.why_not_blocking(finding) is None

    def why_not_blocking(self, finding: Finding) -> str | None:
        """Why ``finding`` did not block, in words, or ``None`` when it did."""
        if finding.origin and finding.origin in self.accepted:
            return (
                "an accepted risk in the gate policy ([gate] accept_risks): reported, not blocking"
            )
        if not finding.severity.at_least(self.block_severity):
            return (
                f"{finding.severity.value} findings do not block; the gate blocks at "
                f"{self.block_severity.value}"
                + (" and above" if self.block_severity is not Severity.CRITICAL else "")
            )
        return None

    def stage_note(self, stage: StageResult) -> str:
        """For a stage that failed without blocking the release: why not, else ''."""
        if stage.status is not StageStatus.FAILED or not stage.findings:
            return ""
        reasons = [self.why_not_blocking(finding) for finding in stage.findings]
        if any(reason is None for reason in reasons):
            return ""
        return "does not block: " + "; ".join(dict.fromkeys(r for r in reasons if r))


def build_verdict(
    results: Sequence[StageResult],
    *,
    expected: Sequence[str],
    policy: GatePolicy,
    run_id: str,
    profile: str,
    target: TargetInfo,
    started_at: datetime,
    error: str | None = None,
    finished_at: datetime | None = None,
    requested_stages: Sequence[str] = (),
) -> Verdict:
    """The run's :class:`Verdict`: :func:`evaluate` the results, then fail closed on
    ``error`` — why the run stopped before every expected stage had its say (bad input, an
    unreachable target, Ctrl-C). The stages that did not run are "not checked" for that
    reason, and such a run is never GO.

    The one place a Verdict is assembled: ``postdeploy verify`` and ``postdeploy watch``
    both end here, so they cannot disagree about what an error means. It is also where
    every string that reaches an output is made safe once, for all of them: control
    characters escaped, lengths bounded, URL credentials masked (:func:`safe_result`).
    """
    results = [safe_result(result) for result in results]
    target = safe_target(target)
    error = _safe_message(error) if error is not None else None
    evaluation = evaluate(results, expected=expected, policy=policy)
    not_checked = list(evaluation.not_checked)
    decision = evaluation.decision
    if error is not None:
        ran = {result.name for result in results}
        not_checked = [
            NotChecked(name, None, error, blocking=True) for name in expected if name not in ran
        ] + [item for item in not_checked if item.stage in ran]
        if decision is Decision.GO:
            decision = Decision.INCONCLUSIVE
    return Verdict(
        run_id=run_id,
        decision=decision,
        profile=profile,
        target=target,
        stages=tuple(results),
        reasons=evaluation.reasons,
        triggers_fired=evaluation.triggers_fired,
        not_checked=tuple(not_checked),
        started_at=started_at,
        finished_at=finished_at or datetime.now(UTC),
        error=error,
        block_severity=policy.block_severity,
        accepted=tuple(
            dict.fromkeys(f.origin for f in evaluation.reasons if f.origin and _accepted(f, policy))
        ),
        requested_stages=tuple(requested_stages),
    )


def _safe_message(text: str) -> str:
    return inert(redact_text(text), limit=MESSAGE_LIMIT)


def _safe_line(text: str) -> str:
    return inert_line(redact_text(text))


def safe_result(result: StageResult) -> StageResult:
    """``result`` with every string inert, bounded and redacted (see :mod:`postdeploy.inert`
    and :mod:`postdeploy.redact`): text from the target cannot forge a line of the summary,
    rewrite a terminal or carry a credential into a report."""
    return replace(
        result,
        reason=_safe_message(result.reason),
        findings=tuple(
            replace(
                finding,
                title=_safe_line(finding.title),
                evidence=inert(redact_text(finding.evidence), limit=EVIDENCE_LIMIT),
                origin=_safe_line(finding.origin),
                attachments=tuple(_safe_line(path) for path in finding.attachments),
            )
            for finding in result.findings
        ),
        checks=tuple(
            replace(
                check,
                check_id=_safe_line(check.check_id),
                message=_safe_message(check.message),
                attachments=tuple(_safe_line(path) for path in check.attachments),
            )
            for check in result.checks
        ),
        artifacts=tuple(_safe_line(path) for path in result.artifacts),
    )


def safe_target(target: TargetInfo) -> TargetInfo:
    """The target as every output may show it: URL without credentials, versions inert."""
    return replace(
        target,
        url=inert_line(redact_url(target.url)),
        expected_version=inert_line(target.expected_version) if target.expected_version else None,
        live_version=inert_line(target.live_version, limit=100) if target.live_version else None,
        accounts=tuple((inert_line(name), role) for name, role in target.accounts),
    )
