"""The unified schema: users, media and their tags (SQLAlchemy 2 declarative).

Tags live in their own table rather than a comma string so that "exactly this tag" is an
indexed equality, not a LIKE pattern that ``%`` or ``_`` in a tag would break.

``Media.kind`` is what the legacy ``/api/v1/images|videos|documents`` views filter on, and
``(kind, legacy_id)`` is the integer id those views show: for a record migrated from the
old per-kind tables it *is* that table's id (so ids stay mappable across the unification
migration and its downgrade), for a new upload it is the next free number of its kind. The
old tables themselves live in :mod:`unimedia.legacy_models`; this module is the schema the
Alembic head revision creates.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from unimedia.accounts import Role


class Kind(StrEnum):
    IMAGE = "image"
    VIDEO = "video"
    DOCUMENT = "document"
    OTHER = "other"


_DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/msword",
        "application/rtf",
        "application/json",
        "application/xml",
        "application/epub+zip",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    }
)
_DOCUMENT_PREFIXES = (
    "text/",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)


def kind_of(content_type: str) -> Kind:
    """Classify a content type the way the legacy per-type APIs split media."""
    essence = content_type.split(";", 1)[0].strip().lower()
    if essence.startswith("image/"):
        return Kind.IMAGE
    if essence.startswith("video/"):
        return Kind.VIDEO
    if essence in _DOCUMENT_TYPES or essence.startswith(_DOCUMENT_PREFIXES):
        return Kind.DOCUMENT
    return Kind.OTHER


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC: SQLite drops the zone, and naive times compare
    wrongly with aware ones the moment a second database is in play."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _enum_values(enum_class: type[StrEnum]) -> list[str]:
    return [member.value for member in enum_class]


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        SAEnum(Role, native_enum=False, values_callable=_enum_values, length=16)
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (
        # A unique index rather than a constraint: the migration creates it after the bulk
        # copy (faster), which SQLite allows only for an index.
        Index("uq_media_kind_legacy_id", "kind", "legacy_id", unique=True),
        # "My newest media" is the hot query of every listing: owner filter + order.
        Index("ix_media_owner_created", "owner", "created_at"),
        Index("ix_media_kind_created", "kind", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    owner: Mapped[str] = mapped_column(
        String(64), ForeignKey("users.username", ondelete="RESTRICT"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    kind: Mapped[Kind] = mapped_column(
        SAEnum(Kind, native_enum=False, values_callable=_enum_values, length=16), index=True
    )
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    legacy_id: Mapped[int] = mapped_column(Integer)
    # What the legacy per-kind contracts report; None where the bytes did not tell.
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_seconds: Mapped[float | None] = mapped_column(Float, default=None)
    pages: Mapped[int | None] = mapped_column(Integer, default=None)

    tag_rows: Mapped[list[MediaTag]] = relationship(
        back_populates="media",
        cascade="all, delete-orphan",
        order_by="MediaTag.position",
        lazy="selectin",
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]


class MediaTag(Base):
    __tablename__ = "media_tags"

    media_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("media.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(128), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)

    media: Mapped[Media] = relationship(back_populates="tag_rows")


class LegacyNumber(Base):
    """The highest legacy number ever issued per kind.

    A legacy id (``vid_7``) is what old clients store and come back with; if it were
    "the highest existing number + 1", deleting the newest item would hand its number to the
    next upload, and a stale reference would silently name someone's new media (measured:
    the integration stage's own clean-up deleted another check's upload that way). Numbers
    are therefore issued from this high-water mark, which a delete never lowers.
    """

    __tablename__ = "legacy_numbers"

    kind: Mapped[Kind] = mapped_column(
        SAEnum(Kind, native_enum=False, values_callable=_enum_values, length=16),
        primary_key=True,
    )
    last_issued: Mapped[int] = mapped_column(Integer)
