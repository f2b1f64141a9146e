"""Wapiti's alerts + its rules file → findings, checks and metrics. Pure: tested with tables.

The same decisions as ZAP's judge (:mod:`postdeploy.zap.judge`), keyed by Wapiti's finding
names: one finding and one check per name that fired; FAIL blocks the release (HIGH,
CRITICAL when Wapiti rates it high or critical), WARN is LOW and INFO is INFO, IGNORE
stays out of the verdict. The summary check is ``wapiti:scan``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from postdeploy.config import WAPITI_SCAN_CHECK
from postdeploy.findings import Finding, RollbackTrigger
from postdeploy.scan.report import LEVELS, WapitiAlert
from postdeploy.zap.judge import Judgement, RuledGroup, Scanner, judge_by_rules, severity_for
from postdeploy.zap.rules import Rule, RuleSet

__all__ = ["EVIDENCE_INSTANCES", "judge_wapiti"]

WAPITI = Scanner("wapiti", WAPITI_SCAN_CHECK, "finding", "wapiti_findings")

EVIDENCE_INSTANCES = 5  # per finding; the full list is in Wapiti's report artifact


def judge_wapiti(alerts: Sequence[WapitiAlert], rules: RuleSet, *, stage: str) -> Judgement:
    """Apply the rules file to Wapiti's alerts."""
    in_scope = [a for a in alerts if rules.in_scope_for((a.name,), a.url)]
    groups: dict[str, list[WapitiAlert]] = {}
    for alert in in_scope:
        groups.setdefault(alert.name, []).append(alert)
    ruled = [
        RuledGroup(
            name, name, rule, len(group), functools.partial(_finding, stage, name, group, rule)
        )
        for name, group in groups.items()
        for rule in (rules.rule_for_key(name, name),)
    ]
    return judge_by_rules(
        ruled, WAPITI, total=len(alerts), in_scope=len(in_scope), source=rules.source
    )


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
        severity=severity_for(rule.level, rated_high=worst >= 3),
        trigger=RollbackTrigger.SECURITY_VULNERABILITY,
        evidence="\n".join(lines),
        origin=f"wapiti:{name}",
    )
