"""The media unification migration (Phase 2) and its rollback, on seeded legacy data."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from unimedia import samples
from unimedia.db import make_engine
from unimedia.errors import ConfigError
from unimedia.legacy_seed import seed_legacy
from unimedia.models import Base
from unimedia.revisions import (
    LEGACY_REVISION,
    SchemaOutOfDate,
    current_revision,
    downgrade,
    head_revision,
    prepare_schema,
    upgrade,
)
from unimedia.settings import Settings

if TYPE_CHECKING:
    from conftest import Api

LEGACY_ROWS = (
    "SELECT 'image', id, owner, filename, content_type, size, sha256, created_at FROM images "
    "UNION ALL SELECT 'video', id, owner, filename, content_type, size, sha256, created_at "
    "FROM videos UNION ALL SELECT 'document', id, owner, filename, content_type, size, sha256, "
    "created_at FROM documents"
)
UNIFIED_ROWS = (
    "SELECT kind, legacy_id, owner, filename, content_type, size, sha256, created_at FROM media"
)


def _rows(engine: Engine, query: str) -> set[tuple[Any, ...]]:
    with engine.connect() as connection:
        return {tuple(row) for row in connection.execute(text(query))}


@pytest.fixture
def seeded(make_settings: Callable[..., Settings]) -> Iterator[tuple[Settings, Engine]]:
    """A data directory with 300 legacy records (and the test accounts)."""
    settings = make_settings()
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.effective_database_url)
    seed_legacy(engine, settings.blob_dir, settings.accounts, count=300, seed=7)
    yield settings, engine
    engine.dispose()


def test_migrated_schema_equals_the_models(tmp_path: Path) -> None:
    migrated = make_engine(f"sqlite:///{tmp_path / 'migrated.db'}")
    upgrade(migrated)
    with migrated.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    prepare_schema(fresh)
    assert current_revision(fresh) == head_revision()
    assert set(inspect(fresh).get_table_names()) == set(inspect(migrated).get_table_names())


def test_seed_is_deterministic_with_real_content(tmp_path: Path, seeded: Any) -> None:
    settings, engine = seeded
    other = make_engine(f"sqlite:///{tmp_path / 'again.db'}")
    seed_legacy(other, tmp_path / "blobs-again", settings.accounts, count=300, seed=7)
    assert _rows(engine, LEGACY_ROWS) == _rows(other, LEGACY_ROWS)
    kinds = {row[0] for row in _rows(engine, LEGACY_ROWS)}
    assert kinds == {"image", "video", "document"}
    for _kind, _id, _owner, _name, _type, size, sha256, _created in _rows(engine, LEGACY_ROWS):
        blob = (settings.blob_dir / sha256[:2] / sha256[2:]).read_bytes()
        assert (len(blob), hashlib.sha256(blob).hexdigest()) == (size, sha256)


def test_seed_refuses_a_seeded_or_unified_database(seeded: Any, tmp_path: Path) -> None:
    settings, engine = seeded
    with pytest.raises(ConfigError, match="already hold records"):
        seed_legacy(engine, settings.blob_dir, settings.accounts, count=1)
    upgrade(engine)
    with pytest.raises(ConfigError, match=head_revision()):
        seed_legacy(engine, settings.blob_dir, settings.accounts, count=1)


def test_upgrade_keeps_every_record_id_and_checksum(seeded: Any) -> None:
    _settings, engine = seeded
    before = _rows(engine, LEGACY_ROWS)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    assert _rows(engine, UNIFIED_ROWS) == before
    assert not {"images", "videos", "documents"} & set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        first = connection.execute(
            text("SELECT id FROM media WHERE kind = 'video' AND legacy_id = 1")
        ).scalar_one()
    assert first == "00000000-0000-4000-8002-000000000001"


def test_the_service_serves_migrated_records_everywhere(
    seeded: Any, make_api: Callable[..., Api]
) -> None:
    _settings, engine = seeded
    with engine.connect() as connection:
        width, height, sha256 = connection.execute(
            text("SELECT width, height, sha256 FROM images WHERE id = 1")
        ).one()
    with pytest.raises(SchemaOutOfDate, match="unimedia db upgrade"):
        prepare_schema(engine)
    upgrade(engine)
    api = make_api()
    image = api.get("admin", "/api/v1/images/img_1").json()
    assert (image["width"], image["height"], image["checksum_sha256"]) == (width, height, sha256)
    content = api.get("admin", "/api/v1/images/img_1/file").content
    assert hashlib.sha256(content).hexdigest() == sha256
    total = api.get("admin", "/api/v2/media", params={"limit": 1}).json()["total"]
    assert total == 300
    # New uploads continue the legacy numbering instead of colliding with it.
    images = api.get("admin", "/api/v1/images").json()["total_count"]
    files = {"image": ("new.png", samples.png(3, 3, salt="new"), "image/png")}
    created = api.client.post("/api/v1/images", headers=api.auth("alice"), files=files)
    assert created.json()["image_id"] == f"img_{images + 1}"


def test_downgrade_and_upgrade_again_restore_ids_and_tags(
    seeded: Any, make_api: Callable[..., Api]
) -> None:
    _settings, engine = seeded
    legacy = _rows(engine, LEGACY_ROWS)
    upgrade(engine)
    api = make_api()
    new = api.upload(
        "alice",
        samples.pdf(2, salt="after"),
        filename="n.pdf",
        content_type="application/pdf",
        tags="keep-me",
    )
    api.client.close()
    unified = _rows(engine, UNIFIED_ROWS)

    downgrade(engine, LEGACY_REVISION)
    assert current_revision(engine) == LEGACY_REVISION
    restored = _rows(engine, LEGACY_ROWS)
    assert restored - legacy == {row for row in unified if row[6] == new["sha256"]}
    assert legacy <= restored
    with engine.connect() as connection:
        pages = connection.execute(
            text("SELECT pages FROM documents WHERE sha256 = :s"), {"s": new["sha256"]}
        ).scalar_one()
    assert pages == 2

    upgrade(engine)
    assert _rows(engine, UNIFIED_ROWS) == unified
    again = make_api()
    assert again.get("alice", f"/api/v2/media/{new['id']}").json()["tags"] == ["keep-me"]


def test_downgrade_refuses_to_drop_media_the_old_schema_cannot_hold(
    seeded: Any, make_api: Callable[..., Api]
) -> None:
    _settings, engine = seeded
    upgrade(engine)
    api = make_api()
    api.upload("alice", b"\x00\x01", filename="x.bin", content_type="application/octet-stream")
    api.client.close()
    with pytest.raises(RuntimeError, match="kind 'other'"):
        downgrade(engine, LEGACY_REVISION)
    assert current_revision(engine) == head_revision()  # nothing half done
    assert _rows(engine, "SELECT count(*) FROM media") == {(301,)}
    downgrade(engine, LEGACY_REVISION, allow_loss=True)
    assert len(_rows(engine, LEGACY_ROWS)) == 300
