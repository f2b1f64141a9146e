"""Real Wapiti scans of a real unimedia: the clean service passes the full scan, and each
fault only a scanner finds is found, with its evidence, and turns the verdict NO_GO.

Wapiti is slow (a full scan sends a few thousand requests): one full scan of the clean
service carries every assertion about a clean scan, and one scan of a service with the
three faults on, narrowed to the three modules that find them (xss, sql, redirect — the
same modules the full scan runs, so it proves the same thing), carries the faults'.
Wapiti comes from ``make wapiti`` (tools/wapiti/); without it these tests are skipped,
with that reason.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from postdeploy.config import (
    DEFAULT_ACCOUNTS,
    WAPITI_SCAN_CHECK,
    Account,
    GatePolicy,
    ScanSettings,
    Secret,
    TargetSettings,
)
from postdeploy.findings import CheckOutcome, StageStatus
from postdeploy.gate import evaluate
from postdeploy.scan.install import find_wapiti
from postdeploy.scan.report import parse_report
from postdeploy.stages.base import StageContext
from postdeploy.stages.scanner import ScanPart
from postdeploy.stages.wapiti import WAPITI_RULES_FILE
from postdeploy.zap.rules import load_rules

WAPITI = find_wapiti()
pytestmark = pytest.mark.skipif(WAPITI is None, reason="Wapiti is not installed: make wapiti")

SCANNER_FAULTS = "ui_filter_xss,legacy_sort_injection,login_open_redirect"
#: A generous budget: these tests are about what a scan finds, not how long it may take (the
#: bounds have their own test) — a CI machine shared with other work must not cut them.
BUDGET = 900.0
#: fault → (Wapiti's finding name, the attacked parameter, a path it was found at)
EXPECTED = {
    "ui_filter_xss": ("Reflected Cross Site Scripting", "kind", "/"),
    "legacy_sort_injection": ("SQL Injection", "sort", "/api/v1/documents"),
    "login_open_redirect": ("Open Redirect", "next", "/login"),
}


def context_for(server, run_dir: Path, **scan: object) -> StageContext:
    accounts = tuple(
        Account(a.username, a.role, Secret(server.passwords[a.username])) for a in DEFAULT_ACCOUNTS
    )
    target = TargetSettings(url=server.url, accounts=accounts)
    return StageContext(target, "run-test", run_dir, scan=ScanSettings(**scan))  # type: ignore[arg-type]


def test_faults_only_a_scanner_finds_are_found_with_evidence_and_block(
    start_unimedia, tmp_path: Path
) -> None:
    server = start_unimedia(SCANNER_FAULTS)
    result = ScanPart().run(
        context_for(server, tmp_path, modules=("xss", "sql", "redirect"), max_scan_time_s=BUDGET)
    )
    assert result.status is StageStatus.FAILED, result.reason
    found = {finding.origin: finding for finding in result.findings}
    for fault, (name, parameter, path) in EXPECTED.items():
        finding = found.get(f"wapiti:{name}")
        assert finding is not None, f"{fault}: Wapiti did not report {name}: {sorted(found)}"
        assert finding.trigger.value == "security_vulnerability"
        assert finding.severity.value in ("high", "critical")
        assert f"parameter: {parameter}" in finding.evidence, finding.evidence
        assert f"GET {server.url}{path}" in finding.evidence, finding.evidence
        assert "payload: " in finding.evidence
        assert "request: GET " in finding.evidence
        # each fault alone blocks the release: the gate's NO_GO, for a security vulnerability
        alone = result.__class__(
            result.name, StageStatus.FAILED, findings=(finding,), checks=result.checks
        )
        evaluation = evaluate([alone], expected=["security"], policy=GatePolicy())
        assert evaluation.decision.value == "NO_GO", fault
        assert [t.value for t in evaluation.triggers_fired] == ["security_vulnerability"]
    report = parse_report((tmp_path / "stages/security/wapiti-report.json").read_text())
    names = {alert.name for alert in report.alerts}
    assert {name for name, _p, _path in EXPECTED.values()} <= names


def test_the_clean_service_passes_the_full_scan(start_unimedia, tmp_path: Path) -> None:
    server = start_unimedia("")
    result = ScanPart().run(context_for(server, tmp_path, max_scan_time_s=BUDGET))
    checks = {check.check_id: check for check in result.checks}
    assert result.status is StageStatus.PASSED, (result.reason, checks)
    assert checks[WAPITI_SCAN_CHECK].outcome is CheckOutcome.PASSED
    assert not [f for f in result.findings if f.severity.value in ("high", "critical")]
    evaluation = evaluate([result], expected=["security"], policy=GatePolicy())
    assert evaluation.decision.value == "GO"

    directory = tmp_path / "stages/security"
    notes = (directory / "wapiti-notes.txt").read_text()
    assert "full scan: a loopback target" in notes
    assert "logged in as alice" in notes
    for module in ("exec", "file", "sql", "xss", "redirect", "crlf", "permanentxss"):
        assert module in notes.split("(ran: ", 1)[1].split(")", 1)[0], f"{module} did not run"
    assert "incomplete" not in notes
    # crawled logged in: the media page's filter, the API's listings
    log = (directory / "wapiti.log").read_text()
    assert f"GET {server.url}/?kind=" in log
    assert f"GET {server.url}/api/v1/documents?offset=" in log
    # never the endpoints that write, delete, log in or out
    for forbidden in ("DELETE ", "POST " + server.url + "/login", "/logout", "/upload"):
        assert f"[+] {forbidden}" not in log, forbidden
    api = json.loads((directory / "wapiti-openapi.json").read_text())
    methods = {
        method for item in api["paths"].values() for method in item if method != "parameters"
    }
    assert methods == {"get"}
    assert not any(path.startswith("/api/v2/auth") for path in api["paths"])

    # every finding name Wapiti reported is one the rules file decides (none falls to default)
    rules = load_rules(WAPITI_RULES_FILE, scanner="Wapiti")
    report_text = (directory / "wapiti-report.json").read_text()
    assert set(json.loads(report_text)["classifications"]) <= set(rules.rules)
    # what was kept holds no secret: passwords, the session's token and cookie are masked
    secrets = list(server.passwords.values())
    for path in directory.iterdir():
        text = path.read_text(errors="replace")
        assert not [s for s in secrets if s in text], path
        assert "Bearer ey" not in text, path
        assert "unimedia_session=ey" not in text, path


def test_a_scan_cut_at_its_bounds_is_an_error_never_a_pass(start_unimedia, tmp_path: Path) -> None:
    server = start_unimedia("")
    result = ScanPart().run(context_for(server, tmp_path, modules=("exec",), max_scan_time_s=4.0))
    checks = {check.check_id: check for check in result.checks}
    assert result.status is StageStatus.ERROR, result
    assert checks[WAPITI_SCAN_CHECK].outcome is CheckOutcome.ERROR
    # cut by Wapiti at a bound it was given ("module exec stopped at its bound"), or — on a
    # machine so busy that Wapiti's start-up outlives the budget — stopped by postdeploy
    assert "did not finish" in checks[WAPITI_SCAN_CHECK].message
    evaluation = evaluate([result], expected=["security"], policy=GatePolicy())
    assert evaluation.decision.value == "INCONCLUSIVE"


def test_every_finding_wapiti_can_report_is_in_the_rules_file() -> None:
    """Asked of the installed Wapiti itself: a name missing here would fall to WARN."""
    assert WAPITI is not None
    python = WAPITI.parent / "python"
    listing = subprocess.run(
        [str(python), "-c", _LIST_FINDINGS],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split("\n")
    names = {line for line in listing if line}
    assert len(names) > 30, names
    rules = load_rules(WAPITI_RULES_FILE, scanner="Wapiti")
    assert names - set(rules.rules) == set()


_LIST_FINDINGS = """
import importlib, inspect, pkgutil
import wapitiCore.definitions as package
from wapitiCore.definitions.base import FindingBase
for info in pkgutil.iter_modules(package.__path__):
    module = importlib.import_module(package.__name__ + "." + info.name)
    for _name, value in inspect.getmembers(module, inspect.isclass):
        if issubclass(value, FindingBase) and value is not FindingBase:
            print(value.name())
"""
