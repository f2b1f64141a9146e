"""Alerts + rules → findings: FAIL blocks, WARN and INFO report, IGNORE disappears."""

from __future__ import annotations

from postdeploy.config import ZAP_SCAN_CHECK
from postdeploy.findings import CheckOutcome, RollbackTrigger, Severity
from postdeploy.zap.alerts import ZapAlert
from postdeploy.zap.judge import judge
from postdeploy.zap.rules import parse_rules

RULES = parse_rules(
    "10010\tFAIL\t(Cookie No HttpOnly Flag)\tsession cookies\n"
    "10036\tWARN\t(Server version)\n"
    "10027\tINFO\t(Comments)\n"
    "10096\tIGNORE\t(Timestamp Disclosure)\tfalse positives\n"
    "*\tOUTOFSCOPE\thttp://t/vendor/.*\n"
)


def alert(plugin_id: str, url: str = "http://t/", risk: str = "Low", **extra: str) -> ZapAlert:
    return ZapAlert(plugin_id, f"rule {plugin_id}", risk, "Medium", url, **extra)


def test_fail_rule_is_a_blocking_security_finding_with_evidence() -> None:
    result = judge(
        [
            alert(
                "10010",
                "http://t/login",
                param="session",
                evidence="Set-Cookie: session",
                cwe_id="1004",
                solution="Set HttpOnly",
            ),
            alert("10010", "http://t/media"),
        ],
        RULES,
        stage="security",
    )
    (finding,) = result.findings
    assert finding.trigger is RollbackTrigger.SECURITY_VULNERABILITY
    assert finding.severity is Severity.HIGH  # a Low-risk alert still blocks: the rule says FAIL
    assert finding.origin == "zap:10010"
    for text in ("http://t/login", "session", "Set-Cookie: session", "CWE-1004", "Set HttpOnly"):
        assert text in finding.evidence
    assert "2 instance(s)" in finding.title
    outcomes = {check.check_id: check.outcome for check in result.checks}
    assert outcomes == {ZAP_SCAN_CHECK: CheckOutcome.FAILED, "zap:10010": CheckOutcome.FAILED}
    assert result.failed


def test_high_risk_fail_is_critical() -> None:
    (finding,) = judge([alert("10010", risk="High")], RULES, stage="security").findings
    assert finding.severity is Severity.CRITICAL


def test_warn_and_info_report_without_blocking_and_ignore_vanishes() -> None:
    result = judge(
        [alert("10036", risk="High"), alert("10027"), alert("10096"), alert("77777")],
        RULES,
        stage="security",
    )
    severities = {finding.origin: finding.severity for finding in result.findings}
    assert severities == {
        "zap:10036": Severity.LOW,
        "zap:10027": Severity.INFO,
        "zap:77777": Severity.LOW,  # not in the rules file: WARN
    }
    assert not result.failed
    assert result.metrics["zap_alerts_ignore"] == 1
    assert result.metrics["zap_alerts_total"] == 4


def test_out_of_scope_alerts_are_dropped_before_the_rules() -> None:
    result = judge([alert("10010", "http://t/vendor/lib.js")], RULES, stage="security")
    assert result.findings == ()
    assert not result.failed
    assert "1 out of scope" in result.checks[0].message


def test_no_alerts_is_a_passed_scan() -> None:
    result = judge([], RULES, stage="security")
    assert [check.outcome for check in result.checks] == [CheckOutcome.PASSED]
