"""The ZAP part of the security stage, and what the gate makes of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from postdeploy.config import (
    ZAP_SCAN_CHECK,
    GatePolicy,
    Secret,
    TargetSettings,
    ZapSettings,
    load_config,
)
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.gate import Decision, evaluate
from postdeploy.stages.base import StageContext
from postdeploy.stages.security import merge_results
from postdeploy.stages.zap import NO_ZAP_REASON, ZapStage
from postdeploy.testing.zap_standin import StandinBehaviour, ZapStandin, alert

KEY = "stage-key"
FAST = ZapSettings(poll_interval_s=0.001, timeout_s=30.0, call_timeout_s=10.0)


@pytest.fixture
def standin() -> Iterator[ZapStandin]:
    with ZapStandin(StandinBehaviour(api_key=KEY)) as zap:
        yield zap


def context(tmp_path: Path, zap_url: str | None, zap: ZapSettings = FAST) -> StageContext:
    target = TargetSettings(url="http://127.0.0.1:8765", zap_url=zap_url, zap_api_key=Secret(KEY))
    return StageContext(target, "run-1", tmp_path, zap=zap)


def test_without_zap_the_scan_is_skipped_with_its_reason(tmp_path: Path) -> None:
    result = ZapStage().run(context(tmp_path, None))
    assert result.status is StageStatus.SKIPPED
    assert result.reason == NO_ZAP_REASON
    assert result.checks == (CheckResult(ZAP_SCAN_CHECK, CheckOutcome.SKIPPED, 0.0, NO_ZAP_REASON),)


def test_fail_rule_alert_fails_the_stage_and_keeps_zap_reports(
    tmp_path: Path, standin: ZapStandin
) -> None:
    standin.behaviour.alerts = [
        alert("10010", "Cookie No HttpOnly Flag", url="/login", param="session"),
        alert("10096", "Timestamp Disclosure", url="/api/v2/media"),
    ]
    result = ZapStage().run(context(tmp_path, standin.url))
    assert result.status is StageStatus.FAILED
    (finding,) = result.findings  # the IGNORE-rule alert is not in the result at all
    assert finding.trigger is RollbackTrigger.SECURITY_VULNERABILITY
    assert finding.origin == "zap:10010"
    assert "http://127.0.0.1:8765/login" in finding.evidence
    assert {Path(a).name for a in result.artifacts} == {
        "zap-report.json",
        "zap-report.html",
        "zap-notes.txt",
    }
    report = json.loads((tmp_path / "stages/security/zap-report.json").read_text())
    assert report["@programName"] == "ZAP"
    assert result.metrics["zap_alerts_ignore"] == 1


def test_unreachable_zap_is_an_error_never_a_pass(tmp_path: Path) -> None:
    result = ZapStage().run(context(tmp_path, "http://127.0.0.1:9"))
    assert result.status is StageStatus.ERROR
    assert "not reachable" in result.reason
    assert result.checks[0].outcome is CheckOutcome.ERROR


def test_a_broken_rules_file_is_an_error(tmp_path: Path, standin: ZapStandin) -> None:
    rules = tmp_path / "rules.tsv"
    rules.write_text("10010\tBLOCK\t(x)\n")
    settings = ZapSettings(poll_interval_s=0.001, rules_file=rules)
    result = ZapStage().run(context(tmp_path, standin.url, settings))
    assert result.status is StageStatus.ERROR
    assert "rules.tsv:1" in result.reason


# --- the gate's policy: a skipped scan, accepted risks -------------------------------------

PASSED = CheckResult("security/test_x.py::test_ok", CheckOutcome.PASSED)
SKIPPED_SCAN = CheckResult(ZAP_SCAN_CHECK, CheckOutcome.SKIPPED, message=NO_ZAP_REASON)


def security(*checks: CheckResult, findings: tuple[Finding, ...] = ()) -> StageResult:
    status = StageStatus.FAILED if findings else StageStatus.PASSED
    return StageResult("security", status, 1.0, "", findings, checks)


def test_a_skipped_scan_is_listed_and_inconclusive_only_when_required() -> None:
    results = [security(PASSED, SKIPPED_SCAN)]
    relaxed = evaluate(results, expected=["security"], policy=GatePolicy())
    strict = evaluate(
        results, expected=["security"], policy=GatePolicy(required_checks=(ZAP_SCAN_CHECK,))
    )
    assert relaxed.decision is Decision.GO
    assert [item.why for item in relaxed.not_checked] == [NO_ZAP_REASON]
    assert strict.decision is Decision.INCONCLUSIVE
    assert strict.not_checked[0].why.startswith("required by the gate policy, but skipped")


def test_accepted_risks_are_reported_but_do_not_block() -> None:
    header = Finding(
        "security",
        "Security headers on HTML",
        Severity.HIGH,
        RollbackTrigger.SECURITY_VULNERABILITY,
        "no CSP",
        "security/test_transport.py::test_security_headers_on_html_and_api",
    )
    failed = CheckResult(header.origin, CheckOutcome.FAILED)
    results = [security(PASSED, failed, findings=(header,))]
    blocked = evaluate(results, expected=["security"], policy=GatePolicy())
    accepted = evaluate(
        results,
        expected=["security"],
        policy=GatePolicy(accept_risks=("security/test_transport.py::test_security_headers*",)),
    )
    assert blocked.decision is Decision.NO_GO
    assert accepted.decision is Decision.GO
    assert accepted.reasons == (header,)  # still in the report


@pytest.mark.parametrize(
    ("env", "required"),
    [
        ({}, False),  # embedded: no ZAP to scan with
        ({"POSTDEPLOY_TARGET": "https://media.example.com"}, True),  # a real target: required
        ({"POSTDEPLOY_TARGET": "https://m.example.com", "POSTDEPLOY_REQUIRE_ZAP_SCAN": "0"}, False),
        ({"POSTDEPLOY_REQUIRE_ZAP_SCAN": "true"}, True),
    ],
)
def test_require_zap_scan_defaults_by_target(
    tmp_path: Path, env: dict[str, str], required: bool
) -> None:
    config = load_config(environ=env, cwd=tmp_path)
    assert (ZAP_SCAN_CHECK in config.gate.required_checks) is required


def test_zap_and_policy_settings_from_file_and_environment(tmp_path: Path) -> None:
    (tmp_path / "rules.tsv").write_text("10010\tFAIL\t(x)\n")
    (tmp_path / "postdeploy.toml").write_text(
        '[target]\nzap_url = "http://127.0.0.1:8090"\n'
        '[zap]\napi_key_env = "MY_ZAP_KEY"\nrules_file = "rules.tsv"\ntimeout_s = 60\n'
        '[gate]\naccept_risks = ["zap:10020"]\nrequire_zap_scan = false\n'
    )
    config = load_config(
        environ={"MY_ZAP_KEY": "zap-key-4f1c", "POSTDEPLOY_ZAP_ACTIVE_SCAN": "1"}, cwd=tmp_path
    )
    assert config.target.zap_url == "http://127.0.0.1:8090"
    assert config.target.zap_api_key == Secret("zap-key-4f1c")
    assert "zap-key-4f1c" not in repr(config)
    assert config.zap.rules_file == tmp_path / "rules.tsv"
    assert config.zap.timeout_s == 60
    assert config.zap.active_scan is True
    assert config.gate.accept_risks == ("zap:10020",)
    assert config.gate.required_checks == ()


def test_active_scan_is_off_unless_asked(tmp_path: Path) -> None:
    assert load_config(environ={}, cwd=tmp_path).zap.active_scan is False


def test_merged_result_keeps_both_parts() -> None:
    checks = StageResult("security", StageStatus.PASSED, 2.0, "", (), (PASSED,))
    scan = StageResult("security", StageStatus.SKIPPED, 0.0, NO_ZAP_REASON, (), (SKIPPED_SCAN,))
    merged = merge_results("security", [checks, scan])
    assert merged.status is StageStatus.PASSED
    assert merged.checks == (PASSED, SKIPPED_SCAN)
    assert merged.reason == f"ZAP: {NO_ZAP_REASON}"
    errored = StageResult("security", StageStatus.ERROR, 0.0, "ZAP down", (), ())
    assert merge_results("security", [checks, errored]).status is StageStatus.ERROR
