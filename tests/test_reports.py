"""Reports render the verdict faithfully, validate against the schema, escape, keep secrets."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.gate import Decision, NotChecked, Verdict
from postdeploy.reports import write_reports
from postdeploy.reports.html import render_html
from postdeploy.reports.verdict_json import SCHEMA_PATH
from postdeploy.target import TargetInfo

SCHEMA = json.loads(SCHEMA_PATH.read_text())
HOSTILE = '<script>alert("x")</script>'


def make_verdict(decision: Decision) -> Verdict:
    finding = Finding(
        "smoke", f"Download differs {HOSTILE}", Severity.CRITICAL, RollbackTrigger.DATA_LOSS,
        f"GET /x → 200\n    {HOSTILE}", "suites/smoke/test_m.py::test_download",
    )  # fmt: skip
    stage = StageResult(
        "smoke",
        StageStatus.FAILED if decision is Decision.NO_GO else StageStatus.PASSED,
        1.5,
        "",
        (finding,) if decision is Decision.NO_GO else (),
        (
            CheckResult("suites/smoke/test_m.py::test_download", CheckOutcome.FAILED, 0.2, "x"),
            CheckResult("suites/smoke/test_m.py::test_health", CheckOutcome.PASSED, 0.1),
            CheckResult("suites/smoke/test_m.py::test_version", CheckOutcome.SKIPPED, 0, "n/a"),
        ),
    )
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    return Verdict(
        run_id="20261124T120000Z-abcd",
        decision=decision,
        profile="smoke",
        target=TargetInfo("http://127.0.0.1:1", True, "2.0.0", "2.0.0", (("alice", "user"),)),
        stages=(stage,),
        reasons=stage.findings,
        triggers_fired=(RollbackTrigger.DATA_LOSS,) if decision is Decision.NO_GO else (),
        not_checked=(NotChecked("smoke", "suites/smoke/test_m.py::test_version", "n/a"),),
        started_at=now,
        finished_at=now,
        error="target unreachable" if decision is Decision.INCONCLUSIVE else None,
    )


@pytest.mark.parametrize("decision", list(Decision))
def test_reports_for_every_decision(tmp_path: Path, decision: Decision) -> None:
    paths = write_reports(make_verdict(decision), tmp_path)
    assert [p.name for p in paths] == ["verdict.json", "junit.xml", "report.html"]
    document = json.loads((tmp_path / "verdict.json").read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["decision"] == decision.value
    suites = ET.parse(tmp_path / "junit.xml").getroot()  # noqa: S314 - our own output
    suite = suites.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("3", "1", "1")
    html = (tmp_path / "report.html").read_text()
    assert decision.value.replace("_", "-") in html


def test_html_escapes_everything_from_the_target() -> None:
    html = render_html(make_verdict(Decision.NO_GO))
    assert HOSTILE not in html
    assert "&lt;script&gt;" in html
    assert "http://" not in html.replace("http://127.0.0.1:1", ""), "no external resources"


def test_schema_rejects_a_verdict_missing_a_stable_key(tmp_path: Path) -> None:
    write_reports(make_verdict(Decision.GO), tmp_path)
    document = json.loads((tmp_path / "verdict.json").read_text())
    del document["not_checked"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, SCHEMA)


def test_real_run_reports_validate_and_hold_no_secrets(run_cli, start_unimedia) -> None:
    server = start_unimedia("corrupt_upload")
    result = run_cli("verify", env=server.env())
    assert result.exit_code == 1, result.stdout + result.stderr
    jsonschema.validate(result.verdict, SCHEMA)
    run_dir = (result.report_dir / "latest").resolve()
    assert (run_dir / "allure-results").is_dir()
    assert list((run_dir / "allure-results").glob("*-result.json"))
    everything = result.stdout + result.stderr
    for path in run_dir.rglob("*"):
        if path.is_file():
            everything += path.read_text(errors="replace")
    for password in server.passwords.values():
        assert password not in everything
