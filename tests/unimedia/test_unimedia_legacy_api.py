"""The legacy per-kind APIs: their own shapes, ids and paging, served from the unified store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from unimedia import samples

if TYPE_CHECKING:
    from conftest import Api


def _upload(api: Api, user: str, path: str, field: str, name: str, body: bytes, ctype: str) -> Any:
    response = api.client.post(path, headers=api.auth(user), files={field: (name, body, ctype)})
    assert response.status_code == 201, response.text
    return response.json()


def test_image_workflow_with_real_dimensions(api: Api) -> None:
    content = samples.png(64, 48, salt="one")
    image = _upload(api, "alice", "/api/v1/images", "image", "a.png", content, "image/png")
    assert image == {
        "image_id": "img_1",
        "file_name": "a.png",
        "mime_type": "image/png",
        "width": 64,
        "height": 48,
        "size_bytes": len(content),
        "checksum_sha256": hashlib.sha256(content).hexdigest(),
        "owner": "alice",
        "uploaded_at": image["uploaded_at"],
    }
    jpeg = samples.jpeg_header(640, 480, salt="two")
    second = _upload(api, "alice", "/api/v1/images", "image", "b.jpg", jpeg, "image/jpeg")
    assert (second["image_id"], second["width"], second["height"]) == ("img_2", 640, 480)

    assert api.get("alice", "/api/v1/images/img_1").json() == image
    page = api.get("alice", "/api/v1/images", params={"page": 2, "per_page": 1}).json()
    assert page == {
        "images": [second],
        "page": 2,
        "per_page": 1,
        "total_count": 2,
        "total_pages": 2,
    }
    download = api.get("alice", "/api/v1/images/img_1/file")
    assert download.content == content
    assert download.headers["etag"] == f'"{image["checksum_sha256"]}"'

    deleted = api.delete("alice", "/api/v1/images/img_1")
    assert deleted.status_code == 200
    assert deleted.json() == {"deleted": True, "image_id": "img_1"}
    assert api.get("alice", "/api/v1/images/img_1").status_code == 404


def test_video_workflow_with_duration_and_cursor_paging(api: Api) -> None:
    ids = []
    for n in range(5):
        video = _upload(
            api, "alice", "/api/v1/videos", "video", f"v{n}.mp4", samples.mp4(10.5 + n), "video/mp4"
        )
        ids.append(video["videoId"])
    assert ids == [1, 2, 3, 4, 5]
    first = api.get("alice", "/api/v1/videos/3").json()
    assert set(first) == {
        "videoId",
        "fileName",
        "contentType",
        "sizeBytes",
        "durationSeconds",
        "sha256",
        "owner",
        "createdAt",
    }
    assert first["durationSeconds"] == 12.5
    seen, cursor, pages = [], None, 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get("alice", "/api/v1/videos", params=params).json()
        seen += [video["videoId"] for video in body["videos"]]
        cursor, pages = body["nextCursor"], pages + 1
        if cursor is None:
            break
    assert (seen, pages) == ([1, 2, 3, 4, 5], 3)
    ranged = api.client.get(
        "/api/v1/videos/2/stream", headers={**api.auth("alice"), "Range": "bytes=0-3"}
    )
    assert ranged.status_code == 206
    assert ranged.content == samples.mp4(11.5)[:4]
    assert api.delete("alice", "/api/v1/videos/2").status_code == 204
    assert api.get("alice", "/api/v1/videos/2").status_code == 404


def test_bad_video_cursor_is_a_problem(api: Api) -> None:
    for cursor in ("garbage!", "YWZ0ZXI6eA", "bm90LWFmdGVy"):
        response = api.get("alice", "/api/v1/videos", params={"cursor": cursor})
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"


def test_document_workflow_with_page_counts_and_links(api: Api) -> None:
    pdf = samples.pdf(3, salt="report")
    doc = _upload(api, "alice", "/api/v1/documents", "document", "r.pdf", pdf, "application/pdf")
    assert doc["doc_id"] == "doc-1"
    assert doc["pages"] == 3
    assert (doc["title"], doc["bytes"]) == ("r.pdf", len(pdf))
    text = _upload(api, "alice", "/api/v1/documents", "document", "n.txt", b"notes", "text/plain")
    assert (text["doc_id"], text["pages"]) == ("doc-2", 1)
    _upload(
        api, "alice", "/api/v1/documents", "document", "x.pdf", samples.pdf(1), "application/pdf"
    )

    first = api.get("alice", "/api/v1/documents", params={"limit": 2}).json()
    assert first["count"] == 3
    assert [d["doc_id"] for d in first["results"]] == ["doc-1", "doc-2"]
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/documents?offset=2&limit=2")
    second = api.client.get(first["next"], headers=api.auth("alice")).json()
    assert [d["doc_id"] for d in second["results"]] == ["doc-3"]
    assert second["next"] is None
    assert second["previous"].endswith("/api/v1/documents?offset=0&limit=2")

    assert api.get("alice", "/api/v1/documents/doc-1/download").content == pdf
    assert api.delete("alice", "/api/v1/documents/doc-1").status_code == 204
    assert api.get("alice", "/api/v1/documents").json()["count"] == 2


def test_v1_and_v2_see_the_same_store(api: Api) -> None:
    content = samples.png(8, 8, salt="shared")
    v2 = api.upload("alice", content, filename="s.png", content_type="image/png")
    images = api.get("alice", "/api/v1/images").json()["images"]
    assert [(i["image_id"], i["checksum_sha256"]) for i in images] == [("img_1", v2["sha256"])]
    assert images[0]["width"] == 8
    pdf = samples.pdf(2)
    _upload(api, "alice", "/api/v1/documents", "document", "d.pdf", pdf, "application/pdf")
    listed = api.get("alice", "/api/v2/media", params={"kind": "document"}).json()["items"]
    assert [item["sha256"] for item in listed] == [hashlib.sha256(pdf).hexdigest()]
    # A v1 delete is a delete in the unified store.
    api.delete("alice", "/api/v1/images/img_1")
    assert api.get("alice", f"/api/v2/media/{v2['id']}").status_code == 404


@pytest.mark.parametrize(
    ("path", "field", "ctype"),
    [
        ("/api/v1/images", "image", "application/pdf"),
        ("/api/v1/videos", "video", "image/png"),
        ("/api/v1/documents", "document", "video/mp4"),
    ],
)
def test_wrong_kind_is_415_and_stores_nothing(api: Api, path: str, field: str, ctype: str) -> None:
    response = api.client.post(
        path, headers=api.auth("alice"), files={field: ("x.bin", b"payload", ctype)}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert api.get("alice", "/api/v2/media").json()["total"] == 0


def test_owners_and_admin_on_v1(api: Api) -> None:
    _upload(api, "alice", "/api/v1/images", "image", "a.png", samples.png(2, 2), "image/png")
    _upload(api, "bob", "/api/v1/images", "image", "b.png", samples.png(3, 3), "image/png")
    assert [i["image_id"] for i in api.get("bob", "/api/v1/images").json()["images"]] == ["img_2"]
    assert api.get("bob", "/api/v1/images/img_1").status_code == 404
    assert api.get("bob", "/api/v1/images/img_1/file").status_code == 404
    assert api.delete("bob", "/api/v1/images/img_1").status_code == 404
    admin = api.get("admin", "/api/v1/images").json()
    assert admin["total_count"] == 2


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/images/img_99", 404),
        ("/api/v1/images/99", 422),
        ("/api/v1/images/img_0", 422),
        ("/api/v1/images/img_1%27%20OR%201=1", 422),
        ("/api/v1/videos/0", 422),
        ("/api/v1/videos/99999999999999999999999", 422),
        ("/api/v1/videos/abc", 422),
        ("/api/v1/documents/doc-5", 404),
        ("/api/v1/documents/..%2F..%2Fetc%2Fpasswd", 404),
    ],
)
def test_bad_and_unknown_legacy_ids(api: Api, path: str, status: int) -> None:
    response = api.get("alice", path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


def test_openapi_documents_every_legacy_field(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    for path in (
        "/api/v1/images",
        "/api/v1/images/{image_id}",
        "/api/v1/images/{image_id}/file",
        "/api/v1/videos",
        "/api/v1/videos/{videoId}",
        "/api/v1/videos/{videoId}/stream",
        "/api/v1/documents",
        "/api/v1/documents/{doc_id}",
        "/api/v1/documents/{doc_id}/download",
    ):
        assert path in spec["paths"], path
    schemas = spec["components"]["schemas"]
    assert set(schemas["ImageOut"]["required"]) == {
        "image_id",
        "file_name",
        "mime_type",
        "width",
        "height",
        "size_bytes",
        "checksum_sha256",
        "owner",
        "uploaded_at",
    }
    assert schemas["VideoOut"]["properties"]["videoId"]["type"] == "integer"
    assert schemas["DocumentOut"]["properties"]["pages"]["minimum"] == 1
    assert schemas["DocumentList"]["additionalProperties"] is False
    problem = spec["paths"]["/api/v1/images/{image_id}"]["get"]["responses"]["404"]
    assert "application/problem+json" in problem["content"]


def test_legacy_ids_continue_per_kind(make_api: Callable[..., Api]) -> None:
    api = make_api()
    _upload(api, "alice", "/api/v1/images", "image", "a.png", samples.png(1, 1), "image/png")
    _upload(api, "alice", "/api/v1/videos", "video", "a.mp4", samples.mp4(1), "video/mp4")
    api.upload("alice", samples.png(1, 2), filename="c.png", content_type="image/png")
    assert [i["image_id"] for i in api.get("alice", "/api/v1/images").json()["images"]] == [
        "img_1",
        "img_2",
    ]
    assert [v["videoId"] for v in api.get("alice", "/api/v1/videos").json()["videos"]] == [1]


def test_a_deleted_legacy_number_is_never_issued_again(api: Api) -> None:
    """A stale ``img_2`` held by an old client must never name someone's next upload."""
    for salt in ("a", "b"):
        _upload(api, "alice", "/api/v1/images", "image", f"{salt}.png",
                samples.png(8, 8, salt=salt), "image/png")  # fmt: skip
    assert api.delete("alice", "/api/v1/images/img_2").status_code == 200  # the v1 contract
    third = _upload(api, "bob", "/api/v1/images", "image", "c.png",
                    samples.png(8, 8, salt="c"), "image/png")  # fmt: skip
    assert third["image_id"] == "img_3"
    assert api.get("alice", "/api/v1/images/img_2").status_code == 404
