"""The load stage end to end: real Locust against real unimedia servers.

Short ad hoc profiles keep these tests fast; the measured proofs with the real profiles
are in the closing notes (see scripts/load_proof.sh).
"""

from __future__ import annotations

from pathlib import Path

PROFILE = "10u15s"


def test_missing_baseline_for_a_real_target_is_inconclusive(
    run_cli, start_unimedia, tmp_path: Path
) -> None:
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_BASELINE_DIR=str(tmp_path / "none"),
                     POSTDEPLOY_LOAD_PROFILE=PROFILE)  # fmt: skip
    result = run_cli("verify", "--stages", "load", env=env)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "no load baseline at" in result.verdict["not_checked"][0]["why"]


def test_recorded_baseline_catches_an_error_rate(run_cli, start_unimedia, tmp_path: Path) -> None:
    good = start_unimedia("")
    baselines = tmp_path / "baselines"
    record = run_cli(
        "baseline", "record", "--stage", "load", "--load-profile", PROFILE,
        env=good.env(POSTDEPLOY_BASELINE_DIR=str(baselines)),
    )  # fmt: skip
    assert record.exit_code == 0, record.stdout + record.stderr
    assert (baselines / f"load-{PROFILE}.json").exists()

    bad = start_unimedia("error_rate:0.3")
    env = bad.env(POSTDEPLOY_BASELINE_DIR=str(baselines), POSTDEPLOY_LOAD_PROFILE=PROFILE)
    result = run_cli("verify", "--stages", "load", env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    verdict = result.verdict
    assert verdict["triggers_fired"] == ["performance_degradation"]
    titles = [reason["title"] for reason in verdict["reasons"]]
    assert any("more errors than the last good release" in title for title in titles), titles
    evidence = verdict["reasons"][0]["evidence"]
    assert "error_rate: high" in evidence
    assert "p=" in evidence
    latency = verdict["stages"][0]["charts"]["latency"]
    assert latency, "the report's baseline-vs-current chart needs the load stage's figures"
    assert all(row["baseline_ms"] is not None for row in latency)
    run_dir = (result.report_dir / "latest").resolve()
    assert (run_dir / "stages" / "load" / "current" / "locust.html").exists()
    assert (run_dir / "stages" / "load" / "judgement.json").exists()


def test_embedded_target_is_judged_against_a_clean_reference(run_cli, base_env) -> None:
    # two servers share the machine with one paired Locust run: give them a little longer
    env = base_env(UNIMEDIA_FAULTS="error_rate:0.3", POSTDEPLOY_LOAD_PROFILE="10u25s")
    result = run_cli("verify", "--stages", "load", env=env)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert result.verdict["triggers_fired"] == ["performance_degradation"]
    assert "loaded together in one paired run" in result.verdict["reasons"][0]["evidence"]
    # the error rate is the candidate's alone: the clean reference side has none
    judged = (result.report_dir / "latest" / "stages" / "load" / "judgement.json").read_text()
    assert '"baseline_error_rate": 0.0' in judged
