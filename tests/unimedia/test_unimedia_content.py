"""Downloads: ETag / If-None-Match, byte ranges, safe headers; security headers everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from unimedia.api.content import ByteRange, parse_range
from unimedia.problems import ProblemError

if TYPE_CHECKING:
    from conftest import Api

CONTENT = bytes(range(256)) * 4  # 1024 bytes, every offset distinguishable


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 9)),
        ("bytes=1000-", ByteRange(1000, 1023)),
        ("bytes=-24", ByteRange(1000, 1023)),
        ("bytes=-5000", ByteRange(0, 1023)),
        ("bytes=10-99999", ByteRange(10, 1023)),
        ("BYTES = 5-5", ByteRange(5, 5)),
        ("bytes=0-1,5-9", None),
    ],
)
def test_parse_range(header: str, expected: ByteRange | None) -> None:
    assert parse_range(header, 1024) == expected


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ("bytes=abc", 400),
        ("items=0-5", 400),
        ("bytes=9-2", 400),
        ("bytes=-", 400),
        ("0-5", 400),
        ("bytes=1024-", 416),
        ("bytes=-0", 416),
        ("bytes=99999999999999999999-", 400),
    ],
)
def test_bad_ranges(header: str, status: int) -> None:
    with pytest.raises(ProblemError) as excinfo:
        parse_range(header, 1024)
    assert excinfo.value.status == status


def _download(api: Api, path: str, **headers: str):  # type: ignore[no-untyped-def]
    return api.client.get(path, headers={**api.auth("alice"), **headers})


def test_range_etag_and_conditional_requests(api: Api) -> None:
    media = api.upload("alice", CONTENT, filename="b.bin", content_type="application/octet-stream")
    path = f"/api/v2/media/{media['id']}/content"
    full = _download(api, path)
    assert full.status_code == 200
    assert full.headers["accept-ranges"] == "bytes"
    etag = full.headers["etag"]

    part = _download(api, path, Range="bytes=100-199")
    assert part.status_code == 206
    assert part.content == CONTENT[100:200]
    assert part.headers["content-range"] == "bytes 100-199/1024"
    assert part.headers["content-length"] == "100"

    assert _download(api, path, Range="bytes=-10").content == CONTENT[-10:]
    assert _download(api, path, **{"If-None-Match": etag}).status_code == 304
    assert _download(api, path, **{"If-None-Match": '"other"'}).status_code == 200
    # If-Range with a stale validator: the whole (changed) file, not a piece of it.
    stale = _download(api, path, Range="bytes=0-1", **{"If-Range": '"old"'})
    assert (stale.status_code, stale.content) == (200, CONTENT)

    for header, status in (("bytes=5000-", 416), ("bytes=x-y", 400)):
        bad = _download(api, path, Range=header)
        assert bad.status_code == status
        assert bad.headers["content-type"] == "application/problem+json"
    unsatisfiable = _download(api, path, Range="bytes=5000-")
    assert unsatisfiable.headers["content-range"] == "bytes */1024"
    # The service keeps serving after bad input.
    assert _download(api, path).content == CONTENT


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [("page.html", "text/html"), ("logo.svg", "image/svg+xml"), ("x.js", "text/javascript")],
)
def test_active_content_is_never_served_inline(api: Api, filename: str, content_type: str) -> None:
    body = b"<script>alert(document.cookie)</script>"
    media = api.upload("alice", body, filename=filename, content_type=content_type)
    response = _download(api, f"/api/v2/media/{media['id']}/content")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_security_headers_on_every_kind_of_response(api: Api) -> None:
    responses = [
        api.client.get("/healthz"),
        api.client.get("/api/v2/media"),  # 401 problem
        api.client.get("/no/such/page"),  # 404 problem
        api.get("alice", "/api/v1/images"),
    ]
    for response in responses:
        headers = response.headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        # Plain HTTP: HSTS would be a promise not kept.
        assert "strict-transport-security" not in headers


def test_hsts_only_over_https(api: Api) -> None:
    response = api.client.get("https://testserver/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")
