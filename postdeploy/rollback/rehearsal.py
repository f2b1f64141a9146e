"""The rollback of the media unification, rehearsed on seeded data with the release's code.

The embedded reference has no production data to compare, so (as the data stage does for
the upgrade) the rollback is rehearsed: seed the legacy world, snapshot it, ``unimedia db
upgrade`` (with the faults of the release under test: its migration), ``unimedia db
downgrade`` (the rollback), and compare the legacy tables with the snapshot. A downgrade
cannot bring back what a faulty upgrade dropped — which is exactly what a rollback
verification must notice before anyone calls the rollback done.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from postdeploy.config import process_environment
from postdeploy.errors import StageCrashed
from postdeploy.snapshot.compare import Comparison, compare_snapshot
from postdeploy.snapshot.model import write_snapshot
from postdeploy.snapshot.sources import blob_digest, database_records

__all__ = ["rehearse_rollback"]


def _unimedia(*args: str, env: dict[str, str]) -> None:
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "unimedia", *args],
        capture_output=True, text=True, env=env, timeout=600, check=False,
    )  # fmt: skip
    if completed.returncode != 0:
        last = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise StageCrashed(f"unimedia {' '.join(args[:2])} failed: {last}")


def rehearse_rollback(
    workdir: Path, records: int, sample_size: int, environment: Mapping[str, str] | None = None
) -> tuple[Comparison, str]:
    """Seed → snapshot → upgrade (release faults) → downgrade → compare with the snapshot.

    ``environment``: what the ``unimedia`` commands start from (the run's)."""
    with tempfile.TemporaryDirectory(prefix="postdeploy-rollback-", dir=workdir) as scratch:
        data = Path(scratch)
        env = dict(environment) if environment is not None else process_environment()
        faults = env.pop("UNIMEDIA_FAULTS", "")
        _unimedia("seed-legacy", "--count", str(records), "--data", str(data), env=env)
        url = f"sqlite:///{data / 'unimedia.db'}"
        before = data / "before.jsonl"
        write_snapshot(
            before, database_records(url), source="legacy database before the deploy",
            sample_size=sample_size, content_digest=blob_digest(data / "blobs"),
        )  # fmt: skip
        _unimedia("db", "upgrade", "--data", str(data), env={**env, "UNIMEDIA_FAULTS": faults})
        _unimedia("db", "downgrade", "--data", str(data), env=env)
        comparison = compare_snapshot(before, database_records(url), blob_digest(data / "blobs"))
    return comparison, (
        f"a rehearsal of the rollback (upgrade, then `unimedia db downgrade`) on {records} "
        "seeded records"
    )
