"""The unified media API as the checks use it: tagged uploads and their cleanup."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from postdeploy.checks.sample_files import png

__all__ = [
    "MARKER_TAG",
    "MEDIA_PATH",
    "OwnedMedia",
    "Uploaded",
    "check_filename",
    "delete_tagged",
    "delete_tagged_quietly",
    "run_id_of",
    "sweep_leftovers",
    "upload_media",
]

log = logging.getLogger(__name__)

MEDIA_PATH = "/api/v2/media"
MAX_SWEEP_PAGES = 50
#: Carried by every write of every run beside the run's own tag, so that the leftovers of
#: any earlier run can be found with one exact-tag listing.
MARKER_TAG = "postdeploy"
#: Recent media scanned for untaggable leftovers (legacy v1 uploads carry no tags; their
#: file name carries the run id instead).
RECENT_SCAN = 200
_RUN_ID = re.compile(r"(?:postdeploy-run=|postdeploy-)(\d{8}T\d{6}Z-[0-9a-f]{4})")


@dataclass(frozen=True, slots=True)
class OwnedMedia:
    """A media item this run created, and who owns it (what authorization checks try to
    reach as someone else)."""

    media_id: str
    owner: str


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
        MEDIA_PATH,
        files={"file": (filename, body, content_type)},
        data={"tags": f"{MARKER_TAG},{tag}"},
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


def delete_tagged_quietly(client: httpx.Client, tag: str) -> int:
    """:func:`delete_tagged` for clean-up after checks: a target that cannot be reached any
    more is logged, not raised — the checks' own outcome is what matters then."""
    try:
        return delete_tagged(client, tag)
    except httpx.HTTPError as exc:
        log.warning("could not delete media tagged %s: %s", tag, exc)
        return 0


def check_filename(run_id: str, name: str) -> str:
    """A file name that carries the run id: how an untaggable (v1) upload is traced back."""
    return f"postdeploy-{run_id}-{name}"


def run_id_of(text: str) -> str | None:
    """The run id in a tag (``postdeploy-run=<id>``) or a check's file name, if any."""
    match = _RUN_ID.search(text)
    return match.group(1) if match else None


def _started(run_id: str) -> datetime:
    stamp = run_id.split("-", 1)[0]
    return datetime(
        int(stamp[0:4]), int(stamp[4:6]), int(stamp[6:8]),
        int(stamp[9:11]), int(stamp[11:13]), int(stamp[13:15]), tzinfo=UTC,
    )  # fmt: skip


def sweep_leftovers(
    admin: httpx.Client, current_run_id: str, *, older_than_s: float, now: datetime | None = None
) -> list[str]:
    """Delete what earlier runs left behind; return the ids deleted.

    A leftover is media tagged :data:`MARKER_TAG` (or, among the newest, named by
    :func:`check_filename`) whose run id is not ours and started more than ``older_than_s``
    ago — so a second run going on at the same time keeps its data. Bounded: a few pages.
    """
    now = now or datetime.now(UTC)
    candidates: dict[str, str] = {}
    for params in ({"tag": MARKER_TAG, "limit": 200}, {"limit": RECENT_SCAN}):
        listing = admin.get(MEDIA_PATH, params=params)
        if listing.status_code != 200:
            continue
        for item in listing.json().get("items", []):
            texts = [*item.get("tags", []), str(item.get("filename", ""))]
            run_id = next((found for t in texts if (found := run_id_of(t))), None)
            if run_id and run_id != current_run_id:
                candidates[str(item["id"])] = run_id
    deleted = []
    for media_id, run_id in candidates.items():
        try:
            age = (now - _started(run_id)).total_seconds()
        except ValueError:
            continue
        if age >= older_than_s and admin.delete(f"{MEDIA_PATH}/{media_id}").status_code in (
            204,
            404,
        ):
            deleted.append(media_id)
    return deleted
