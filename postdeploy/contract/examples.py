"""The example exchanges a contract baseline records and the contract stage replays.

Requests are templates: ``{media_id}``, ``{image_id}``, ``{videoId}``, ``{doc_id}`` are
filled with media the run creates (one item per kind, tagged, removed afterwards), so a
baseline recorded on one release replays on another, where ids differ.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from postdeploy.checks.legacy_api import LEGACY, find_legacy
from postdeploy.checks.media_api import MEDIA_PATH, upload_media
from postdeploy.checks.sample_files import mp4, pdf, png

__all__ = ["EXAMPLES", "Example", "example_media", "perform"]


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    path: str  # template
    params: dict[str, Any] = field(default_factory=dict)
    authenticated: bool = True
    method: str = "GET"  # production-safe: the replay only reads


EXAMPLES: tuple[Example, ...] = (
    Example("v2 media list", "/api/v2/media", {"limit": 5}),
    Example("v2 media item", "/api/v2/media/{media_id}"),
    Example("v1 image list", "/api/v1/images", {"per_page": 5}),
    Example("v1 image item", "/api/v1/images/{image_id}"),
    Example("v1 video list", "/api/v1/videos", {"limit": 5}),
    Example("v1 video item", "/api/v1/videos/{videoId}"),
    Example("v1 document list", "/api/v1/documents", {"limit": 5}),
    Example("v1 document item", "/api/v1/documents/{doc_id}"),
    Example("version", "/version", authenticated=False),
)


@contextmanager
def example_media(client: httpx.Client, tag: str) -> Iterator[dict[str, str]]:
    """Upload one item per kind through v2; yield the template values; delete them after."""
    created: list[str] = []
    try:
        values: dict[str, str] = {}
        for kind, body, ctype in (
            ("image", png(), "image/png"), ("video", mp4(), "video/mp4"),
            ("document", pdf(), "application/pdf"),
        ):  # fmt: skip
            uploaded = upload_media(
                client, tag, body, filename=f"contract.{kind}", content_type=ctype
            )
            uploaded.response.raise_for_status()
            created.append(uploaded.media_id)
            if kind == "image":
                values["media_id"] = uploaded.media_id
            legacy = LEGACY[kind]
            item = find_legacy(client, legacy, hashlib.sha256(body).hexdigest())
            if item is not None:
                name = {"image": "image_id", "video": "videoId", "document": "doc_id"}[kind]
                values[name] = str(item.get(legacy.id_field))
        yield values
    finally:
        for media_id in created:
            client.delete(f"{MEDIA_PATH}/{media_id}")


def perform(
    example: Example, user: httpx.Client, anonymous: httpx.Client, values: dict[str, str]
) -> tuple[str, httpx.Response]:
    """Send the example's request; return the concrete path and the response."""
    path = example.path.format(**values)
    client = user if example.authenticated else anonymous
    return path, client.request(example.method, path, params=example.params)
