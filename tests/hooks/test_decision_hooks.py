"""The decision hook runs the right command with the verdict in its environment, keeps its
output in the run, and reports a failure without touching the decision."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from postdeploy.hooks import run_decision_hook

COMMANDS = {
    "on-go": "echo go",
    "on-no-go": 'printf "%s|%s|%s|%s" "$POSTDEPLOY_DECISION" "$POSTDEPLOY_TRIGGERS" '
    '"$POSTDEPLOY_VERDICT" "$POSTDEPLOY_HOOK"',
    "on-inconclusive": "echo unsure >&2; exit 4",
}


def _verdict(tmp_path: Path, decision: str, triggers: list[str]) -> Path:
    path = tmp_path / "run" / "verdict.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"run_id": "r1", "decision": decision,
                                "triggers_fired": triggers}))  # fmt: skip
    return path


def test_the_decisions_hook_runs_with_the_verdict(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "NO_GO", ["data_loss", "critical_error"])
    outcome = run_decision_hook(COMMANDS, verdict, base_env=os.environ)
    assert outcome is not None
    assert outcome.ok
    assert outcome.hook == "on-no-go"
    said = (verdict.parent / "hooks" / "on-no-go.log").read_text()
    assert said == f"NO_GO|data_loss,critical_error|{verdict.resolve()}|on-no-go"
    record = json.loads((verdict.parent / "hooks" / "on-no-go.json").read_text())
    assert record["exit_code"] == 0
    assert record["ok"] is True


def test_a_failing_hook_is_reported(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "INCONCLUSIVE", [])
    outcome = run_decision_hook(COMMANDS, verdict, base_env=os.environ)
    assert outcome is not None
    assert not outcome.ok
    assert outcome.exit_code == 4
    assert "FAILED (exit 4)" in outcome.describe()
    assert "the decision stands" in outcome.describe()
    assert (verdict.parent / "hooks" / "on-inconclusive.log").read_text() == "unsure\n"
    assert json.loads(verdict.read_text())["decision"] == "INCONCLUSIVE"  # untouched


def test_a_hanging_hook_is_killed(tmp_path: Path) -> None:
    verdict = _verdict(tmp_path, "GO", [])
    outcome = run_decision_hook({"on-go": "sleep 60"}, verdict, base_env=os.environ,
                                timeout_s=0.5)  # fmt: skip
    assert outcome is not None
    assert outcome.exit_code is None
    assert "timed out" in outcome.error


@pytest.mark.parametrize("decision", ["GO", "NO_GO", "INCONCLUSIVE"])
def test_no_hook_for_the_decision_runs_nothing(tmp_path: Path, decision: str) -> None:
    verdict = _verdict(tmp_path, decision, [])
    assert run_decision_hook({}, verdict, base_env=os.environ) is None
    assert not (verdict.parent / "hooks").exists()


def test_a_dry_run_reports_the_hook_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    verdict = _verdict(tmp_path, "NO_GO", ["data_loss"])
    outcome = run_decision_hook({"on-no-go": f"touch {marker}"}, verdict,
                                base_env=os.environ, dry_run=True)  # fmt: skip
    assert outcome is not None
    assert not outcome.ran
    assert not marker.exists()
    assert "not run (dry run)" in outcome.describe()
