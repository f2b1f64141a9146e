"""On the embedded target the data stage migrates legacy data that the previous release
wrote, not data the release under test wrote for itself.

A release that changes its seeding and its migration in step only ever migrates the data it
seeded. Planted here in a scratch copy of unimedia (no catalogue fault): the migration leaves
legacy documents behind ("moved to another service, migrated later") and the same release's
``seed-legacy`` no longer writes any. Seeded by that release itself — the rehearsal before
issue 22 §2 — nothing is lost; seeded by the pinned previous release (``releases/``), every
document is missing after the migration.
"""

from __future__ import annotations

from pathlib import Path

from planted_release import planted_unimedia

from postdeploy.config import TargetSettings
from postdeploy.findings import StageStatus
from postdeploy.stages.base import StageContext
from postdeploy.stages.data import DataStage, rehearse_migration
from postdeploy.target.previous_release import ReleaseCode, read_previous_release, unpacked

MIGRATION = "unimedia/migrations/versions/0002_media_unification.py"
COPY_LOOP = "    for kind, table in legacy_schema.TABLES.items():\n        extra = "
SKIP = (
    "    for kind, table in legacy_schema.TABLES.items():\n"
    '        if kind == "document":  # planted by the test\n'
    "            continue\n"
    "        extra = "
)
SEED = "unimedia/legacy_seed.py"
KINDS = '_KINDS = ("image", "video", "document")\n_WEIGHTS = (5, 2, 3)\n'
NO_DOCUMENTS = '_KINDS = ("image", "video")\n_WEIGHTS = (5, 2)\n'


def release_leaving_documents_behind(tmp_path: Path) -> ReleaseCode:
    return planted_unimedia(
        tmp_path / "planted", {MIGRATION: (COPY_LOOP, SKIP), SEED: (KINDS, NO_DOCUMENTS)}
    )


def test_a_migration_that_moves_with_its_seeding_loses_the_previous_releases_data(
    tmp_path: Path, base_env
) -> None:
    planted = release_leaving_documents_behind(tmp_path)
    env = base_env()
    itself, _ = rehearse_migration(tmp_path, 60, 20, env, seeded_by=planted, migrated_by=planted)
    with unpacked(read_previous_release()) as previous:
        against_previous, _ = rehearse_migration(
            tmp_path, 60, 20, env, seeded_by=previous, migrated_by=planted
        )
    assert not itself.missing, itself.missing
    assert itself.before.total == itself.after_total
    assert against_previous.missing, "the previous release's documents were not missed"
    assert against_previous.after_total < against_previous.before.total


def test_without_the_previous_release_the_data_stage_cannot_judge(tmp_path: Path, base_env) -> None:
    stage = DataStage(previous_release=tmp_path / "releases" / "previous.json")
    context = StageContext(
        target=TargetSettings(url="http://127.0.0.1:9"), run_id="t", run_dir=tmp_path / "run",
        embedded=True, environment=base_env(),
    )  # fmt: skip
    result = stage.run(context)
    assert result.status is StageStatus.ERROR
    assert result.reason.startswith("no previous release at ")
    assert "\n" not in result.reason
