"""ZAP's alerts + the rules file → findings, checks and metrics. Pure: tested with tables.

Severity follows the rules file first, ZAP's risk second: a FAIL rule must block the release
whatever risk ZAP gave it (HIGH, CRITICAL when ZAP says High); WARN is LOW and INFO is INFO,
so they are reported without blocking at the default gate (``block_severity = high``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from postdeploy.config import ZAP_SCAN_CHECK
from postdeploy.findings import CheckOutcome, CheckResult, Finding, RollbackTrigger, Severity
from postdeploy.zap.alerts import ZapAlert, group_by_rule
from postdeploy.zap.rules import Rule, RuleLevel, RuleSet

__all__ = [
    "ZAP", "Judgement", "RuledGroup", "Scanner", "judge", "judge_by_rules", "severity_for",
]  # fmt: skip

EVIDENCE_INSTANCES = 5  # per finding; the full list is in ZAP's report artifact


@dataclass(frozen=True, slots=True)
class Judgement:
    findings: tuple[Finding, ...]
    checks: tuple[CheckResult, ...]
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return any(check.outcome is CheckOutcome.FAILED for check in self.checks)


@dataclass(frozen=True, slots=True)
class Scanner:
    """How one scanner's results are named in checks and metrics."""

    check_prefix: str  # "zap": checks "zap:<key>"
    summary_check: str  # the one check that says how the whole scan went
    noun: str  # what the scanner calls one result: "alert", "finding"
    metric_prefix: str  # "zap_alerts": metrics "zap_alerts_fail", …, "zap_alerts_total"


ZAP = Scanner("zap", ZAP_SCAN_CHECK, "alert", "zap_alerts")


@dataclass(frozen=True, slots=True)
class RuledGroup:
    """The results one rule of the rules file decides together."""

    key: str  # the check's suffix: ZAP's rule id, Wapiti's finding name
    label: str  # what the check's message names
    rule: Rule
    size: int
    finding: Callable[[], Finding]  # built only when the rule does not ignore the group


def judge_by_rules(
    groups: Iterable[RuledGroup], scanner: Scanner, *, total: int, in_scope: int, source: str
) -> Judgement:
    """One finding and one check per group whose rule does not ignore it, a summary check
    that fails when any group's rule is FAIL, and the counts per level as metrics — the
    same decisions for every scanner that is gated by a rules file (ZAP's, Wapiti's)."""
    counts = dict.fromkeys(RuleLevel, 0)
    findings: list[Finding] = []
    checks: list[CheckResult] = []
    for group in groups:
        counts[group.rule.level] += group.size
        if group.rule.level is RuleLevel.IGNORE:
            continue  # waved through in the rules file, with its reason: not in the verdict
        findings.append(group.finding())
        failed = group.rule.level is RuleLevel.FAIL
        checks.append(
            CheckResult(
                f"{scanner.check_prefix}:{group.key}",
                CheckOutcome.FAILED if failed else CheckOutcome.PASSED,
                message=f"{group.rule.level.value}: {group.label} ({group.size} instance(s))",
            )
        )
    failing = counts[RuleLevel.FAIL]
    summary = CheckResult(
        scanner.summary_check,
        CheckOutcome.FAILED if failing else CheckOutcome.PASSED,
        message=(
            f"{total} {scanner.noun}(s): {failing} FAIL, {counts[RuleLevel.WARN]} WARN, "
            f"{counts[RuleLevel.INFO]} INFO, {counts[RuleLevel.IGNORE]} IGNORE, "
            f"{total - in_scope} out of scope (rules: {source})"
        ),
    )
    metrics = {
        f"{scanner.metric_prefix}_{level.value.lower()}": float(n) for level, n in counts.items()
    }
    metrics[f"{scanner.metric_prefix}_total"] = float(total)
    return Judgement(tuple(findings), (summary, *checks), metrics)


def severity_for(level: RuleLevel, *, rated_high: bool) -> Severity:
    """The rules file first, the scanner's own rating second: a FAIL rule blocks whatever
    the scanner thought of it (CRITICAL when it rated the result high itself)."""
    if level is RuleLevel.FAIL:
        return Severity.CRITICAL if rated_high else Severity.HIGH
    if level is RuleLevel.WARN:
        return Severity.LOW
    return Severity.INFO


def judge(alerts: Sequence[ZapAlert], rules: RuleSet, *, stage: str) -> Judgement:
    """Apply the rules file to the alerts: one finding and one check per rule that fired."""
    in_scope = [alert for alert in alerts if rules.in_scope(alert)]
    groups = [
        RuledGroup(
            key, group[0].name, rule, len(group),
            functools.partial(_finding, stage, key, group, rule),
        )
        for key, group in group_by_rule(in_scope).items()
        for rule in (rules.rule_for(group[0]),)
    ]  # fmt: skip
    return judge_by_rules(
        groups, ZAP, total=len(alerts), in_scope=len(in_scope), source=rules.source
    )


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
        severity=severity_for(rule.level, rated_high=first.risk == "High"),
        trigger=RollbackTrigger.SECURITY_VULNERABILITY,
        evidence="\n".join(lines),
        origin=f"zap:{key}",
    )
