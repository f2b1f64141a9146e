"""The data stage takes its settings from the run's Config, never from the environment.

The regression behind this test: ``[target] database_url_env`` was honoured by the config
loader but ignored by the data stage, which read ``POSTDEPLOY_DATABASE_URL`` itself and so
silently fell back to the API — here an unreachable one, so the old behaviour is an ERROR.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from postdeploy.config import load_config
from postdeploy.findings import StageStatus
from postdeploy.snapshot.model import write_snapshot
from postdeploy.snapshot.sources import blob_digest, database_records
from postdeploy.stages.base import StageContext
from postdeploy.stages.data import DataStage

UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing answers, the API path must fail


@pytest.fixture(scope="module")
def legacy_database(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """A seeded legacy database, its blob store, and a snapshot of it taken before."""
    data = tmp_path_factory.mktemp("data")
    subprocess.run(
        [sys.executable, "-m", "unimedia", "seed-legacy", "--count", "30", "--data", str(data)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    url = f"sqlite:///{data / 'unimedia.db'}"
    snapshot = data / "before.jsonl"
    write_snapshot(
        snapshot, database_records(url), source="test", sample_size=10,
        content_digest=blob_digest(data / "blobs"),
    )  # fmt: skip
    return url, data / "blobs", snapshot


def _run(tmp_path: Path, file_text: str, environ: dict[str, str]) -> tuple[StageStatus, str]:
    config_file = tmp_path / "postdeploy.toml"
    config_file.write_text(file_text, encoding="utf-8")
    config = load_config(config_file=config_file, environ=environ, cwd=tmp_path)
    context = StageContext.for_run(config, config.target, "run-1", tmp_path / "run")
    result = DataStage().run(context)
    return result.status, result.reason


def test_a_configured_database_variable_is_the_one_read(
    tmp_path: Path, legacy_database: tuple[str, Path, Path]
) -> None:
    url, blobs, snapshot = legacy_database
    status, reason = _run(
        tmp_path,
        f'[target]\nurl = "{UNREACHABLE}"\ndatabase_url_env = "MEDIA_DB_RO"\n'
        f'[data]\nsnapshot = "{snapshot}"\nblob_dir = "{blobs}"\n',
        {"MEDIA_DB_RO": url},
    )
    assert status is StageStatus.PASSED, reason


def test_without_the_variable_the_stage_goes_through_the_api(
    tmp_path: Path, legacy_database: tuple[str, Path, Path]
) -> None:
    """The same configuration with the variable unset: the API path, which fails here —
    the database was really what the passing run read."""
    _, blobs, snapshot = legacy_database
    status, reason = _run(
        tmp_path,
        f'[target]\nurl = "{UNREACHABLE}"\ndatabase_url_env = "MEDIA_DB_RO"\n'
        f'[data]\nsnapshot = "{snapshot}"\nblob_dir = "{blobs}"\n',
        {"POSTDEPLOY_PASSWORD_ADMIN": "x"},
    )
    assert status is StageStatus.ERROR
    assert "127.0.0.1:9" in reason


def test_the_snapshot_path_comes_from_the_config(tmp_path: Path) -> None:
    status, reason = _run(
        tmp_path,
        f'[target]\nurl = "{UNREACHABLE}"\n[data]\nsnapshot = "nowhere.jsonl"\n',
        {"POSTDEPLOY_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"},
    )
    assert status is StageStatus.ERROR
    assert str(tmp_path / "nowhere.jsonl") in reason
