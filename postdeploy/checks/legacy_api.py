"""The legacy v1 APIs as the checks use them: one description per kind, lookups by checksum.

The three old services differ (ids, field names, paging); this table is the one place
that knows how, so a check can say "upload a video through v1 and find it again" without
repeating each service's quirks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["LEGACY", "LegacyKind", "delete_legacy_if_ours", "find_legacy"]

MAX_PAGES = 20


@dataclass(frozen=True, slots=True)
class LegacyKind:
    """How one legacy API names things."""

    kind: str  # the v2 kind
    base: str  # collection path
    file_field: str  # multipart field of an upload
    id_field: str
    name_field: str
    sha_field: str
    content_suffix: str  # download path after the id
    fields: frozenset[str]  # every field of one item, exactly (the frozen contract)
    deleted_status: int

    def item_path(self, legacy_id: Any) -> str:
        return f"{self.base}/{legacy_id}"


LEGACY: dict[str, LegacyKind] = {
    "image": LegacyKind(
        "image", "/api/v1/images", "image", "image_id", "file_name", "checksum_sha256", "file",
        frozenset({"image_id", "file_name", "mime_type", "width", "height", "size_bytes",
                   "checksum_sha256", "owner", "uploaded_at"}),
        200,
    ),
    "video": LegacyKind(
        "video", "/api/v1/videos", "video", "videoId", "fileName", "sha256", "stream",
        frozenset({"videoId", "fileName", "contentType", "sizeBytes", "durationSeconds",
                   "sha256", "owner", "createdAt"}),
        204,
    ),
    "document": LegacyKind(
        "document", "/api/v1/documents", "document", "doc_id", "title", "sha256", "download",
        frozenset({"doc_id", "title", "content_type", "pages", "bytes", "sha256", "owner",
                   "created"}),
        204,
    ),
}  # fmt: skip


def _items(kind: LegacyKind, body: dict[str, Any]) -> list[dict[str, Any]]:
    key = {"image": "images", "video": "videos", "document": "results"}[kind.kind]
    return list(body.get(key, []))


def find_legacy(client: httpx.Client, kind: LegacyKind, sha256: str) -> dict[str, Any] | None:
    """The caller's legacy item with this checksum, or None. Newest items are numbered
    highest, so the search starts at the end where the old API lets it (bounded)."""
    if kind.kind == "image":
        first = client.get(kind.base, params={"per_page": 100})
        first.raise_for_status()
        pages = max(1, math.ceil(first.json()["total_count"] / 100))
        candidates = range(pages, max(0, pages - MAX_PAGES), -1)
        for page in candidates:
            body = client.get(kind.base, params={"per_page": 100, "page": page}).json()
            found = _match(kind, _items(kind, body), sha256)
            if found:
                return found
        return None
    if kind.kind == "document":
        first = client.get(kind.base, params={"limit": 1})
        first.raise_for_status()
        count = first.json()["count"]
        for step in range(MAX_PAGES):
            offset = max(0, count - 100 * (step + 1))
            body = client.get(kind.base, params={"offset": offset, "limit": 100}).json()
            found = _match(kind, _items(kind, body), sha256)
            if found or offset == 0:
                return found
        return None
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        params: dict[str, Any] = {"limit": 100}
        if cursor:
            params["cursor"] = cursor
        response = client.get(kind.base, params=params)
        response.raise_for_status()
        body = response.json()
        found = _match(kind, _items(kind, body), sha256)
        if found or not body.get("nextCursor"):
            return found
        cursor = body["nextCursor"]
    return None


def _match(kind: LegacyKind, items: list[dict[str, Any]], sha256: str) -> dict[str, Any] | None:
    return next((item for item in items if item.get(kind.sha_field) == sha256), None)


def delete_legacy_if_ours(
    client: httpx.Client, kind: LegacyKind, legacy_id: Any, sha256: str
) -> bool:
    """Delete a v1 item by id only if it still holds the bytes we uploaded; True if deleted.

    A legacy id is a small per-kind number. A service that hands a freed number to the next
    upload (the ``legacy_id_reuse`` fault; plain "max + 1" numbering) would otherwise let a
    clean-up delete whatever now answers to it — on production, a customer's file.
    """
    path = kind.item_path(legacy_id)
    current = client.get(path)
    if current.status_code != 200 or current.json().get(kind.sha_field) != sha256:
        return False
    return client.delete(path).status_code == kind.deleted_status
