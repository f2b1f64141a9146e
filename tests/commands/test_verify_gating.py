"""``postdeploy verify`` feeding the decision: hooks after the reports, --dry-run,
--inconclusive-exit-code, and the rollback profile's usage rule — through the real CLI."""

from __future__ import annotations

import json
import socket

from postdeploy.hooks.decision import HOOK_NAMES


def _dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_no_go_fires_its_hook_and_a_failing_hook_changes_nothing(
    start_unimedia, run_cli, tmp_path
) -> None:
    server = start_unimedia("wrong_version:2.1.0")  # smoke's version check fails
    said = tmp_path / "hook-said"
    result = run_cli(
        "verify", "--on-go", f"touch {tmp_path / 'wrong-hook'}",
        "--on-no-go", f'echo "$POSTDEPLOY_DECISION $POSTDEPLOY_TRIGGERS" > {said}; '
        'test -f "$POSTDEPLOY_VERDICT" && test -f "$POSTDEPLOY_RUN_DIR/summary.md"; exit 9',
        env=server.env(),
    )  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    assert said.read_text().split() == ["NO_GO", "critical_error"]
    assert not (tmp_path / "wrong-hook").exists()
    assert "hook on-no-go FAILED (exit 9); the decision stands" in result.stderr
    record = json.loads((result.report_dir / "latest" / "hooks" / "on-no-go.json").read_text())
    assert record["exit_code"] == 9  # exit 9 *after* the files were there: they were written


def test_dry_run_exits_0_with_the_would_be_decision(start_unimedia, run_cli, tmp_path) -> None:
    server = start_unimedia("wrong_version:2.1.0")
    marker = tmp_path / "rolled-back"
    result = run_cli("verify", "--dry-run", "--on-no-go", f"touch {marker}", env=server.env())
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.verdict["decision"] == "NO_GO"
    assert result.verdict["dry_run"] is True
    summary = (result.report_dir / "latest" / "summary.md").read_text()
    assert "Dry run" in summary
    assert "DRY RUN: the gate would have said NO_GO (exit 1); exiting 0" in result.stdout
    assert not marker.exists()  # shadow mode rolls nothing back


def test_inconclusive_exit_code_and_hook(run_cli, base_env, tmp_path) -> None:
    said = tmp_path / "said"
    result = run_cli(
        "verify", "--target", _dead_url(), "--inconclusive-exit-code", "7",
        "--on-inconclusive", f"echo $POSTDEPLOY_HOOK > {said}",
        env=base_env(POSTDEPLOY_PASSWORD_ALICE="a", POSTDEPLOY_PASSWORD_BOB="b",
                     POSTDEPLOY_PASSWORD_ADMIN="c"),
    )  # fmt: skip
    assert result.exit_code == 7, result.stdout + result.stderr
    assert result.verdict["decision"] == "INCONCLUSIVE"
    assert result.verdict["dry_run"] is False
    assert said.read_text().strip() == HOOK_NAMES["INCONCLUSIVE"]


def test_the_rollback_profile_needs_the_rolled_back_version(run_cli, base_env) -> None:
    result = run_cli("verify", "--profile", "rollback", env=base_env())
    assert result.exit_code == 2
    assert "error: the rollback profile/stage needs --rollback-of VERSION" in result.stderr
    assert result.verdict["decision"] == "INCONCLUSIVE"
