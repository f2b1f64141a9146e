"""Every user workflow through the unified API (v2): upload of each kind, listing with
paging and filters, metadata, download with Range and ETag, delete."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from integration_media import KINDS, Made

from postdeploy.checks import fails_as
from postdeploy.checks.media_api import MEDIA_PATH as MEDIA

pytestmark = pytest.mark.integration

V2_FIELDS = {"id", "filename", "content_type", "kind", "size", "sha256", "owner", "tags",
             "created_at"}  # fmt: skip


def _listed(client: httpx.Client, **params: object) -> tuple[list[str], int]:
    response = client.get(MEDIA, params=params)
    assert response.status_code == 200, f"listing answered HTTP {response.status_code}"
    body = response.json()
    return [str(item["id"]) for item in body["items"]], int(body["total"])


@pytest.mark.parametrize("kind", KINDS)
def test_upload_of_each_kind_is_described_exactly(
    make: Callable[..., Made], kind: str, postdeploy_run_tag: str
) -> None:
    """Uploads of every kind are stored and described as sent"""
    made = make(kind)
    body = made.body
    with fails_as("critical_error", "high", "v2 media objects keep their documented fields"):
        assert set(body) >= V2_FIELDS, f"fields missing: {sorted(V2_FIELDS - set(body))}"
        assert body["kind"] == kind
    with fails_as("data_loss", "high"):
        assert body["size"] == len(made.content)
        assert body["sha256"] == made.sha256
        assert body["filename"] == made.filename
        assert body["content_type"] == made.content_type
        assert postdeploy_run_tag in body["tags"]


@pytest.mark.gate(trigger="data_loss", severity="high")
def test_listing_pages_through_every_upload(
    make: Callable[..., Made], postdeploy_user: httpx.Client
) -> None:
    """Paging through a listing returns every item exactly once"""
    tag = f"postdeploy-page-{uuid.uuid4().hex[:8]}"
    made = {make(kind, tags=tag).media_id for kind in (*KINDS, "image", "image")}
    seen: list[str] = []
    for offset in range(0, 10, 2):
        ids, total = _listed(postdeploy_user, tag=tag, limit=2, offset=offset)
        assert total == len(made), f"listing total says {total}, {len(made)} were uploaded"
        seen += ids
    assert len(seen) == len(set(seen)), f"items listed twice: {seen}"
    assert set(seen) == made, f"missing from the listing: {sorted(made - set(seen))}"


@pytest.mark.gate(trigger="user_impact", severity="high")
def test_listing_filters_by_kind(make: Callable[..., Made], postdeploy_user: httpx.Client) -> None:
    """The kind filter returns that kind only"""
    tag = f"postdeploy-kind-{uuid.uuid4().hex[:8]}"
    made = {kind: make(kind, tags=tag).media_id for kind in KINDS}
    for kind, media_id in made.items():
        ids, _ = _listed(postdeploy_user, tag=tag, kind=kind, limit=50)
        assert ids == [media_id], f"kind={kind} listed {ids}, expected [{media_id}]"


@pytest.mark.gate(trigger="data_loss", severity="high")
def test_metadata_matches_the_upload(
    make: Callable[..., Made], postdeploy_user: httpx.Client
) -> None:
    """Metadata read back equals what the upload answered"""
    made = make("document")
    response = postdeploy_user.get(f"{MEDIA}/{made.media_id}")
    assert response.status_code == 200, f"metadata answered HTTP {response.status_code}"
    assert response.json() == made.body


@pytest.mark.gate(trigger="data_loss", severity="critical")
@pytest.mark.parametrize("kind", KINDS)
def test_download_is_byte_identical(
    make: Callable[..., Made], postdeploy_user: httpx.Client, kind: str
) -> None:
    """Downloads return exactly the uploaded bytes"""
    made = make(kind)
    response = postdeploy_user.get(f"{MEDIA}/{made.media_id}/content")
    assert response.status_code == 200, f"download answered HTTP {response.status_code}"
    got = response.content
    assert len(got) == len(made.content), f"{len(got)} bytes back, {len(made.content)} sent"
    assert got == made.content, "downloaded bytes differ from the upload"


@pytest.mark.gate(trigger="data_loss", severity="high")
def test_download_honours_range_and_etag(
    make: Callable[..., Made], postdeploy_user: httpx.Client
) -> None:
    """Range requests return exactly the asked bytes; ETag revalidation answers 304"""
    made = make("image")
    url = f"{MEDIA}/{made.media_id}/content"
    ranged = postdeploy_user.get(url, headers={"Range": "bytes=5-104"})
    assert ranged.status_code == 206, f"Range answered HTTP {ranged.status_code}"
    assert ranged.headers.get("content-range") == f"bytes 5-104/{len(made.content)}"
    assert ranged.content == made.content[5:105], "ranged bytes differ from the upload"
    full = postdeploy_user.get(url)
    etag = full.headers.get("etag")
    assert etag, "no ETag on a download"
    again = postdeploy_user.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304, f"If-None-Match answered HTTP {again.status_code}"


@pytest.mark.gate(trigger="user_impact", severity="high")
def test_delete_removes_media_everywhere(
    make: Callable[..., Made], postdeploy_user: httpx.Client
) -> None:
    """A deleted item is gone from metadata, content and listing"""
    tag = f"postdeploy-del-{uuid.uuid4().hex[:8]}"
    made = make("video", tags=tag)
    deleted = postdeploy_user.delete(f"{MEDIA}/{made.media_id}")
    assert deleted.status_code == 204, f"delete answered HTTP {deleted.status_code}"
    for path in (f"{MEDIA}/{made.media_id}", f"{MEDIA}/{made.media_id}/content"):
        status = postdeploy_user.get(path).status_code
        assert status == 404, f"GET {path} answered HTTP {status} after delete"
    ids, total = _listed(postdeploy_user, tag=tag)
    assert (ids, total) == ([], 0), f"still listed after delete: {ids}"
