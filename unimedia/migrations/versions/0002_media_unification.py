"""Media unification: the three per-kind tables become one ``media`` table.

Revision ID: 0002_unified
Revises: 0001_legacy
Create Date: 2024-06-01

Upgrade copies every legacy row with one ``INSERT … SELECT`` per kind (no ORM, no row
loop: 100 000 records take about a second), keeping the legacy id in ``legacy_id``. The
unified id of a migrated record is derived from kind and legacy id
(``00000000-0000-4000-800<k>-<legacy id, 12 digits>``), so it is the same on every run and
mappable both ways. Indexes are built after the copy.

Downgrade recreates the per-kind tables and copies back (legacy id → id). What the old
schema cannot hold is kept in two side tables the old system ignores: the unified id of
each record (so media uploaded after the unification keeps its v2 uuid through a
downgrade and re-upgrade) and the tags. Media of kind ``other`` has no legacy table: the
downgrade refuses to drop it unless ``allow_loss`` is set (``unimedia db downgrade
--allow-loss``).

The ``migration_drops_records`` fault is planted in :func:`upgrade`.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from unimedia import legacy_schema
from unimedia.faults import FaultSet

revision = "0002_unified"
down_revision = "0001_legacy"
branch_labels = None
depends_on = None

logger = logging.getLogger("unimedia.migrations")

ID_MAP = "unification_backup_ids"
TAG_BACKUP = "unification_backup_tags"
_EXTRA_COLUMNS = {
    "image": ("width", "height"),
    "video": ("duration_seconds",),
    "document": ("pages",),
}
_ALL_EXTRA = ("width", "height", "duration_seconds", "pages")


class DowngradeWouldLoseData(RuntimeError):
    """Media the legacy schema cannot hold exists, and loss was not allowed."""


def _derived_id(dialect: str, kind: str, id_column: str) -> str:
    prefix = f"'00000000-0000-4000-800{legacy_schema.KIND_CODES[kind]}-'"
    if dialect == "sqlite":
        return f"{prefix} || printf('%012d', {id_column})"
    return f"{prefix} || lpad(CAST({id_column} AS VARCHAR), 12, '0')"


def _create_unified_tables() -> None:
    op.create_table(
        "media",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "owner",
            sa.String(64),
            sa.ForeignKey("users.username", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(255), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("legacy_id", sa.Integer, nullable=False),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("duration_seconds", sa.Float, nullable=True),
        sa.Column("pages", sa.Integer, nullable=True),
    )
    op.create_table(
        "media_tags",
        sa.Column(
            "media_id",
            sa.String(36),
            sa.ForeignKey("media.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )


def _create_unified_indexes() -> None:
    op.create_index("uq_media_kind_legacy_id", "media", ["kind", "legacy_id"], unique=True)
    op.create_index("ix_media_owner", "media", ["owner"])
    op.create_index("ix_media_kind", "media", ["kind"])
    op.create_index("ix_media_sha256", "media", ["sha256"])
    op.create_index("ix_media_created_at", "media", ["created_at"])
    op.create_index("ix_media_owner_created", "media", ["owner", "created_at"])
    op.create_index("ix_media_kind_created", "media", ["kind", "created_at"])
    op.create_index("ix_media_tags_tag", "media_tags", ["tag"])


def _faults() -> FaultSet:
    faults = op.get_context().config.attributes.get("faults")
    return faults if isinstance(faults, FaultSet) else FaultSet.none()


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    existing = set(sa.inspect(bind).get_table_names())
    has_map = ID_MAP in existing
    faults = _faults()
    every = (
        int(faults.param_float("migration_drops_records"))
        if faults.active("migration_drops_records")
        else 0
    )
    _create_unified_tables()
    for kind, table in legacy_schema.TABLES.items():
        extra = ", ".join(
            f"t.{column}" if column in _EXTRA_COLUMNS[kind] else "NULL" for column in _ALL_EXTRA
        )
        derived = _derived_id(dialect, kind, "t.id")
        unified_id = f"COALESCE(m.unified_id, {derived})" if has_map else derived
        join = (
            f" LEFT JOIN {ID_MAP} m ON m.kind = '{kind}' AND m.legacy_id = t.id" if has_map else ""
        )
        # The planted bug of ``migration_drops_records``: a "skip broken rows" filter that
        # matches healthy ones; nothing is logged.
        where = f" WHERE t.id % {every} != 0" if every else ""
        op.execute(
            f"INSERT INTO media (id, owner, filename, content_type, kind, size, sha256, "  # noqa: S608 -- identifiers from code, no input
            f"created_at, legacy_id, {', '.join(_ALL_EXTRA)}) "
            f"SELECT {unified_id}, t.owner, t.filename, t.content_type, '{kind}', t.size, "
            f"t.sha256, t.created_at, t.id, {extra} FROM {table.name} t{join}{where}"
        )
    if TAG_BACKUP in existing:
        op.execute(
            f"INSERT INTO media_tags (media_id, tag, position) "  # noqa: S608 -- constants only
            f"SELECT media.id, b.tag, b.position FROM {TAG_BACKUP} b "
            f"JOIN media ON media.kind = b.kind AND media.legacy_id = b.legacy_id"
        )
    for backup in (ID_MAP, TAG_BACKUP):
        if backup in existing:
            op.drop_table(backup)
    for table in reversed(legacy_schema.TABLES.values()):
        op.drop_table(table.name)
    _create_unified_indexes()


def downgrade() -> None:
    bind = op.get_bind()
    others = bind.execute(sa.text("SELECT count(*) FROM media WHERE kind = 'other'")).scalar_one()
    if others and not op.get_context().config.attributes.get("allow_loss"):
        raise DowngradeWouldLoseData(
            f"{others} media of kind 'other' have no table in the legacy schema; "
            "downgrading would delete them (allow it with --allow-loss)"
        )
    if others:
        logger.warning("downgrade drops %d media of kind 'other'", others)
    legacy_schema.metadata.create_all(bind, tables=list(legacy_schema.TABLES.values()))
    for kind, table in legacy_schema.TABLES.items():
        columns = ", ".join(_EXTRA_COLUMNS[kind])
        values = ", ".join(
            "COALESCE(pages, 1)" if column == "pages" else column for column in _EXTRA_COLUMNS[kind]
        )
        op.execute(
            f"INSERT INTO {table.name} (id, owner, filename, content_type, size, sha256, "  # noqa: S608 -- constants only
            f"{columns}, created_at) SELECT legacy_id, owner, filename, content_type, size, "
            f"sha256, {values}, created_at FROM media WHERE kind = '{kind}'"
        )
    op.create_table(
        ID_MAP,
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("legacy_id", sa.Integer, primary_key=True),
        sa.Column("unified_id", sa.String(36), nullable=False),
    )
    op.create_table(
        TAG_BACKUP,
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("legacy_id", sa.Integer, primary_key=True),
        sa.Column("tag", sa.String(128), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.execute(
        f"INSERT INTO {ID_MAP} (kind, legacy_id, unified_id) "  # noqa: S608 -- constants only
        "SELECT kind, legacy_id, id FROM media WHERE kind != 'other'"
    )
    op.execute(
        f"INSERT INTO {TAG_BACKUP} (kind, legacy_id, tag, position) "  # noqa: S608 -- constants
        "SELECT media.kind, media.legacy_id, media_tags.tag, media_tags.position "
        "FROM media_tags JOIN media ON media.id = media_tags.media_id "
        "WHERE media.kind != 'other'"
    )
    op.drop_table("media_tags")
    op.drop_table("media")
