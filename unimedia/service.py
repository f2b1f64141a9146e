"""Media operations shared by every API that serves the unified store.

The v2 routers and the legacy v1 routers call the same methods, which is why visibility
rules, the per-kind numbering and the blob reference counting live here and not in a
router. The faults that a shared query bug would cause (``listing_drops_records``,
``delete_ignored``, ``missing_authz``) are planted here too, so they show through every
API alike.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session

from unimedia.faults import FaultSet
from unimedia.media_properties import read_media_properties
from unimedia.models import Kind, LegacyNumber, Media, MediaTag, User, kind_of
from unimedia.storage import BlobStore

logger = logging.getLogger(__name__)

MAX_TAGS = 32
MAX_TAG_LENGTH = 128
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class MediaNotFound(LookupError):
    """No such media, or not visible to this user (the two are indistinguishable on purpose:
    answering 403 would confirm that someone else's id exists)."""


class InvalidTags(ValueError):
    pass


def parse_tags(raw: str | None) -> list[str]:
    """``"a, b,a"`` → ``["a", "b"]``: trimmed, de-duplicated, order kept."""
    tags: list[str] = []
    for part in (raw or "").split(","):
        tag = part.strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
            raise InvalidTags(f"tags must be printable and at most {MAX_TAG_LENGTH} characters")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidTags(f"at most {MAX_TAGS} tags per media")
    return tags


def normalise_content_type(raw: str | None) -> str:
    if not raw or "/" not in raw or len(raw) > 255 or not raw.isprintable():
        return DEFAULT_CONTENT_TYPE
    essence, sep, params = raw.partition(";")
    return essence.strip().lower() + (sep + params if sep else "")


class Order(StrEnum):
    """``NEWEST`` is the v2 listing; ``NUMBER`` (ascending per-kind id) the legacy ones."""

    NEWEST = "newest"
    NUMBER = "number"


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Media]
    total: int


class MediaService:
    """One request's view of the media store.

    ``blob_lock`` is shared by the whole app: it makes "put the blob in place and insert
    the row" and "delete the row and, if that was the last reference, the blob" atomic with
    respect to each other, so a delete can never remove a blob an upload just relied on.
    Within one process, that is; several processes on one data directory would need a
    file lock.
    """

    def __init__(
        self,
        session: Session,
        store: BlobStore,
        faults: FaultSet,
        blob_lock: threading.Lock,
    ) -> None:
        self._session = session
        self._store = store
        self._faults = faults
        self._lock = blob_lock

    def _visible(self, viewer: User) -> Select[tuple[Media]]:
        query = select(Media)
        return query if viewer.is_admin else query.where(Media.owner == viewer.username)

    def _readable(self, viewer: User) -> Select[tuple[Media]]:
        """What a by-id lookup may return. The ``missing_authz`` fault is the classic
        IDOR: listings still filter by owner, the lookup by id forgot to."""
        if self._faults.active("missing_authz"):
            return select(Media)
        return self._visible(viewer)

    def _next_number(self, kind: Kind) -> int:
        """The next legacy number of ``kind``, never one issued before (:class:`LegacyNumber`).

        Called under the blob lock, in the upload's transaction, so two uploads in this
        process never take the same number; the unique (kind, legacy_id) index catches any
        other writer. The highest number in use is still read: a writer that does not keep
        the mark (the previous release, during a rolling deploy) may have gone past it.
        The ``legacy_id_reuse`` fault is the naive "highest in use + 1".
        """
        in_use = self._session.scalar(select(func.max(Media.legacy_id)).where(Media.kind == kind))
        if self._faults.active("legacy_id_reuse"):
            return (in_use or 0) + 1
        mark = self._session.get(LegacyNumber, kind)
        number = max(in_use or 0, mark.last_issued if mark else 0) + 1
        if mark is None:
            self._session.add(LegacyNumber(kind=kind, last_issued=number))
        else:
            mark.last_issued = number
        return number

    def upload(
        self,
        *,
        owner: User,
        filename: str,
        content_type: str | None,
        stream: BinaryIO,
        tags: list[str],
        limit: int,
    ) -> Media:
        """Store the bytes and their metadata; raises BlobTooLarge or OSError."""
        staged = self._store.stage(stream, limit=limit)
        content_type = normalise_content_type(content_type)
        kind = kind_of(content_type)
        try:
            info = read_media_properties(staged.temp_path, kind)
        except BaseException:
            self._store.discard(staged)
            raise
        media = Media(
            owner=owner.username,
            filename=filename,
            content_type=content_type,
            kind=kind,
            size=staged.size,
            sha256=staged.sha256,
            width=info.width,
            height=info.height,
            duration_seconds=info.duration_seconds,
            pages=info.pages,
            tag_rows=[MediaTag(tag=tag, position=i) for i, tag in enumerate(tags)],
        )
        with self._lock:
            try:
                media.legacy_id = self._next_number(kind)
                self._store.commit(staged)
                self._session.add(media)
                self._session.commit()
            except BaseException:
                self._session.rollback()
                self._store.discard(staged)
                self._release_blob_if_unreferenced(staged.sha256)
                raise
        logger.info("stored media %s (%d bytes) for %s", media.id, media.size, owner.username)
        return media

    def list(
        self,
        *,
        viewer: User,
        kind: Kind | None = None,
        tag: str | None = None,
        owner: str | None = None,
        after_number: int | None = None,
        order: Order = Order.NEWEST,
        limit: int = 50,
        offset: int = 0,
        count: bool = True,
        order_sql: str | None = None,
    ) -> Page:
        """One page of the media ``viewer`` may see, newest first or by per-kind number.

        ``owner`` narrows the view (an ordinary user asking for someone else's gets an
        empty page, not an error); ``after_number`` is the legacy cursor (ascending order);
        ``count=False`` skips the total, which cursor paging never shows. ``order_sql`` is
        only ever given by the ``legacy_sort_injection`` fault: SQL text, spliced in as is.
        """
        query = self._visible(viewer)
        if kind is not None:
            query = query.where(Media.kind == kind)
        if tag is not None:
            query = query.where(Media.tag_rows.any(MediaTag.tag == tag))
        if owner is not None:
            query = query.where(Media.owner == owner)
        if after_number is not None:
            query = query.where(Media.legacy_id > after_number)
        total = (
            self._session.scalar(select(func.count()).select_from(query.subquery())) or 0
            if count
            else -1
        )
        if self._faults.active("listing_drops_records"):
            # The planted bug: an off-by-one in the paging offset hides the first record,
            # and the count is "corrected" to match.
            offset, total = offset + 1, max(total - 1, 0) if count else total
        ordering = (
            (Media.created_at.desc(), Media.id.desc())
            if order is Order.NEWEST
            else (Media.legacy_id.asc(),)
        )
        if order_sql is not None:
            # The planted bug (legacy_sort_injection): a client's text becomes SQL.
            ordering = (text(order_sql),)
        rows = self._session.scalars(query.order_by(*ordering).limit(limit).offset(offset))
        return Page(list(rows), total)

    def get(self, *, viewer: User, media_id: str) -> Media:
        media = self._session.scalar(self._readable(viewer).where(Media.id == media_id))
        if media is None:
            raise MediaNotFound(media_id)
        return media

    def get_by_number(self, *, viewer: User, kind: Kind, number: int) -> Media:
        """The media a legacy id names: ``img_7`` is image number 7."""
        media = self._session.scalar(
            self._readable(viewer).where(Media.kind == kind, Media.legacy_id == number)
        )
        if media is None:
            raise MediaNotFound(f"{kind.value} {number}")
        return media

    def delete(self, *, viewer: User, media_id: str) -> None:
        self.remove(self.get(viewer=viewer, media_id=media_id))

    def remove(self, media: Media) -> None:
        """Delete media already looked up (with the viewer's rights) and maybe its blob."""
        if self._faults.active("delete_ignored"):
            return  # the planted bug: the delete is acknowledged and forgotten
        with self._lock:
            self._session.delete(media)
            self._session.commit()
            if self._faults.active("shared_blob_deleted"):
                self._store.delete(media.sha256)  # the planted bug: no reference count
            self._release_blob_if_unreferenced(media.sha256)

    def _release_blob_if_unreferenced(self, sha256: str) -> None:
        references = self._session.scalar(
            select(func.count()).select_from(Media).where(Media.sha256 == sha256)
        )
        if not references:
            self._store.delete(sha256)
