"""The whole story on the embedded target, as the README tells it: preflight READY → the
faulty release (announcing 2.1.0, corrupting uploads) is NO_GO and fires the --on-no-go
hook → rolled back (unimedia restarted without the fault; the unification migration's
downgrade rehearsed on seeded data) → the rollback verification is GO.

And the rollback stage failing on real faults: the rolled-back release still live, and a
migration whose loss the downgrade cannot undo.
"""

from __future__ import annotations

import json

from needs import require_tool

from postdeploy.contract.baseline import REFERENCE_BASELINE
from postdeploy.target.prometheus import find_prometheus

RELAXED = "[preflight]\nmin_cpu_idle_ratio = 0.0\n"  # this shared machine runs at ~100 % CPU


def test_preflight_faulty_release_rollback_verified(run_cli, base_env, tmp_path) -> None:
    require_tool(find_prometheus() is not None, "prometheus")
    (tmp_path / "postdeploy.toml").write_text(RELAXED)

    before = run_cli("preflight", "--report-dir", str(tmp_path / "reports"), env=base_env(),
                     timeout=240)  # fmt: skip
    assert before.exit_code == 0, before.stdout + before.stderr
    assert "PREFLIGHT: READY" in before.stdout

    hook_said = tmp_path / "rollback-requested"
    faulty = run_cli(
        "verify", "--expected-version", "2.1.0",
        "--on-no-go", f'echo "$POSTDEPLOY_DECISION $POSTDEPLOY_TRIGGERS" > {hook_said}',
        env=base_env(UNIMEDIA_FAULTS="wrong_version:2.1.0,corrupt_upload"),
    )  # fmt: skip
    assert faulty.exit_code == 1, faulty.stdout + faulty.stderr
    assert faulty.verdict["target"]["live_version"] == "2.1.0"
    decision, triggers = hook_said.read_text().split()
    assert decision == "NO_GO"
    assert "data_loss" in triggers.split(",")

    # Rolled back: the embedded unimedia starts again without the fault. The rollback
    # profile's own stage and smoke; integration, contracts and data (each proven on its
    # own faults elsewhere) are left out to keep the suite's time budget — the README's
    # command runs all of them.
    rolled_back = run_cli("verify", "--rollback-of", "2.1.0", "--stages", "rollback,smoke",
                          env=base_env(), timeout=300)  # fmt: skip
    assert rolled_back.exit_code == 0, rolled_back.stdout + rolled_back.stderr
    verdict = rolled_back.verdict
    assert verdict["decision"] == "GO"
    assert verdict["target"]["live_version"] == "2.0.0"
    assert verdict["profile"] == "rollback"
    rollback = next(stage for stage in verdict["stages"] if stage["name"] == "rollback")
    outcomes = {check["id"]: check["outcome"] for check in rollback["checks"]}
    assert outcomes == {
        "rollback::the previous release is live": "passed",
        "rollback::the contract baseline is the previous release's": "passed",
        "rollback::the downgrade gives every record back": "passed",
    }


def test_the_rollback_stage_fails_on_real_faults(run_cli, base_env, tmp_path) -> None:
    result = run_cli(
        "verify", "--rollback-of", "2.1.0", "--stages", "rollback",
        env=base_env(UNIMEDIA_FAULTS="wrong_version:2.1.0,migration_drops_records:10"),
    )  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    verdict = result.verdict
    assert set(verdict["triggers_fired"]) == {"critical_error", "data_loss"}
    titles = " | ".join(reason["title"] for reason in verdict["reasons"])
    assert "release 2.1.0, the one rolled back, is still live" in titles
    assert "record(s) missing" in titles


def test_a_baseline_of_the_rolled_back_release_proves_nothing(run_cli, base_env, tmp_path) -> None:
    baselines = tmp_path / "baselines"
    baselines.mkdir()
    document = json.loads(REFERENCE_BASELINE.read_text())
    document["release"] = "2.1.0"
    (baselines / "contract.json").write_text(json.dumps(document))
    result = run_cli("verify", "--rollback-of", "2.1.0", "--stages", "rollback",
                     env=base_env(POSTDEPLOY_BASELINE_DIR=str(baselines)))  # fmt: skip
    assert result.exit_code == 2, result.stdout + result.stderr
    why = " ".join(item["why"] for item in result.verdict["not_checked"])
    assert "recorded from 2.1.0, the release rolled back" in why
