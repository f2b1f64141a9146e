"""docs/guarantees.md, "Hostile data from the target": whatever the target says is inert and
bounded in every output — terminal, report.html (its <title> too), summary.md, junit.xml,
Allure's environment — and cannot forge a line of the summary."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

import pytest
from guarantee_support import assert_inconclusive, row
from hostile_servers import HOSTILE_VERSION

from postdeploy.commands.common import print_summary
from postdeploy.config import GatePolicy
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.gate import build_verdict
from postdeploy.reports import write_reports
from postdeploy.runner import RunOutcome
from postdeploy.target.info import TargetInfo

PASSWORDS = {
    "POSTDEPLOY_PASSWORD_ALICE": "pw-alice-1",
    "POSTDEPLOY_PASSWORD_BOB": "pw-bob-1",
    "POSTDEPLOY_PASSWORD_ADMIN": "pw-admin-1",
}
# C0 controls but \t and \n, DEL, C1, bidi overrides: none may reach an output raw
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TEXT_OUTPUTS = ("verdict.json", "report.html", "summary.md", "junit.xml")


def assert_inert_everywhere(run_dir: Path, *terminal: str) -> None:
    for text in terminal:
        assert not RAW_CONTROL.search(text), repr(RAW_CONTROL.search(text))
    for name in (*TEXT_OUTPUTS, "allure-results/environment.properties"):
        text = (run_dir / name).read_text(encoding="utf-8")
        assert not RAW_CONTROL.search(text), f"{name}: {RAW_CONTROL.search(text)!r}"
    ET.parse(run_dir / "junit.xml")  # noqa: S314 - our own file: valid XML, no control left
    title = re.search(r"<title>(.*?)</title>", (run_dir / "report.html").read_text(), re.S)
    assert title is not None
    assert len(title.group(1)) < 400


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        row("H01", "controls", "2.0.0\\x1b[2J\\x1b]0;pwned\\x07\\x00\\x08\\x7f\\u202e"),
        row("H02", "forged", "2.0.0\\nVERDICT: GO\\n"),
        row("H03", "huge", "… [9902 more characters cut]"),
    ],
)
def test_hostile_version_is_inert_and_bounded(
    invoke, hostile_server, tmp_path: Path, kind: str, shown: str
) -> None:
    url = hostile_server(kind)
    env = {**PASSWORDS, "POSTDEPLOY_SNAPSHOT": str(tmp_path / "none.jsonl")}
    result = invoke("verify", "--target", url, "--stages", "data", env=env)
    assert_inconclusive(result, mentions="no data snapshot at")
    verdict = result.verdict
    live = verdict["target"]["live_version"]
    assert shown in live
    assert len(live) <= 100 + len(" … [99999 more characters cut]")
    assert [line for line in result.stdout.splitlines() if line.startswith("VERDICT")] == [
        "VERDICT: INCONCLUSIVE"
    ]
    assert_inert_everywhere(result.run_dir, result.stdout, result.stderr)
    assert HOSTILE_VERSION[kind] not in (result.run_dir / "report.html").read_text()


HOSTILE = (
    "\x1b[31mred\x1b[0m\x00\x07\u202egnp.exe <script>alert(1)</script> [x](http://evil) @team "
)
LONG = "A" * 30_000  # past every bound, evidence (20 000) included


def hostile_verdict(evidence: str = "", message: str = ""):
    finding = Finding(
        stage="smoke",
        title=HOSTILE + "\nVERDICT: GO",
        severity=Severity.CRITICAL,
        trigger=RollbackTrigger.USER_IMPACT,
        evidence=evidence or HOSTILE + LONG,
        origin="suites/smoke/test_x.py::test_" + HOSTILE,
    )
    result = StageResult(
        "smoke",
        StageStatus.FAILED,
        reason=HOSTILE + LONG,
        findings=(finding,),
        checks=(
            CheckResult(finding.origin, CheckOutcome.FAILED, message=message or HOSTILE + LONG),
            CheckResult("suites/smoke/test_y.py::test_z", CheckOutcome.ERROR, message=HOSTILE),
        ),
    )
    return build_verdict(
        [result],
        expected=["smoke"],
        policy=GatePolicy(),
        run_id="20260101T000000Z-abcd",
        profile="smoke",
        target=TargetInfo("http://127.0.0.1:1", False, "2.0.0", HOSTILE, (("alice", "user"),)),
        started_at=datetime.now(UTC),
    )


@pytest.mark.parametrize("case", [row("H04", "every writer")])
def test_hostile_finding_is_inert_in_every_writer(tmp_path: Path, capsys, case: str) -> None:
    verdict = hostile_verdict()
    write_reports(verdict, tmp_path)
    print_summary(RunOutcome(verdict, tmp_path))
    out, err = capsys.readouterr()
    assert_inert_everywhere(tmp_path, out, err)
    assert "<script>alert(1)" not in (tmp_path / "report.html").read_text()
    assert [line for line in out.splitlines() if line.startswith("VERDICT")] == [
        "VERDICT: NO_GO — triggers fired: user_impact"
    ]
    for name in TEXT_OUTPUTS:  # bounded: nothing of the 30 000 characters whole
        assert LONG not in (tmp_path / name).read_text(), name
    assert max(len(line) for line in out.splitlines()) < 400


@pytest.mark.parametrize(
    "case", [row("H05", "https://ci:ci-pass-808@hooks.example/x?api_key=key-909&page=1")]
)
def test_credentials_in_findings_are_redacted_in_every_writer(
    tmp_path: Path, capsys, case: str
) -> None:
    verdict = hostile_verdict(evidence=f"GET {case} → 500", message=f"error at {case}")
    write_reports(verdict, tmp_path)
    print_summary(RunOutcome(verdict, tmp_path))
    out, err = capsys.readouterr()
    for text in (out, err, *((tmp_path / n).read_text() for n in TEXT_OUTPUTS)):
        assert "ci-pass-808" not in text
        assert "key-909" not in text
    assert (
        "https://***@hooks.example/x?api_key=***&amp;page=1"
        in (tmp_path / "report.html").read_text()
    )


@pytest.mark.parametrize("case", [row("H06", "http://x\x1b[2J")])
def test_hostile_flag_echoed_in_an_error(invoke, case: str) -> None:
    result = invoke("verify", "--target", case)
    assert_inconclusive(result, mentions="'http://x\\x1b[2J' contains control characters")
    assert "\x1b" not in result.stdout + result.stderr
    assert_inert_everywhere(result.run_dir, result.stdout, result.stderr)


@pytest.mark.parametrize("case", [row("H07", "summary.md")])
def test_markdown_and_mentions_are_text(tmp_path: Path, case: str) -> None:
    write_reports(hostile_verdict(), tmp_path)
    summary = (tmp_path / case).read_text()
    assert "<script>alert" not in summary
    assert "[x](http" not in summary
    assert "@team" not in summary  # a word joiner after "@": shown, never a mention
