"""The data stage: no record lost, no byte changed, compared with the pre-deploy snapshot.

Where "before" comes from:

* a real target: the snapshot taken before the deploy with ``postdeploy snapshot``
  (``[data] snapshot`` / ``POSTDEPLOY_SNAPSHOT``, default ``baselines/data-snapshot.jsonl``);
  "after" is read straight from the database when a read-only database URL is configured
  (the variable ``[target] database_url_env`` names, default ``POSTDEPLOY_DATABASE_URL``),
  with content from ``[data] blob_dir`` / ``POSTDEPLOY_BLOB_DIR`` if given, otherwise
  through the legacy APIs as the admin. No snapshot → the stage cannot judge (ERROR →
  INCONCLUSIVE).
* the embedded reference: a fresh unimedia holds no data, so a snapshot of it would prove
  nothing. Instead the stage rehearses the deployment plan's Phase 2 with this release's
  own migration and faults: legacy data written by the *previous release*
  (``unimedia seed-legacy`` of the pinned copy in ``releases/``, issue 22 §2: seeding from
  the working tree would move with its migration, and a release that changes both in step
  would only ever migrate data it wrote itself), snapshot it, ``unimedia db upgrade`` of
  the release under test (with its ``UNIMEDIA_FAULTS``), compare. A migration that drops
  records is NO_GO here, as it would be in production. No previous release: ERROR.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from postdeploy.config import process_environment
from postdeploy.errors import PostdeployError, StageCrashed
from postdeploy.findings import (
    CheckOutcome,
    CheckResult,
    Finding,
    RollbackTrigger,
    Severity,
    StageResult,
    StageStatus,
)
from postdeploy.snapshot.compare import Comparison, compare_snapshot
from postdeploy.snapshot.model import write_snapshot
from postdeploy.snapshot.sources import api_digest, api_records, blob_digest, database_records
from postdeploy.stages.base import StageContext
from postdeploy.target.client import login, new_client
from postdeploy.target.previous_release import (
    PREVIOUS_RELEASE,
    ReleaseCode,
    read_previous_release,
    unpacked,
)
from postdeploy.target.unimedia_commands import run_unimedia

__all__ = ["DataStage", "findings_of", "rehearse_migration"]

SHOWN_IDS = 50


@dataclass(frozen=True, slots=True)
class DataStage:
    name: str = "data"
    exclusive: bool = False  # runs beside the other stages
    rehearsal_records: int = 300
    sample_size: int = 100
    previous_release: Path | None = None  # None: releases/previous.json

    def run(self, context: StageContext) -> StageResult:
        started = time.monotonic()
        try:
            comparison, source = (
                self._rehearse(context) if context.embedded else _compare_live(context)
            )
        except PostdeployError as exc:
            return StageResult(self.name, StageStatus.ERROR, time.monotonic() - started, str(exc))
        evidence = (str(Path("stages") / self.name / "comparison.json"),)
        findings = [
            replace(finding, attachments=evidence)
            for finding in findings_of(self.name, comparison, source)
        ]
        checks = tuple(
            CheckResult(
                f"data::{what}",
                CheckOutcome.FAILED if bad else CheckOutcome.PASSED,
                attachments=evidence,
            )
            for what, bad in (
                ("no record missing", comparison.missing),
                ("metadata preserved", comparison.changed),
                ("sampled content identical", comparison.content),
                ("counts kept", comparison.fewer),
            )
        )
        (context.stage_dir(self.name) / "comparison.json").write_text(
            json.dumps(_document(comparison, source), indent=2), encoding="utf-8"
        )
        return StageResult(
            name=self.name,
            status=StageStatus.FAILED if findings else StageStatus.PASSED,
            duration_s=time.monotonic() - started,
            reason=f"{len(findings)} kind(s) of data loss" if findings else "",
            findings=tuple(findings),
            checks=checks,
            metrics={
                "records_before": float(comparison.before.total),
                "records_after": float(comparison.after_total),
                "records_added": float(comparison.added),
            },
            artifacts=evidence,
        )

    def _rehearse(self, context: StageContext) -> tuple[Comparison, str]:
        """The rehearsal on legacy data written by the previous release (read and
        hash-checked first: without it the stage cannot judge — no fall back to the
        working tree, whose seeding moves with its migration)."""
        previous = read_previous_release(self.previous_release or PREVIOUS_RELEASE)
        with unpacked(previous) as seeder:
            comparison, source = rehearse_migration(
                context.stage_dir(self.name), self.rehearsal_records, self.sample_size,
                context.environment, seeded_by=seeder,
            )  # fmt: skip
        return comparison, f"{source}, seeded by the previous release, {previous.describe()}"


def _compare_live(context: StageContext) -> tuple[Comparison, str]:
    snapshot = context.data.snapshot
    database = context.target.database_url
    if database is not None:
        blobs = context.data.blob_dir
        digest = blob_digest(blobs) if blobs else (lambda record: record.sha256)
        records = database_records(database.reveal())
        return compare_snapshot(snapshot, records, digest), "the database"
    admins = [a for a in context.target.accounts if a.role == "admin"]
    if not admins:
        raise StageCrashed("the data stage reads every record: it needs an admin account")
    with new_client(context.target) as anonymous:
        token = login(anonymous, admins[0])
    with new_client(context.target, token=token) as admin:
        return compare_snapshot(snapshot, api_records(admin), api_digest(admin)), "the API"


def rehearse_migration(
    workdir: Path,
    records: int,
    sample_size: int,
    environment: Mapping[str, str] | None = None,
    *,
    seeded_by: ReleaseCode | None = None,
    migrated_by: ReleaseCode | None = None,
) -> tuple[Comparison, str]:
    """Phase 2 on seeded legacy data with this release's migration; see the module doc.

    ``environment``: what the ``unimedia`` commands start from (the run's); its
    ``UNIMEDIA_FAULTS`` reach only the migration — the seeded data is clean. ``seeded_by``
    writes the legacy data (the previous release; None: the installed unimedia),
    ``migrated_by`` migrates it (None: the installed unimedia, the release under test)."""
    with tempfile.TemporaryDirectory(prefix="postdeploy-phase2-", dir=workdir) as scratch:
        data = Path(scratch)
        env = dict(environment) if environment is not None else process_environment()
        faults = env.pop("UNIMEDIA_FAULTS", "")
        run_unimedia(
            "seed-legacy", "--count", str(records), "--data", str(data), env=env, code=seeded_by
        )
        url = f"sqlite:///{data / 'unimedia.db'}"
        before = data / "before.jsonl"
        write_snapshot(
            before, database_records(url), source="legacy database",
            sample_size=sample_size, content_digest=blob_digest(data / "blobs"),
        )  # fmt: skip
        run_unimedia(
            "db", "upgrade", "--data", str(data),
            env={**env, "UNIMEDIA_FAULTS": faults}, code=migrated_by,
        )  # fmt: skip
        comparison = compare_snapshot(before, database_records(url), blob_digest(data / "blobs"))
    return comparison, f"a rehearsal of the unification migration on {records} seeded records"


def findings_of(stage: str, comparison: Comparison, source: str) -> list[Finding]:
    """One critical ``data_loss`` finding per kind of loss, naming the ids."""

    def ids(keys: list[str]) -> str:
        more = f" … and {len(keys) - SHOWN_IDS} more" if len(keys) > SHOWN_IDS else ""
        return ", ".join(keys[:SHOWN_IDS]) + more

    before = comparison.before
    context = (f"\nsnapshot: {before.source}, taken {before.taken_at}, {before.total} records; "
               f"after ({source}): {comparison.after_total} records")  # fmt: skip
    found = []
    if comparison.missing:
        found.append((f"{len(comparison.missing)} record(s) missing after the deploy",
                      "missing ids: " + ids(comparison.missing)))  # fmt: skip
    if comparison.changed:
        lines = [f"{k}: {', '.join(v)}" for k, v in list(comparison.changed.items())[:SHOWN_IDS]]
        found.append((f"{len(comparison.changed)} record(s) with changed metadata",
                      "changed fields:\n" + "\n".join(lines)))  # fmt: skip
    if comparison.content:
        lines = [f"{k}: sha256 {a} → {b}" for k, (a, b) in comparison.content.items()]
        found.append((f"{len(comparison.content)} sampled blob(s) not byte-identical",
                      "\n".join(lines[:SHOWN_IDS])))  # fmt: skip
    if comparison.fewer:
        lines = [f"{g}: {a} → {b}" for g, (a, b) in sorted(comparison.fewer.items())]
        found.append(("fewer records per kind/owner than before", "\n".join(lines)))
    return [
        Finding(stage, title, Severity.CRITICAL, RollbackTrigger.DATA_LOSS, evidence + context,
                f"data::{title.split(' ', 1)[1] if title[0].isdigit() else title}")
        for title, evidence in found
    ]  # fmt: skip


def _document(comparison: Comparison, source: str) -> dict:
    return {
        "source": source,
        "before": {"source": comparison.before.source, "taken_at": comparison.before.taken_at,
                   "total": comparison.before.total, "id_digest": comparison.before.id_digest,
                   "sample_size": comparison.before.sample_size},
        "after_total": comparison.after_total,
        "added": comparison.added,
        "missing": comparison.missing,
        "changed": comparison.changed,
        "content": {k: list(v) for k, v in comparison.content.items()},
        "fewer": {k: list(v) for k, v in comparison.fewer.items()},
    }  # fmt: skip
