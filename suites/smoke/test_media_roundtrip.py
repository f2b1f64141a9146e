"""Upload → list → metadata → download → delete: the unified API's core promise.

Each step is its own check with its own upload, so one broken step does not hide another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import httpx
import pytest

from postdeploy.checks import fails_as
from postdeploy.checks.media_api import MEDIA_PATH as MEDIA
from postdeploy.checks.media_api import Uploaded

pytestmark = pytest.mark.smoke


def _accepted(upload: Callable[..., Uploaded]) -> Uploaded:
    with fails_as("critical_error", "critical", "Uploads are accepted"):
        uploaded = upload()
        status = uploaded.response.status_code
        assert status == 201, f"upload answered HTTP {status}: {uploaded.response.text[:300]}"
    return uploaded


def test_upload_is_accepted_with_matching_metadata(upload: Callable[..., Uploaded]) -> None:
    """An upload is accepted and described correctly"""
    uploaded = _accepted(upload)
    metadata = uploaded.metadata
    with fails_as("data_loss", "high"):
        assert metadata["size"] == len(uploaded.content)
        assert metadata["sha256"] == hashlib.sha256(uploaded.content).hexdigest()


@pytest.mark.gate(trigger="data_loss", severity="high")
def test_upload_appears_in_listing(
    upload: Callable[..., Uploaded], postdeploy_user: httpx.Client, postdeploy_run_tag: str
) -> None:
    """Uploaded media appears in the owner's listing"""
    uploaded = _accepted(upload)
    response = postdeploy_user.get(MEDIA, params={"tag": postdeploy_run_tag, "limit": 200})
    assert response.status_code == 200, f"listing answered HTTP {response.status_code}"
    listed = {str(item["id"]) for item in response.json()["items"]}
    assert uploaded.media_id in listed, f"media {uploaded.media_id} missing from the listing"


@pytest.mark.gate(trigger="data_loss", severity="high")
def test_metadata_matches_upload(
    upload: Callable[..., Uploaded], postdeploy_user: httpx.Client
) -> None:
    """Stored metadata matches what was uploaded"""
    uploaded = _accepted(upload)
    response = postdeploy_user.get(f"{MEDIA}/{uploaded.media_id}")
    assert response.status_code == 200, f"metadata answered HTTP {response.status_code}"
    metadata = response.json()
    sent = uploaded.content
    expected = {
        "size": len(sent),
        "sha256": hashlib.sha256(sent).hexdigest(),
        "content_type": uploaded.content_type,
        "filename": uploaded.filename,
    }
    actual = {key: metadata.get(key) for key in expected}
    assert actual == expected


@pytest.mark.gate(trigger="data_loss", severity="critical")
def test_download_returns_identical_bytes(
    upload: Callable[..., Uploaded], postdeploy_user: httpx.Client
) -> None:
    """Downloaded media is byte-for-byte what was uploaded"""
    uploaded = _accepted(upload)
    response = postdeploy_user.get(f"{MEDIA}/{uploaded.media_id}/content")
    assert response.status_code == 200, f"download answered HTTP {response.status_code}"
    sent = uploaded.content
    got = response.content
    assert got == sent, (
        f"downloaded {len(got)} bytes (sha256 {hashlib.sha256(got).hexdigest()[:16]}…), "
        f"uploaded {len(sent)} bytes (sha256 {hashlib.sha256(sent).hexdigest()[:16]}…)"
    )


@pytest.mark.gate(trigger="user_impact", severity="high")
def test_delete_removes_media(
    upload: Callable[..., Uploaded], postdeploy_user: httpx.Client, postdeploy_run_tag: str
) -> None:
    """Deleted media is gone"""
    uploaded = _accepted(upload)
    media = f"{MEDIA}/{uploaded.media_id}"
    response = postdeploy_user.delete(media)
    assert response.status_code == 204, f"delete answered HTTP {response.status_code}"
    after = postdeploy_user.get(media)
    assert after.status_code == 404, f"deleted media still answers HTTP {after.status_code}"
    listing = postdeploy_user.get(MEDIA, params={"tag": postdeploy_run_tag, "limit": 200})
    listed = {str(item["id"]) for item in listing.json()["items"]}
    assert uploaded.media_id not in listed, "deleted media still listed"
