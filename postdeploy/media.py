"""The unified media API as the checks use it: tagged uploads and their cleanup."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from postdeploy.payloads import png

__all__ = ["MEDIA_PATH", "Uploaded", "delete_tagged", "upload_media"]

MEDIA_PATH = "/api/v2/media"
MAX_SWEEP_PAGES = 50


@dataclass(frozen=True)
class Uploaded:
    """One upload as the check sent it and as the service answered."""

    content: bytes
    filename: str
    content_type: str
    response: httpx.Response

    @property
    def metadata(self) -> dict[str, Any]:
        return self.response.json()

    @property
    def media_id(self) -> str:
        return str(self.metadata["id"])


def upload_media(
    client: httpx.Client,
    tag: str,
    content: bytes | None = None,
    *,
    filename: str = "postdeploy-check.png",
    content_type: str = "image/png",
) -> Uploaded:
    """Upload ``content`` (default: a fresh random PNG) tagged with ``tag``."""
    body = png() if content is None else content
    response = client.post(
        MEDIA_PATH, files={"file": (filename, body, content_type)}, data={"tags": tag}
    )
    return Uploaded(body, filename, content_type, response)


def delete_tagged(client: httpx.Client, tag: str) -> int:
    """Delete every media item carrying ``tag`` that ``client`` can see; return how many."""
    deleted: set[str] = set()
    for _ in range(MAX_SWEEP_PAGES):  # bounded: a service that ignores deletes can't trap us
        listing = client.get(MEDIA_PATH, params={"tag": tag, "limit": 200})
        if listing.status_code != 200:
            break
        ids = {str(item["id"]) for item in listing.json().get("items", [])} - deleted
        if not ids:
            break
        for media_id in ids:
            if client.delete(f"{MEDIA_PATH}/{media_id}").status_code in (204, 404):
                deleted.add(media_id)
        if not ids & deleted:
            break
    return len(deleted)
