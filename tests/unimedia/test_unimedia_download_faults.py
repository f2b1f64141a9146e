"""The faults of what a download promises beyond its bytes, and of refusals (issue 22):
each one observable from outside, and the clean service free of it."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conftest import Api


def _content(size: int = 100) -> bytes:
    return (f"download fault {uuid.uuid4()} ".encode() * size)[:size]


def _expired_token() -> str:
    """An HS256 token whose ``exp`` has passed, signed with a key the service does not have."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    now = int(time.time())
    claims = {"sub": "alice", "role": "user", "iss": "unimedia", "iat": now - 7200,
              "exp": now - 3600}  # fmt: skip
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    return f"{head}.{b64(json.dumps(claims).encode())}.{b64(b'not-the-signature')}"


def test_range_off_by_one(make_api: Callable[..., Api]) -> None:
    content = _content()
    for faults, expected in (("", content[5:10]), ("range_off_by_one", content[6:11])):
        api = make_api(faults=faults)
        media = api.upload("alice", content)
        answer = api.client.get(f"/api/v2/media/{media['id']}/content",
                                headers={"Range": "bytes=5-9", **api.auth("alice")})  # fmt: skip
        assert answer.status_code == 206
        assert answer.headers["content-range"] == "bytes 5-9/100"
        assert answer.content == expected


def test_etag_unstable(make_api: Callable[..., Api]) -> None:
    for faults, stable in (("", True), ("etag_unstable", False)):
        api = make_api(faults=faults)
        url = f"/api/v2/media/{api.upload('alice', _content())['id']}/content"
        first, second = api.get("alice", url), api.get("alice", url)
        assert (first.headers["etag"] == second.headers["etag"]) is stable
        again = api.client.get(
            url, headers={"If-None-Match": first.headers["etag"], **api.auth("alice")}
        )
        assert again.status_code == (304 if stable else 200)


def test_download_cache_public(make_api: Callable[..., Api]) -> None:
    for faults, expected in (
        ("", "private, no-cache"),
        ("download_cache_public", "public, max-age=86400"),
    ):
        api = make_api(faults=faults)
        media = api.upload("alice", _content())
        answer = api.get("alice", f"/api/v2/media/{media['id']}/content")
        assert answer.headers["cache-control"] == expected


def test_shared_blob_deleted(make_api: Callable[..., Api]) -> None:
    content = _content()
    for faults, survives in (("", True), ("shared_blob_deleted", False)):
        api = make_api(faults=faults)
        alices = api.upload("alice", content)
        bobs = api.upload("bob", content)
        assert api.delete("alice", f"/api/v2/media/{alices['id']}").status_code == 204
        answer = api.get("bob", f"/api/v2/media/{bobs['id']}/content")
        assert (answer.status_code == 200 and answer.content == content) is survives


def test_expired_token_error(make_api: Callable[..., Api]) -> None:
    headers = {"Authorization": f"Bearer {_expired_token()}"}
    for faults, status in (("", 401), ("expired_token_error", 500)):
        api = make_api(faults=faults)
        assert api.client.get("/api/v2/media", headers=headers).status_code == status
        garbage = api.client.get("/api/v2/media", headers={"Authorization": "Bearer garbage"})
        assert garbage.status_code == 401  # only expired tokens


def test_malformed_upload_error(make_api: Callable[..., Api]) -> None:
    body = b"--b\r\nContent-Disposition: form-data; name=file; filename=a\r\n"  # cut short
    headers = {"Content-Type": "multipart/form-data"}  # and no boundary
    for faults, status in (("", 400), ("malformed_upload_error", 500)):
        api = make_api(faults=faults)
        answer = api.client.post("/api/v2/media", content=body,
                                 headers={**headers, **api.auth("alice")})  # fmt: skip
        assert answer.status_code == status
        assert ("Traceback" in answer.text) is (status == 500)
