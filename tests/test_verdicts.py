"""The proof the issue asks for: the real CLI against real releases, good and bad."""

from __future__ import annotations

import pytest


def test_clean_embedded_service_is_go(run_cli) -> None:
    result = run_cli("verify", "--profile", "smoke")
    assert result.exit_code == 0, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "GO"
    assert verdict["triggers_fired"] == []
    assert verdict["not_checked"] == []
    assert verdict["target"]["embedded"] is True
    assert verdict["target"]["live_version"] == "2.0.0"
    smoke = verdict["stages"][0]
    assert smoke["name"] == "smoke"
    assert smoke["status"] == "passed"
    assert len(smoke["checks"]) >= 7
    assert "VERDICT: GO" in result.stdout


@pytest.mark.parametrize(
    ("fault", "trigger"),
    [("corrupt_upload", "data_loss"), ("wrong_version", "critical_error")],
)
def test_faulty_embedded_release_is_no_go(run_cli, base_env, fault, trigger) -> None:
    result = run_cli("verify", env=base_env(UNIMEDIA_FAULTS=fault))
    assert result.exit_code == 1, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["decision"] == "NO_GO"
    assert verdict["triggers_fired"] == [trigger]
    assert verdict["reasons"][0]["trigger"] == trigger
    assert verdict["reasons"][0]["evidence"]
    assert f"triggers fired: {trigger}" in result.stdout


def test_unreachable_target_is_inconclusive(run_cli, base_env) -> None:
    env = base_env(
        POSTDEPLOY_PASSWORD_ALICE="a", POSTDEPLOY_PASSWORD_BOB="b", POSTDEPLOY_PASSWORD_ADMIN="c"
    )
    result = run_cli("verify", "--target", "http://127.0.0.1:9", env=env)
    assert result.exit_code == 2
    assert result.verdict["decision"] == "INCONCLUSIVE"
    assert result.verdict["not_checked"][0]["stage"] == "smoke"
