"""Wapiti's JSON report → alerts, and the alerts + rules file → findings (pure, tables)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from postdeploy.config import WAPITI_SCAN_CHECK
from postdeploy.errors import ScannerError
from postdeploy.findings import CheckOutcome, RollbackTrigger, Severity
from postdeploy.scan.judge import judge_wapiti
from postdeploy.scan.report import parse_report, payload_of
from postdeploy.stages.wapiti import WAPITI_RULES_FILE
from postdeploy.zap.rules import load_rules, parse_rules

XSS_REQUEST = (
    "GET /?kind=%3CScRiPt%3Ealert%28%27x%27%29%3C%2FsCrIpT%3E HTTP/1.1\n"
    "host: 127.0.0.1:8000\nauthorization: Bearer ********"
)


def report(**sections: dict) -> str:
    """A report in Wapiti 3.2's shape (sections of findings by name, classifications)."""
    document = {
        "classifications": {
            "Reflected Cross Site Scripting": {
                "desc": "…",
                "sol": "Escape what you echo.",
                "ref": {"CWE-79: Improper Neutralization of Input": "https://cwe.mitre.org/79"},
            }
        },
        "vulnerabilities": sections.get("vulnerabilities", {}),
        "anomalies": sections.get("anomalies", {}),
        "additionals": sections.get("additionals", {}),
        "infos": {
            "target": "http://127.0.0.1:8000/",
            "version": "Wapiti 3.2.3",
            "crawled_pages_nbr": 20,
        },
    }
    return json.dumps(document)


def entry(path: str, *, parameter: str = "", level: int = 2, request: str = "", **extra) -> dict:
    return {
        "method": "GET",
        "path": path,
        "info": extra.get("info", "found"),
        "level": level,
        "parameter": parameter,
        "module": extra.get("module", "xss"),
        "http_request": request or f"GET {path} HTTP/1.1",
        "curl_command": "curl …",
        "wstg": ["WSTG-INPV-01"],
    }


def test_an_alert_carries_request_parameter_payload_cwe_and_solution() -> None:
    parsed = parse_report(
        report(
            vulnerabilities={
                "Reflected Cross Site Scripting": [
                    entry("/", parameter="kind", request=XSS_REQUEST)
                ]
            }
        )
    )
    assert (parsed.version, parsed.crawled) == ("Wapiti 3.2.3", 20)
    (alert,) = parsed.alerts
    assert alert.url == "http://127.0.0.1:8000/"
    assert alert.parameter == "kind"
    assert alert.payload == "<ScRiPt>alert('x')</sCrIpT>"
    assert alert.cwe_id == "79"
    assert alert.solution == "Escape what you echo."
    assert alert.risk == "medium"
    text = alert.describe()
    assert "parameter: kind" in text
    assert "payload: <ScRiPt>alert('x')</sCrIpT>" in text
    assert "request: GET /?kind=" in text


@pytest.mark.parametrize(
    ("request_text", "parameter", "payload"),
    [
        ("GET /a?x=1&sort=0%C2%BF%27 HTTP/1.1\nhost: h", "sort", "0¿'"),
        ("POST /f HTTP/1.1\nhost: h\n\nname=%3Cb%3E&other=1", "name", "<b>"),
        ("GET /a HTTP/1.1", "sort", ""),
        ("", "x", ""),
    ],
)
def test_payload_is_the_attacked_parameters_value(
    request_text: str, parameter: str, payload: str
) -> None:
    assert payload_of(request_text, parameter) == payload


@pytest.mark.parametrize("text", ["not json", "[]", '{"vulnerabilities": []}'])
def test_a_report_that_is_not_wapitis_is_an_error(text: str) -> None:
    with pytest.raises(ScannerError):
        parse_report(text)


RULES = parse_rules(
    "SQL Injection\tFAIL\t(sql)\tthe database runs it\n"
    "Open Redirect\tFAIL\t(redirect)\n"
    "Internal Server Error\tWARN\t(several)\n"
    "Fingerprint web server\tINFO\t(wapp)\n"
    "HTTP Methods\tIGNORE\t(methods)\tnot news\n"
    "Secure Flag cookie\tFAIL\t(cookieflags)\n"
    "Secure Flag cookie\tOUTOFSCOPE\t^http://\n",
    source="rules.tsv",
)


@pytest.mark.parametrize(
    ("name", "level", "severity", "outcome"),
    [
        ("SQL Injection", 4, Severity.CRITICAL, CheckOutcome.FAILED),
        ("SQL Injection", 3, Severity.CRITICAL, CheckOutcome.FAILED),
        ("Open Redirect", 1, Severity.HIGH, CheckOutcome.FAILED),
        ("Internal Server Error", 3, Severity.LOW, CheckOutcome.PASSED),
        ("Fingerprint web server", 0, Severity.INFO, CheckOutcome.PASSED),
        ("A finding nobody listed", 2, Severity.LOW, CheckOutcome.PASSED),  # default WARN
    ],
)
def test_rules_decide_severity_and_outcome(
    name: str, level: int, severity: Severity, outcome: CheckOutcome
) -> None:
    parsed = parse_report(report(vulnerabilities={name: [entry("/x", level=level)]}))
    verdict = judge_wapiti(parsed.alerts, RULES, stage="security")
    (finding,) = verdict.findings
    assert finding.severity is severity
    assert finding.trigger is RollbackTrigger.SECURITY_VULNERABILITY
    assert finding.origin == f"wapiti:{name}"
    summary, check = verdict.checks
    assert summary.check_id == WAPITI_SCAN_CHECK
    assert check.check_id == f"wapiti:{name}"
    assert check.outcome is outcome
    assert summary.outcome is outcome


def test_ignored_and_out_of_scope_findings_stay_out_of_the_verdict() -> None:
    parsed = parse_report(
        report(
            vulnerabilities={"Secure Flag cookie": [entry("/", module="cookieflags")]},
            additionals={"HTTP Methods": [entry("/", level=0)]},
        )
    )
    verdict = judge_wapiti(parsed.alerts, RULES, stage="security")
    assert verdict.findings == ()
    (summary,) = verdict.checks
    assert summary.outcome is CheckOutcome.PASSED
    assert "1 IGNORE, 1 out of scope" in summary.message
    # the same cookie finding on HTTPS blocks
    https = parse_report(
        report(vulnerabilities={"Secure Flag cookie": [entry("/", module="cookieflags")]}).replace(
            "http://127.0.0.1:8000/", "https://media.example.com/"
        )
    )
    assert judge_wapiti(https.alerts, RULES, stage="security").failed


def test_one_finding_per_name_with_the_instances_as_evidence() -> None:
    instances = [entry(f"/api/v1/documents?n={n}", parameter="sort") for n in range(7)]
    parsed = parse_report(report(vulnerabilities={"SQL Injection": instances}))
    verdict = judge_wapiti(parsed.alerts, RULES, stage="security")
    (finding,) = verdict.findings
    assert "7 instance(s)" in finding.title
    assert finding.evidence.count("parameter: sort") == 5
    assert "… and 2 more in Wapiti's report" in finding.evidence
    assert "rules file: FAIL — the database runs it" in finding.evidence
    assert verdict.metrics["wapiti_findings_fail"] == 7


def test_the_shipped_rules_file_blocks_the_injections_and_parses() -> None:
    rules = load_rules(WAPITI_RULES_FILE, scanner="Wapiti")
    for name in (
        "SQL Injection",
        "Reflected Cross Site Scripting",
        "Open Redirect",
        "Command execution",
        "Path Traversal",
    ):
        assert rules.rules[name].level.value == "FAIL", name
        assert rules.rules[name].reason, f"{name}: say why it blocks"


def test_a_missing_rules_file_names_the_scanner(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="cannot read the Wapiti rules file"):
        load_rules(tmp_path / "nope.tsv", scanner="Wapiti")
