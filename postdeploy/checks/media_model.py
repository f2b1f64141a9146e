"""The media service written down once: what must be true after any sequence of operations.

An in-memory reference of the promises in ``docs/legacy-api.md`` and the v2 API: which
items exist, who owns them, their bytes and metadata, their tags in order, which listing
shows which of them in which order with which total, what each legacy API calls them, and
what a download must answer for any ``Range`` / ``If-None-Match`` / ``If-Range``.

Pure: no HTTP here. :mod:`postdeploy.checks.model_run` drives the live target and asks
this model what every answer must be. The rules are restated from the documentation, not
imported from unimedia: an oracle that reused the code under test would agree with its
bugs.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from postdeploy.checks.model_payloads import Payload, Probed

__all__ = [
    "DEFAULT_TYPE",
    "LEGACY_KINDS",
    "Item",
    "MediaModel",
    "RangeAnswer",
    "clean_name",
    "expected_range",
    "kind_of",
    "legacy_repr",
    "normalise_type",
    "parse_created",
    "parse_tags",
    "v2_repr",
]

DEFAULT_TYPE = "application/octet-stream"
MAX_NAME = 255
MAX_TAGS = 32
MAX_TAG_LENGTH = 128
LEGACY_KINDS = ("image", "video", "document")
_DOCUMENT_TYPES = frozenset({
    "application/pdf", "application/msword", "application/rtf", "application/json",
    "application/xml", "application/epub+zip", "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
})  # fmt: skip
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DOCUMENT_PREFIXES = (
    "text/",
    "application/vnd.openxmlformats-officedocument.",
    "application/vnd.oasis.opendocument.",
)


def clean_name(raw: str | None) -> str:
    """The file name the service must keep: the last path component, without control
    characters, trimmed, at most 255 characters, ``upload`` when nothing is left."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return "upload" if name in {"", ".", ".."} else name[:MAX_NAME]


def normalise_type(raw: str | None) -> str:
    """The content type the service must report: the essence in lower case, parameters as
    sent; anything that is not a media type is ``application/octet-stream``."""
    if not raw or "/" not in raw or len(raw) > 255 or not raw.isprintable():
        return DEFAULT_TYPE
    essence, sep, params = raw.partition(";")
    return essence.strip().lower() + (sep + params if sep else "")


def kind_of(content_type: str) -> str:
    """The kind the legacy APIs split media by."""
    essence = content_type.split(";", 1)[0].strip().lower()
    if essence.startswith("image/"):
        return "image"
    if essence.startswith("video/"):
        return "video"
    if essence in _DOCUMENT_TYPES or essence.startswith(_DOCUMENT_PREFIXES):
        return "document"
    return "other"


def parse_tags(raw: str) -> list[str] | None:
    """The tags of an upload's ``tags`` field, trimmed, de-duplicated, in order; None when
    the service must refuse them (422)."""
    tags: list[str] = []
    for part in raw.split(","):
        tag = part.strip()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG_LENGTH or not tag.isprintable():
            return None
        tags.append(tag)
    return None if len(tags) > MAX_TAGS else tags


def parse_created(text: Any) -> datetime | None:
    """An ISO 8601 timestamp *with* its zone, or None."""
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.utcoffset() is not None else None


@dataclass(eq=False)
class Item:
    """One media item the model knows: what was sent, and what the service said once."""

    key: int
    owner: str
    filename: str
    content_type: str
    content: bytes
    tags: list[str]
    probed: Probed
    payload: Payload | None
    media_id: str = ""
    created_at: str = ""
    legacy_number: int | None = None
    alive: bool = True
    etag: str | None = None

    @property
    def kind(self) -> str:
        return kind_of(self.content_type)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def created(self) -> datetime | None:
        return parse_created(self.created_at)

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Newest first means: by ``created_at``, then by id (both descending)."""
        return (self.created or _EPOCH, self.media_id)


def v2_repr(item: Item) -> dict[str, Any]:
    """Every field of the v2 media object but ``created_at`` (compared as a time)."""
    return {
        "id": item.media_id,
        "filename": item.filename,
        "content_type": item.content_type,
        "kind": item.kind,
        "size": item.size,
        "sha256": item.sha256,
        "owner": item.owner,
        "tags": item.tags,
    }


#: kind → (id field, the time field) of its legacy representation.
LEGACY_ID_FIELD = {"image": "image_id", "video": "videoId", "document": "doc_id"}
LEGACY_TIME_FIELD = {"image": "uploaded_at", "video": "createdAt", "document": "created"}


def legacy_id(kind: str, number: int) -> str | int:
    return {"image": f"img_{number}", "video": number, "document": f"doc-{number}"}[kind]


def legacy_repr(item: Item) -> dict[str, Any]:
    """Every field of the item in its legacy API but the time field (compared as a time)."""
    assert item.legacy_number is not None  # noqa: S101 -- callers pick numbered items
    number, probed = item.legacy_number, item.probed
    if item.kind == "image":
        return {
            "image_id": f"img_{number}", "file_name": item.filename,
            "mime_type": item.content_type, "width": probed.width, "height": probed.height,
            "size_bytes": item.size, "checksum_sha256": item.sha256, "owner": item.owner,
        }  # fmt: skip
    if item.kind == "video":
        return {
            "videoId": number, "fileName": item.filename, "contentType": item.content_type,
            "sizeBytes": item.size, "durationSeconds": probed.duration_seconds,
            "sha256": item.sha256, "owner": item.owner,
        }  # fmt: skip
    return {
        "doc_id": f"doc-{number}", "title": item.filename, "content_type": item.content_type,
        "pages": probed.pages or 1, "bytes": item.size, "sha256": item.sha256,
        "owner": item.owner,
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class RangeAnswer:
    """What a download with these request headers must answer."""

    status: int  # 200, 206, 304, 400 or 416
    start: int = 0
    end: int = -1  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def _range(spec: str, size: int) -> RangeAnswer:
    unit, sep, ranges = spec.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return RangeAnswer(400)
    if "," in ranges:
        return RangeAnswer(200, 0, size - 1)  # several ranges: the whole file is allowed
    first, dash, last = ranges.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or (not first and not last) or not (first + last).isdigit():
        return RangeAnswer(400)
    if not first:  # the last N bytes
        suffix = int(last)
        if suffix == 0 or size == 0:
            return RangeAnswer(416)
        return RangeAnswer(206, max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return RangeAnswer(400)
    if start >= size:
        return RangeAnswer(416)
    end = min(int(last), size - 1) if last else size - 1
    return RangeAnswer(206, start, end)


def expected_range(
    size: int,
    etag: str,
    *,
    range_header: str | None = None,
    if_range: str | None = None,
    if_none_match: str | None = None,
) -> RangeAnswer:
    """The documented answer: If-None-Match first (304), then one Range (206, 400, 416)
    unless If-Range names another version, else the whole file."""
    if if_none_match is not None:
        tags = {tag.strip() for tag in if_none_match.split(",")}
        if etag in tags or "*" in tags:
            return RangeAnswer(304)
    if range_header is not None and (if_range is None or if_range.strip() == etag):
        return _range(range_header, size)
    return RangeAnswer(200, 0, size - 1)


@dataclass
class MediaModel:
    """The items one run of the model created, and what any listing of them must show."""

    items: list[Item] = field(default_factory=list)
    #: kind → the highest legacy number the service has shown us (it may never reissue one)
    highest_number: dict[str, int] = field(default_factory=dict)

    def add(self, item: Item) -> Item:
        self.items.append(item)
        return item

    @property
    def alive(self) -> list[Item]:
        return [item for item in self.items if item.alive]

    def visible(self, viewer: str, *, admin: bool) -> list[Item]:
        return [item for item in self.alive if admin or item.owner == viewer]

    def listing(
        self,
        viewer: str,
        *,
        admin: bool,
        tag: str,
        kind: str | None = None,
        owner: str | None = None,
    ) -> list[Item]:
        """The v2 listing filtered by ``tag``: newest first (``created_at``, then id)."""
        chosen = [
            item
            for item in self.visible(viewer, admin=admin)
            if tag in item.tags
            and (kind is None or item.kind == kind)
            and (owner is None or item.owner == owner)
        ]
        return sorted(chosen, key=lambda item: item.order_key, reverse=True)

    def numbered(self, kind: str) -> list[Item]:
        """Alive items of a legacy kind whose number the service has told us."""
        return [i for i in self.alive if i.kind == kind and i.legacy_number is not None]

    def by_media_id(self, media_id: str) -> Item | None:
        return next((item for item in self.items if item.media_id == media_id), None)

    def note_number(self, kind: str, number: int) -> None:
        self.highest_number[kind] = max(self.highest_number.get(kind, 0), number)
