"""Wapiti's alerts + its rules file → findings, checks and metrics. Pure: tested with tables.

The same decisions as ZAP's judge (:mod:`postdeploy.zap.judge`), keyed by Wapiti's finding
names: one finding and one check per name that fired; FAIL blocks the release (HIGH,
CRITICAL when Wapiti rates it high or critical), WARN is LOW and INFO is INFO, IGNORE
stays out of the verdict. The summary check is ``wapiti:scan``.
"""

from __future__ import annotations

from collections.abc import Sequence

from postdeploy.config import WAPITI_SCAN_CHECK
from postdeploy.findings import CheckOutcome, CheckResult, Finding, RollbackTrigger, Severity
from postdeploy.scan.report import LEVELS, WapitiAlert
from postdeploy.zap.judge import Judgement
from postdeploy.zap.rules import Rule, RuleLevel, RuleSet

__all__ = ["EVIDENCE_INSTANCES", "judge_wapiti"]

EVIDENCE_INSTANCES = 5  # per finding; the full list is in Wapiti's report artifact


def judge_wapiti(alerts: Sequence[WapitiAlert], rules: RuleSet, *, stage: str) -> Judgement:
    """Apply the rules file to Wapiti's alerts."""
    in_scope = [a for a in alerts if rules.in_scope_for((a.name,), a.url)]
    groups: dict[str, list[WapitiAlert]] = {}
    for alert in in_scope:
        groups.setdefault(alert.name, []).append(alert)
    counts = dict.fromkeys(RuleLevel, 0)
    findings: list[Finding] = []
    checks: list[CheckResult] = []
    for name, group in groups.items():
        rule = rules.rule_for_key(name, name)
        counts[rule.level] += len(group)
        if rule.level is RuleLevel.IGNORE:
            continue
        findings.append(_finding(stage, name, group, rule))
        checks.append(
            CheckResult(
                f"wapiti:{name}",
                CheckOutcome.FAILED if rule.level is RuleLevel.FAIL else CheckOutcome.PASSED,
                message=f"{rule.level.value}: {name} ({len(group)} instance(s))",
            )
        )
    failing = counts[RuleLevel.FAIL]
    summary = CheckResult(
        WAPITI_SCAN_CHECK,
        CheckOutcome.FAILED if failing else CheckOutcome.PASSED,
        message=(
            f"{len(alerts)} finding(s): {failing} FAIL, {counts[RuleLevel.WARN]} WARN, "
            f"{counts[RuleLevel.INFO]} INFO, {counts[RuleLevel.IGNORE]} IGNORE, "
            f"{len(alerts) - len(in_scope)} out of scope (rules: {rules.source})"
        ),
    )
    metrics = {f"wapiti_findings_{level.value.lower()}": float(n) for level, n in counts.items()}
    metrics["wapiti_findings_total"] = float(len(alerts))
    return Judgement(tuple(findings), (summary, *checks), metrics)


def _finding(stage: str, name: str, group: list[WapitiAlert], rule: Rule) -> Finding:
    first = group[0]
    worst = max(alert.level for alert in group)
    lines = [
        f"Wapiti: {name} (module {first.module or '?'}), level {LEVELS.get(worst, worst)}"
        + (f", CWE-{first.cwe_id}" if first.cwe_id else ""),
        f"rules file: {rule.level.value}" + (f" — {rule.reason}" if rule.reason else ""),
        f"{len(group)} instance(s):",
    ]
    lines.extend(alert.describe() for alert in group[:EVIDENCE_INSTANCES])
    if len(group) > EVIDENCE_INSTANCES:
        lines.append(f"… and {len(group) - EVIDENCE_INSTANCES} more in Wapiti's report")
    if first.solution:
        lines.append(f"solution: {' '.join(first.solution.split())[:500]}")
    return Finding(
        stage=stage,
        title=f"Wapiti: {name} ({len(group)} instance(s))",
        severity=_severity(rule.level, worst),
        trigger=RollbackTrigger.SECURITY_VULNERABILITY,
        evidence="\n".join(lines),
        origin=f"wapiti:{name}",
    )


def _severity(level: RuleLevel, wapiti_level: int) -> Severity:
    if level is RuleLevel.FAIL:
        return Severity.CRITICAL if wapiti_level >= 3 else Severity.HIGH
    if level is RuleLevel.WARN:
        return Severity.LOW
    return Severity.INFO
