"""The rollback of the media unification, rehearsed on seeded data with the release's code.

The embedded reference has no production data to compare, so (as the data stage does for
the upgrade) the rollback is rehearsed: seed the legacy world, snapshot it, ``unimedia db
upgrade`` (with the faults of the release under test: its migration), ``unimedia db
downgrade`` (the rollback), and compare the legacy tables with the snapshot. A downgrade
cannot bring back what a faulty upgrade dropped — which is exactly what a rollback
verification must notice before anyone calls the rollback done.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from postdeploy.config import process_environment
from postdeploy.snapshot.compare import Comparison, compare_snapshot
from postdeploy.snapshot.model import write_snapshot
from postdeploy.snapshot.sources import blob_digest, database_records
from postdeploy.target.unimedia_commands import run_unimedia

__all__ = ["rehearse_rollback"]


def rehearse_rollback(
    workdir: Path, records: int, sample_size: int, environment: Mapping[str, str] | None = None
) -> tuple[Comparison, str]:
    """Seed → snapshot → upgrade (release faults) → downgrade → compare with the snapshot.

    ``environment``: what the ``unimedia`` commands start from (the run's)."""
    with tempfile.TemporaryDirectory(prefix="postdeploy-rollback-", dir=workdir) as scratch:
        data = Path(scratch)
        env = dict(environment) if environment is not None else process_environment()
        faults = env.pop("UNIMEDIA_FAULTS", "")
        run_unimedia("seed-legacy", "--count", str(records), "--data", str(data), env=env)
        url = f"sqlite:///{data / 'unimedia.db'}"
        before = data / "before.jsonl"
        write_snapshot(
            before, database_records(url), source="legacy database before the deploy",
            sample_size=sample_size, content_digest=blob_digest(data / "blobs"),
        )  # fmt: skip
        run_unimedia("db", "upgrade", "--data", str(data), env={**env, "UNIMEDIA_FAULTS": faults})
        run_unimedia("db", "downgrade", "--data", str(data), env=env)
        comparison = compare_snapshot(before, database_records(url), blob_digest(data / "blobs"))
    return comparison, (
        f"a rehearsal of the rollback (upgrade, then `unimedia db downgrade`) on {records} "
        "seeded records"
    )
