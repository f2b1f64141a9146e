"""What the media page shows, computed from query parameters and one service call.

Kept apart from the routes so that paging arithmetic and parameter leniency are plain
functions: a hand-edited ``?page=abc`` or ``?kind=nonsense`` in the address bar gets a
sensible page, not a JSON validation error in the browser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from unimedia.models import Kind, Media, User
from unimedia.service import MediaService

PAGE_SIZE = 10
MAX_PAGE = 1_000_000

#: The kind filter's options: (query value, label). "" is "All".
KIND_OPTIONS: tuple[tuple[str, str], ...] = (
    ("", "All"),
    (Kind.IMAGE.value, "Images"),
    (Kind.VIDEO.value, "Videos"),
    (Kind.DOCUMENT.value, "Documents"),
)
_KIND_VALUES = frozenset(value for value, _label in KIND_OPTIONS if value)


def parse_page(raw: str | None) -> int:
    """``?page=``: a positive integer, anything else is page 1."""
    try:
        page = int(raw or "1")
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


def parse_kind(raw: str | None) -> Kind | None:
    """``?kind=``: one of the filter's options, anything else is "All"."""
    return Kind(raw) if raw in _KIND_VALUES else None


def page_url(page: int, kind: Kind | None) -> str:
    query: dict[str, str | int] = {}
    if page > 1:
        query["page"] = page
    if kind is not None:
        query["kind"] = kind.value
    return "/?" + urlencode(query) if query else "/"


def human_size(size: int) -> str:
    """``1536`` → ``1.5 KB``: what a person reads; the exact count goes in a title."""
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    name: str
    kind: str
    size: int
    size_text: str
    uploaded: datetime
    owner: str

    @classmethod
    def of(cls, media: Media) -> Row:
        return cls(
            id=media.id,
            name=media.filename,
            kind=media.kind.value,
            size=media.size,
            size_text=human_size(media.size),
            uploaded=media.created_at,
            owner=media.owner,
        )


@dataclass(frozen=True, slots=True)
class MediaListing:
    """One page of the list, with what the pager and the filter need."""

    rows: list[Row]
    total: int
    page: int
    pages: int
    kind: Kind | None

    @property
    def first_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * PAGE_SIZE + len(self.rows)

    @property
    def previous_url(self) -> str | None:
        return page_url(self.page - 1, self.kind) if self.page > 1 else None

    @property
    def next_url(self) -> str | None:
        return page_url(self.page + 1, self.kind) if self.page < self.pages else None

    @property
    def current_url(self) -> str:
        return page_url(self.page, self.kind)


def load_listing(
    service: MediaService, viewer: User, *, page: int, kind: Kind | None
) -> MediaListing:
    """The requested page; past the end (say, after deleting the last row of the last page)
    it is the last page instead of an empty one."""
    result = service.list(viewer=viewer, kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(math.ceil(result.total / PAGE_SIZE), 1)
    if page > pages:
        page = pages
        result = service.list(
            viewer=viewer, kind=kind, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
    return MediaListing([Row.of(m) for m in result.items], result.total, page, pages, kind)
