"""The deployment plan's Phase 2 end to end, as docs/functional.md documents it: seed legacy data →
snapshot → ``unimedia db upgrade`` → compare (GO); with ``migration_drops_records`` → data
loss naming the ids (NO_GO); ``unimedia db downgrade`` → compare with the same snapshot (GO).
Plus the data stage inside ``postdeploy verify`` and a broken snapshot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def unimedia(*args: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "unimedia", *args], env=env, check=True, capture_output=True,
        timeout=300,
    )  # fmt: skip


@pytest.mark.parametrize("fault", ["", "migration_drops_records:40"])
def test_phase2_sequence(run_cli, base_env, tmp_path: Path, fault: str) -> None:
    data = tmp_path / "data"
    url = f"sqlite:///{data / 'unimedia.db'}"
    unimedia("seed-legacy", "--count", "200", "--data", str(data), env=base_env())
    snap = str(tmp_path / "before.jsonl")
    taken = run_cli("snapshot", snap, "--database-url", url, "--blob-dir", str(data / "blobs"))
    assert taken.exit_code == 0, taken.stderr
    assert "snapshot of 200 records" in taken.stdout
    unimedia("db", "upgrade", "--data", str(data), env=base_env(UNIMEDIA_FAULTS=fault))
    after = run_cli(
        "snapshot", snap, "--compare", "--database-url", url, "--blob-dir", str(data / "blobs")
    )
    if not fault:
        assert after.exit_code == 0, after.stdout + after.stderr
        assert "nothing lost" in after.stdout
    else:
        assert after.exit_code == 1, after.stdout + after.stderr
        assert "3 record(s) missing after the deploy" in after.stdout
        assert "data_loss" in after.stdout
        assert "image:40" in after.stdout or "video:40" in after.stdout  # ids are named
        return
    unimedia("db", "downgrade", "--data", str(data), env=base_env())
    rolled_back = run_cli("snapshot", snap, "--compare", "--database-url", url)
    assert rolled_back.exit_code == 0, rolled_back.stdout + rolled_back.stderr


@pytest.mark.parametrize(("fault", "decision"), [("", "GO"), ("migration_drops_records", "NO_GO")])
def test_data_stage_in_verify(run_cli, base_env, fault: str, decision: str) -> None:
    result = run_cli("verify", "--stages", "data", env=base_env(UNIMEDIA_FAULTS=fault))
    verdict = result.verdict
    assert verdict["decision"] == decision, result.stdout + result.stderr
    if fault:  # also the functional-verdict proof for this fault (tests/suites/)
        assert result.exit_code == 1, result.stdout + result.stderr
        assert verdict["triggers_fired"] == ["data_loss"]
        assert verdict["reasons"][0]["stage"] == "data"
        assert verdict["reasons"][0]["severity"] == "critical"
        assert "missing ids:" in verdict["reasons"][0]["evidence"]
        # the legacy data was the previous release's (tests/stages/test_data_previous_release.py)
        assert "seeded by the previous release, unimedia" in verdict["reasons"][0]["evidence"]


def test_real_target_without_snapshot_is_inconclusive(run_cli, start_unimedia, tmp_path) -> None:
    server = start_unimedia("")
    env = server.env(POSTDEPLOY_SNAPSHOT=str(tmp_path / "none.jsonl"))
    result = run_cli("verify", "--stages", "data", env=env)
    assert result.exit_code == 2
    assert "no data snapshot" in result.verdict["not_checked"][0]["why"]


def test_snapshot_through_the_api_matches_itself(run_cli, start_unimedia, tmp_path) -> None:
    server = start_unimedia("")
    snap = str(tmp_path / "s.jsonl")
    assert run_cli("snapshot", snap, env=server.env()).exit_code == 0
    result = run_cli("snapshot", snap, "--compare", env=server.env())
    assert result.exit_code == 0, result.stdout + result.stderr


def test_malformed_snapshot_exits_2(run_cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    result = run_cli("snapshot", str(bad), "--compare", "--database-url", "sqlite:///nothing")
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
