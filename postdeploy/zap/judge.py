"""ZAP's alerts + the rules file → findings, checks and metrics. Pure: tested with tables.

Severity follows the rules file first, ZAP's risk second: a FAIL rule must block the release
whatever risk ZAP gave it (HIGH, CRITICAL when ZAP says High); WARN is LOW and INFO is INFO,
so they are reported without blocking at the default gate (``block_severity = high``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from postdeploy.config import ZAP_SCAN_CHECK
from postdeploy.findings import CheckOutcome, CheckResult, Finding, RollbackTrigger, Severity
from postdeploy.zap.alerts import ZapAlert, group_by_rule
from postdeploy.zap.rules import Rule, RuleLevel, RuleSet

__all__ = ["Judgement", "judge"]

EVIDENCE_INSTANCES = 5  # per finding; the full list is in ZAP's report artifact


@dataclass(frozen=True, slots=True)
class Judgement:
    findings: tuple[Finding, ...]
    checks: tuple[CheckResult, ...]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(check.outcome is CheckOutcome.FAILED for check in self.checks)


def judge(alerts: Sequence[ZapAlert], rules: RuleSet, *, stage: str) -> Judgement:
    """Apply the rules file to the alerts: one finding and one check per rule that fired."""
    in_scope = [alert for alert in alerts if rules.in_scope(alert)]
    counts = dict.fromkeys(RuleLevel, 0)
    findings: list[Finding] = []
    checks: list[CheckResult] = []
    for key, group in group_by_rule(in_scope).items():
        rule = rules.rule_for(group[0])
        counts[rule.level] += len(group)
        if rule.level is RuleLevel.IGNORE:
            continue  # waved through in the rules file, with its reason: not in the verdict
        findings.append(_finding(stage, key, group, rule))
        outcome = CheckOutcome.FAILED if rule.level is RuleLevel.FAIL else CheckOutcome.PASSED
        checks.append(
            CheckResult(
                f"zap:{key}",
                outcome,
                message=f"{rule.level.value}: {group[0].name} ({len(group)} instance(s))",
            )
        )
    failing = counts[RuleLevel.FAIL]
    summary = CheckResult(
        ZAP_SCAN_CHECK,
        CheckOutcome.FAILED if failing else CheckOutcome.PASSED,
        message=(
            f"{len(alerts)} alert(s): {failing} FAIL, {counts[RuleLevel.WARN]} WARN, "
            f"{counts[RuleLevel.INFO]} INFO, {counts[RuleLevel.IGNORE]} IGNORE, "
            f"{len(alerts) - len(in_scope)} out of scope (rules: {rules.source})"
        ),
    )
    metrics = {f"zap_alerts_{level.value.lower()}": float(n) for level, n in counts.items()}
    metrics["zap_alerts_total"] = float(len(alerts))
    return Judgement(tuple(findings), (summary, *checks), metrics)


def _finding(stage: str, key: str, group: list[ZapAlert], rule: Rule) -> Finding:
    first = group[0]
    lines = [
        f"ZAP rule {key} ({first.name}): risk {first.risk or '?'}, confidence "
        f"{first.confidence or '?'}, CWE-{first.cwe_id or '?'}",
        f"rules file: {rule.level.value}" + (f" — {rule.reason}" if rule.reason else ""),
        f"{len(group)} instance(s):",
    ]
    lines.extend(alert.describe() for alert in group[:EVIDENCE_INSTANCES])
    if len(group) > EVIDENCE_INSTANCES:
        lines.append(f"… and {len(group) - EVIDENCE_INSTANCES} more in ZAP's report")
    if first.solution:
        lines.append(f"solution: {first.solution[:500]}")
    return Finding(
        stage=stage,
        title=f"ZAP: {first.name} ({len(group)} instance(s))",
        severity=_severity(rule.level, first.risk),
        trigger=RollbackTrigger.SECURITY_VULNERABILITY,
        evidence="\n".join(lines),
        origin=f"zap:{key}",
    )


def _severity(level: RuleLevel, risk: str) -> Severity:
    if level is RuleLevel.FAIL:
        return Severity.CRITICAL if risk == "High" else Severity.HIGH
    if level is RuleLevel.WARN:
        return Severity.LOW
    return Severity.INFO
