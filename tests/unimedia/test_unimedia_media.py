"""The v2 media API: the upload → list → metadata → download → delete workflow, and who
may see what."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from unimedia.filenames import clean_filename, content_disposition

if TYPE_CHECKING:
    from conftest import Api


def _unique_bytes() -> bytes:
    return f"media {uuid.uuid4()}".encode() * 50


def test_upload_list_metadata_download_delete(api: Api) -> None:
    content = _unique_bytes()
    response = api.upload_response("alice", content, tags="postdeploy-run=abc123, holiday")
    assert response.status_code == 201
    media = response.json()
    assert response.headers["location"] == f"/api/v2/media/{media['id']}"
    assert media["filename"] == "photo.png"
    assert media["content_type"] == "image/png"
    assert media["kind"] == "image"
    assert media["size"] == len(content)
    assert media["sha256"] == hashlib.sha256(content).hexdigest()
    assert media["owner"] == "alice"
    assert media["tags"] == ["postdeploy-run=abc123", "holiday"]
    assert media["created_at"].endswith("Z")

    page = api.get("alice", "/api/v2/media").json()
    assert page == {"items": [media], "total": 1, "limit": 50, "offset": 0}

    assert api.get("alice", f"/api/v2/media/{media['id']}").json() == media

    download = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "image/png"
    assert download.headers["etag"] == f'"{media["sha256"]}"'
    assert download.headers["content-disposition"] == 'attachment; filename="photo.png"'

    assert api.delete("alice", f"/api/v2/media/{media['id']}").status_code == 204
    gone = api.get("alice", f"/api/v2/media/{media['id']}")
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"
    assert api.get("alice", "/api/v2/media").json()["total"] == 0


def test_text_content_type_comes_back_unchanged(api: Api) -> None:
    media = api.upload("alice", b"hello", filename="a.txt", content_type="text/plain")
    assert media["kind"] == "document"
    download = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert download.headers["content-type"] == "text/plain"


def test_unknown_id_is_404_problem(api: Api) -> None:
    for path in ("/api/v2/media/nope", "/api/v2/media/nope/content"):
        response = api.get("alice", path)
        assert response.status_code == 404
        assert response.json()["status"] == 404
    assert api.delete("alice", "/api/v2/media/nope").status_code == 404


def test_other_users_media_is_invisible(api: Api) -> None:
    media = api.upload("alice", _unique_bytes())
    for path in (f"/api/v2/media/{media['id']}", f"/api/v2/media/{media['id']}/content"):
        assert api.get("bob", path).status_code == 404
    assert api.delete("bob", f"/api/v2/media/{media['id']}").status_code == 404
    assert api.get("bob", "/api/v2/media").json()["total"] == 0
    # Bob's failed delete changed nothing.
    assert api.get("alice", f"/api/v2/media/{media['id']}").status_code == 200


def test_admin_sees_and_deletes_everything(api: Api) -> None:
    ids = {api.upload(user, _unique_bytes())["id"] for user in ("alice", "bob")}
    page = api.get("admin", "/api/v2/media").json()
    assert page["total"] == 2
    assert {item["id"] for item in page["items"]} == ids
    for media_id in ids:
        assert api.get("admin", f"/api/v2/media/{media_id}/content").status_code == 200
        assert api.delete("admin", f"/api/v2/media/{media_id}").status_code == 204


def test_list_is_newest_first_with_paging_and_filters(api: Api) -> None:
    first = api.upload("alice", _unique_bytes(), tags="run=1")
    second = api.upload("alice", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
    third = api.upload("alice", _unique_bytes(), content_type="video/mp4", tags="run=1,x")

    page = api.get("alice", "/api/v2/media").json()
    assert [item["id"] for item in page["items"]] == [third["id"], second["id"], first["id"]]

    paged = api.get("alice", "/api/v2/media", params={"limit": 1, "offset": 1}).json()
    assert [item["id"] for item in paged["items"]] == [second["id"]]
    assert (paged["total"], paged["limit"], paged["offset"]) == (3, 1, 1)

    documents = api.get("alice", "/api/v2/media", params={"kind": "document"}).json()
    assert [item["id"] for item in documents["items"]] == [second["id"]]

    tagged = api.get("alice", "/api/v2/media", params={"tag": "run=1"}).json()
    assert [item["id"] for item in tagged["items"]] == [third["id"], first["id"]]
    # Exact match only: a prefix of a tag is not the tag.
    assert api.get("alice", "/api/v2/media", params={"tag": "run="}).json()["total"] == 0


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 201}, {"offset": -1}, {"kind": "sculpture"}]
)
def test_bad_list_parameters_are_422_problems(api: Api, params: dict[str, object]) -> None:
    response = api.get("alice", "/api/v2/media", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_upload_without_file_is_422(api: Api) -> None:
    response = api.client.post(
        "/api/v2/media", headers=api.auth("alice"), data={"tags": "a"}, files={}
    )
    assert response.status_code == 422


def test_upload_over_the_limit_is_413(make_api: Callable[..., Api]) -> None:
    api = make_api(max_upload_bytes=1000)
    assert api.upload_response("alice", b"x" * 1000).status_code == 201
    too_big = api.upload_response("alice", b"y" * 1001)
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    # Refused before the body is read when the declared length is already too much.
    assert api.upload_response("alice", b"z" * 200_000).status_code == 413
    assert api.get("alice", "/api/v2/media").json()["total"] == 1
    assert not list((api.settings.blob_dir / "tmp").glob("*.part"))


def test_download_filename_is_sanitised(api: Api) -> None:
    media = api.upload("alice", b"abc", filename="C:\\Users\\x\\été photo.png")
    assert media["filename"] == "été photo.png"
    download = api.get("alice", f"/api/v2/media/{media['id']}/content")
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"ete photo.png\"; filename*=UTF-8''%C3%A9t%C3%A9%20photo.png"
    )


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("a\r\nb.txt", "ab.txt"),
        ("..", "upload"),
        ("", "upload"),
        (None, "upload"),
        ("x" * 300, "x" * 255),
    ],
)
def test_clean_filename(raw: str | None, cleaned: str) -> None:
    assert clean_filename(raw) == cleaned


def test_content_disposition_never_lets_quotes_or_newlines_in() -> None:
    header = content_disposition('evil"; filename="x.exe\r\nSet-Cookie: a=b')
    fallback = header.split("; filename*=")[0]
    assert fallback == 'attachment; filename="evil__ filename=_x.exe__Set-Cookie_ a=b"'
    assert "\r" not in header
    assert "\n" not in header
    assert content_disposition("plain.png") == 'attachment; filename="plain.png"'


def test_etag_revalidation_and_ranges(api: Api) -> None:
    media = api.upload("alice", b"0123456789")
    path = f"/api/v2/media/{media['id']}/content"
    etag = f'"{media["sha256"]}"'
    not_modified = api.client.get(path, headers={**api.auth("alice"), "If-None-Match": etag})
    assert not_modified.status_code == 304
    partial = api.client.get(path, headers={**api.auth("alice"), "Range": "bytes=2-4"})
    assert partial.status_code == 206
    assert partial.content == b"234"


def test_bad_tags_are_422(api: Api) -> None:
    response = api.upload_response("alice", b"abc", tags="x" * 129)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_owner_filter(api: Api) -> None:
    alices = api.upload("alice", _unique_bytes())
    api.upload("bob", _unique_bytes())
    by_admin = api.get("admin", "/api/v2/media", params={"owner": "alice"}).json()
    assert [item["id"] for item in by_admin["items"]] == [alices["id"]]
    assert api.get("admin", "/api/v2/media").json()["total"] == 2
    # An ordinary user asking for someone else's media gets an empty page, not theirs.
    assert api.get("bob", "/api/v2/media", params={"owner": "alice"}).json()["total"] == 0
    assert api.get("alice", "/api/v2/media", params={"owner": "alice"}).json()["total"] == 1
