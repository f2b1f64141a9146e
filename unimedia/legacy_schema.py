"""The pre-unification schema: one table per kind (images, videos, documents).

Frozen, as the old system left it: the Alembic revisions create it (``0001``) and recreate it
on downgrade (``0002``), and the legacy seeder fills it. Blobs were already stored by
SHA-256 in the same content-addressed layout the unified store uses, so the unification
is a database migration only; the bytes never move.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()


def _common(name: str, *extra: Column[object]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner", String(64), ForeignKey("users.username"), nullable=False, index=True),
        Column("filename", String(255), nullable=False),
        Column("content_type", String(255), nullable=False),
        Column("size", Integer, nullable=False),
        Column("sha256", String(64), nullable=False),
        *extra,
        Column("created_at", DateTime, nullable=False),
    )


# Only here so the foreign keys resolve; revision 0001 creates the real users table.
users_stub = Table("users", metadata, Column("username", String(64), primary_key=True))

images = _common(
    "images", Column("width", Integer, nullable=True), Column("height", Integer, nullable=True)
)
videos = _common("videos", Column("duration_seconds", Float, nullable=True))
documents = _common("documents", Column("pages", Integer, nullable=False, server_default="1"))

#: kind name (as in ``media.kind``) → its legacy table, in migration order.
TABLES: dict[str, Table] = {"image": images, "video": videos, "document": documents}
#: kind → the digit that makes migrated ids recognisable (see revision 0002).
KIND_CODES: dict[str, int] = {"image": 1, "video": 2, "document": 3}
