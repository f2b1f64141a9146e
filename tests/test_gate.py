"""The gate as a table: stage results in, decision out. It fails closed."""

from __future__ import annotations

import pytest

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
from postdeploy.gate import Decision, evaluate

PASS = CheckResult("t::ok", CheckOutcome.PASSED)
FAIL = CheckResult("t::bad", CheckOutcome.FAILED)
SKIP = CheckResult("t::skip", CheckOutcome.SKIPPED, message="no expected version")
ERR = CheckResult("t::err", CheckOutcome.ERROR, message="setup failed")


def finding(severity: Severity, trigger: RollbackTrigger = RollbackTrigger.DATA_LOSS) -> Finding:
    return Finding("smoke", f"{severity} thing", severity, trigger, "evidence", "t::bad")


def stage(status: StageStatus, *checks: CheckResult, findings=()) -> StageResult:
    return StageResult("smoke", status, 1.0, "", tuple(findings), tuple(checks))


CRITICAL = finding(Severity.CRITICAL)
MEDIUM = finding(Severity.MEDIUM, RollbackTrigger.USER_IMPACT)

TABLE = [
    ("all passed", [stage(StageStatus.PASSED, PASS)], Decision.GO),
    (
        "blocking finding",
        [stage(StageStatus.FAILED, PASS, FAIL, findings=[CRITICAL])],
        Decision.NO_GO,
    ),
    (
        "finding below the threshold",
        [stage(StageStatus.FAILED, PASS, FAIL, findings=[MEDIUM])],
        Decision.GO,
    ),
    ("stage errored", [stage(StageStatus.ERROR)], Decision.INCONCLUSIVE),
    ("stage missing", [], Decision.INCONCLUSIVE),
    ("every check skipped", [stage(StageStatus.SKIPPED, SKIP)], Decision.INCONCLUSIVE),
    ("passed with no checks at all", [stage(StageStatus.PASSED)], Decision.INCONCLUSIVE),
    ("a check could not run", [stage(StageStatus.ERROR, PASS, ERR)], Decision.INCONCLUSIVE),
    ("failed without findings", [stage(StageStatus.FAILED, FAIL)], Decision.INCONCLUSIVE),
    (
        "NO_GO dominates INCONCLUSIVE",
        [stage(StageStatus.FAILED, FAIL, ERR, findings=[CRITICAL])],
        Decision.NO_GO,
    ),
    (
        "one skipped check is listed, not fatal",
        [stage(StageStatus.PASSED, PASS, SKIP)],
        Decision.GO,
    ),
]


@pytest.mark.parametrize(
    ("results", "decision"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_decision(results, decision) -> None:
    assert evaluate(results, expected=["smoke"], policy=GatePolicy()).decision is decision


def test_reasons_are_ordered_by_severity_and_triggers_deduplicated() -> None:
    low = finding(Severity.LOW, RollbackTrigger.USER_IMPACT)
    high = finding(Severity.HIGH, RollbackTrigger.CRITICAL_ERROR)
    result = stage(StageStatus.FAILED, FAIL, findings=[low, CRITICAL, high, CRITICAL])
    evaluation = evaluate([result], expected=["smoke"], policy=GatePolicy())
    assert [f.severity for f in evaluation.reasons] == [
        Severity.CRITICAL,
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.LOW,
    ]
    assert evaluation.triggers_fired == (RollbackTrigger.DATA_LOSS, RollbackTrigger.CRITICAL_ERROR)


def test_policy_threshold_is_honoured() -> None:
    result = stage(StageStatus.FAILED, FAIL, findings=[MEDIUM])
    strict = GatePolicy(block_severity=Severity.MEDIUM)
    assert evaluate([result], expected=["smoke"], policy=strict).decision is Decision.NO_GO


def test_not_checked_says_what_and_why() -> None:
    result = stage(StageStatus.PASSED, PASS, SKIP)
    evaluation = evaluate([result], expected=["smoke", "load"], policy=GatePolicy())
    assert [(n.stage, n.check, n.why) for n in evaluation.not_checked] == [
        ("smoke", "t::skip", "no expected version"),
        ("load", None, "stage did not run"),
    ]
    assert evaluation.decision is Decision.INCONCLUSIVE


def test_a_flaky_check_counts_as_checked_and_never_blocks() -> None:
    from postdeploy.findings import CheckOutcome, CheckResult, StageResult, StageStatus

    flaky = StageResult(
        "e2e", StageStatus.PASSED, checks=(CheckResult("e2e::t", CheckOutcome.FLAKY),)
    )
    evaluation = evaluate([flaky], expected=["e2e"], policy=GatePolicy())
    assert evaluation.decision is Decision.GO
    assert evaluation.not_checked == ()


def test_the_verdict_says_why_a_failed_stage_does_not_block() -> None:
    from datetime import UTC, datetime

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
    from postdeploy.target.info import TargetInfo

    medium = Finding(
        "e2e", "console", Severity.MEDIUM, RollbackTrigger.USER_IMPACT, origin="e2e::c"
    )
    accepted = Finding("zap", "header", Severity.HIGH, RollbackTrigger.SECURITY_VULNERABILITY,
                       origin="zap:10038")  # fmt: skip
    stages = [
        StageResult("e2e", StageStatus.FAILED, findings=(medium,),
                    checks=(CheckResult("e2e::c", CheckOutcome.FAILED),)),
        StageResult("zap", StageStatus.FAILED, findings=(accepted,),
                    checks=(CheckResult("zap:10038", CheckOutcome.FAILED),)),
    ]  # fmt: skip
    verdict = build_verdict(
        stages, expected=["e2e", "zap"], policy=GatePolicy(accept_risks=("zap:10038",)),
        run_id="r", profile="full", target=TargetInfo("http://x", True, None, None, ()),
        started_at=datetime.now(UTC), requested_stages=("e2e", "zap"),
    )  # fmt: skip
    assert verdict.decision is Decision.GO
    assert verdict.stage_note(stages[0]) == (
        "does not block: medium findings do not block; the gate blocks at high and above"
    )
    assert "accepted risk" in verdict.stage_note(stages[1])
    assert verdict.requested_stages == ("e2e", "zap")
