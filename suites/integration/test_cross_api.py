"""Cross-API: what is uploaded through v2 is visible through v1 in the legacy shape, and the
reverse; a delete through either API is gone from both."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from integration_media import KINDS, Made

from postdeploy.checks import fails_as
from postdeploy.checks.legacy_api import LEGACY, LegacyKind, find_legacy
from postdeploy.checks.media_api import MEDIA_PATH as MEDIA

pytestmark = pytest.mark.integration

_ID_SHAPES: dict[str, Callable[[Any], bool]] = {
    "image": lambda v: isinstance(v, str) and re.fullmatch(r"img_[1-9][0-9]*", v) is not None,
    "video": lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 1,
    "document": lambda v: isinstance(v, str) and re.fullmatch(r"doc-[1-9][0-9]*", v) is not None,
}


def assert_legacy_shape(kind: LegacyKind, item: dict[str, Any], made: Made) -> None:
    """The frozen v1 contract: exactly these fields, the id in its old form, same bytes."""
    with fails_as("critical_error", "high", f"The legacy {kind.kind} API keeps its contract"):
        missing, extra = kind.fields - set(item), set(item) - kind.fields
        assert (missing, extra) == (set(), set()), "fields missing/extra vs the frozen contract"
        assert _ID_SHAPES[kind.kind](item[kind.id_field]), (
            f"{kind.id_field}={item[kind.id_field]!r} is not in the legacy id format"
        )
    with fails_as("data_loss", "high"):
        assert item[kind.name_field] == made.filename
        assert item[kind.sha_field] == made.sha256


def _v2_item(client: httpx.Client, kind: str, sha256: str) -> dict[str, Any] | None:
    response = client.get(MEDIA, params={"kind": kind, "limit": 100})
    assert response.status_code == 200, f"v2 listing answered HTTP {response.status_code}"
    return next((i for i in response.json()["items"] if i.get("sha256") == sha256), None)


@pytest.mark.gate(trigger="user_impact", severity="high")
@pytest.mark.parametrize("kind", KINDS)
def test_v2_upload_is_visible_through_v1(
    make: Callable[..., Made], postdeploy_user: httpx.Client, kind: str
) -> None:
    """Media uploaded through v2 is served by the legacy API, in the legacy shape"""
    made = make(kind)
    legacy = LEGACY[kind]
    listed = find_legacy(postdeploy_user, legacy, made.sha256)
    assert listed is not None, f"v2 upload {made.media_id} not listed by {legacy.base}"
    assert_legacy_shape(legacy, listed, made)
    single = postdeploy_user.get(legacy.item_path(listed[legacy.id_field]))
    assert single.status_code == 200, f"legacy GET answered HTTP {single.status_code}"
    assert_legacy_shape(legacy, single.json(), made)
    with fails_as("data_loss", "critical"):
        content = postdeploy_user.get(
            f"{legacy.item_path(listed[legacy.id_field])}/{legacy.content_suffix}"
        )
        assert content.status_code == 200, f"legacy download answered {content.status_code}"
        assert content.content == made.content, "legacy download differs from the v2 upload"


@pytest.mark.gate(trigger="user_impact", severity="high")
@pytest.mark.parametrize("kind", KINDS)
def test_v1_upload_is_visible_through_v2(
    make: Callable[..., Made], postdeploy_user: httpx.Client, kind: str
) -> None:
    """Media uploaded through the legacy API is an ordinary v2 item"""
    made = make(kind, api="v1")
    assert_legacy_shape(LEGACY[kind], made.body, made)
    item = _v2_item(postdeploy_user, kind, made.sha256)
    assert item is not None, f"v1 upload {made.legacy_id} not listed by {MEDIA}?kind={kind}"
    with fails_as("critical_error", "high", "v2 media objects keep their documented fields"):
        assert item.get("kind") == kind, f"v2 kind is {item.get('kind')!r}"
    with fails_as("data_loss", "critical"):
        assert item["filename"] == made.filename
        content = postdeploy_user.get(f"{MEDIA}/{item['id']}/content")
        assert content.content == made.content, "v2 download differs from the v1 upload"


@pytest.mark.gate(trigger="user_impact", severity="high")
def test_delete_through_v1_removes_from_v2(
    make: Callable[..., Made], postdeploy_user: httpx.Client
) -> None:
    """A delete through the legacy API removes the media from v2 too"""
    made = make("image")
    legacy = LEGACY["image"]
    listed = find_legacy(postdeploy_user, legacy, made.sha256)
    assert listed is not None, "v2 upload not visible through v1"
    deleted = postdeploy_user.delete(legacy.item_path(listed[legacy.id_field]))
    assert deleted.status_code == legacy.deleted_status, f"v1 delete: HTTP {deleted.status_code}"
    status = postdeploy_user.get(f"{MEDIA}/{made.media_id}").status_code
    assert status == 404, f"v2 still answers HTTP {status} after the v1 delete"


@pytest.mark.gate(trigger="user_impact", severity="high")
@pytest.mark.parametrize("kind", ["video", "document"])
def test_delete_through_v2_removes_from_v1(
    make: Callable[..., Made], postdeploy_user: httpx.Client, kind: str
) -> None:
    """A delete through v2 removes the media from the legacy API too"""
    made = make(kind, api="v1")
    item = _v2_item(postdeploy_user, kind, made.sha256)
    assert item is not None, "v1 upload not visible through v2"
    deleted = postdeploy_user.delete(f"{MEDIA}/{item['id']}")
    assert deleted.status_code == 204, f"v2 delete answered HTTP {deleted.status_code}"
    status = postdeploy_user.get(LEGACY[kind].item_path(made.legacy_id)).status_code
    assert status == 404, f"v1 still answers HTTP {status} after the v2 delete"


@pytest.mark.gate(trigger="data_loss", severity="high")
@pytest.mark.parametrize("kind", KINDS)
def test_deleted_legacy_ids_are_not_reissued(
    make: Callable[..., Made], postdeploy_user: httpx.Client, kind: str
) -> None:
    """A deleted legacy id is never given to a new upload"""
    # Old clients keep legacy ids; one that names someone's next upload after a delete turns
    # a stale reference (a retried delete, a bookmark) into an action on the wrong media.
    legacy = LEGACY[kind]
    first = make(kind, api="v1")
    deleted = postdeploy_user.delete(legacy.item_path(first.legacy_id))
    assert deleted.status_code == legacy.deleted_status, f"v1 delete: HTTP {deleted.status_code}"
    second = make(kind, api="v1")
    assert second.legacy_id != first.legacy_id, (
        f"the deleted {kind}'s id {first.legacy_id} was given to the next upload"
    )
    stale = postdeploy_user.get(legacy.item_path(first.legacy_id))
    assert stale.status_code == 404, (
        f"deleted id {first.legacy_id} answers HTTP {stale.status_code}: it names other media"
    )
