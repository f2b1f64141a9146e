"""The pre-deploy data snapshot exists, is readable and fresh — or is taken now.

The data stage (and the rollback verification) compare the records after the deploy with
this file; without it "nothing was lost" cannot be said. ``--snapshot`` takes it, straight
from the (read-only) database when a URL is given, else through the legacy APIs as admin.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from postdeploy.config import TargetSettings
from postdeploy.errors import ConfigError
from postdeploy.readiness.model import CheckState, ReadinessCheck
from postdeploy.snapshot.model import SNAPSHOT_KIND, write_snapshot
from postdeploy.snapshot.sources import api_digest, api_records, blob_digest, database_records
from postdeploy.target.client import login, new_client

__all__ = ["snapshot_check", "take_snapshot"]

CHECK = "data:snapshot"
TITLE = "the pre-deploy data snapshot is taken"


def take_snapshot(
    path: Path, target: TargetSettings, *, blob_dir: Path | None, sample_size: int = 1000
) -> str:
    """Write the snapshot; return one line saying what was taken."""
    database = target.database_url.reveal() if target.database_url else None
    if database:
        digest = blob_dir and blob_digest(blob_dir)
        header = write_snapshot(
            path, database_records(database), source="database", sample_size=sample_size,
            content_digest=digest or (lambda record: record.sha256),
        )  # fmt: skip
        return f"{header.total} records from the database"
    admins = [a for a in target.accounts if a.role == "admin"]
    if not admins:
        raise ConfigError("a snapshot through the API needs an admin account")
    with new_client(target) as anonymous:
        token = login(anonymous, admins[0])
    with new_client(target, token=token) as admin:
        header = write_snapshot(
            path,
            api_records(admin),
            source=target.url or "the API",
            sample_size=sample_size,
            content_digest=api_digest(admin),
        )
    return f"{header.total} records through the API"


def snapshot_check(path: Path, *, max_age_s: float, now: datetime | None = None) -> ReadinessCheck:
    fix = (f"postdeploy preflight --snapshot (or postdeploy snapshot {path} --database-url "
           "URL before the deploy)")  # fmt: skip
    if not path.exists():
        return ReadinessCheck(CHECK, TITLE, CheckState.FAILED, f"{path} does not exist", fix)
    try:
        with path.open(encoding="utf-8") as handle:  # the header line only: files are large
            header = json.loads(handle.readline() or "null")
        if not isinstance(header, dict) or header.get("kind") != SNAPSHOT_KIND:
            raise ValueError("not a postdeploy data snapshot")
        taken = datetime.fromisoformat(str(header["taken_at"]).replace("Z", "+00:00"))
    except (OSError, KeyError, ValueError) as exc:
        return ReadinessCheck(CHECK, TITLE, CheckState.FAILED, f"{path}: {exc}", fix)
    if taken.tzinfo is None:
        taken = taken.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - taken).total_seconds()
    detail = (f"{header.get('total', '?')} records from {header.get('source', '?')}, "
              f"taken {header['taken_at']}")  # fmt: skip
    if age > max_age_s:
        return ReadinessCheck(CHECK, TITLE, CheckState.FAILED,
                              f"{detail}: {age / 3600:.1f} h old, over "
                              f"{max_age_s / 3600:.1f} h", fix)  # fmt: skip
    return ReadinessCheck(CHECK, TITLE, CheckState.PASSED, detail, figures={"age_s": round(age)})
