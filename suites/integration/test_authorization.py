"""The authorization matrix: every endpoint that touches one item, for the owner, another
user, the admin, no credentials, and forged or tampered tokens.

Tokens are tampered with the usual attacks (a changed signature, claims rewritten under
the old signature, ``alg: none``); a validly signed *expired* token would need the
service's secret, so expiry is checked as a tampered ``exp`` (an old token made to live
longer), which a service that does not verify signatures would accept.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from integration_media import KINDS, Made

from postdeploy.checks.legacy_api import LEGACY, find_legacy
from postdeploy.checks.media_api import MEDIA_PATH as MEDIA
from postdeploy.config import TargetSettings
from postdeploy.target.client import new_client

pytestmark = pytest.mark.integration

SECURITY = pytest.mark.gate(trigger="security_vulnerability", severity="critical")


@dataclass(frozen=True)
class Owned:
    """One item per kind owned by the first user: v2 id and legacy id."""

    items: dict[str, tuple[Made, str]]  # kind → (made, legacy id)

    def paths(self) -> dict[str, str]:
        """endpoint label → path, for every single-item read endpoint of both APIs."""
        result = {}
        for kind, (made, legacy_id) in self.items.items():
            legacy = LEGACY[kind]
            result[f"GET v2 {kind}"] = f"{MEDIA}/{made.media_id}"
            result[f"GET v2 {kind} content"] = f"{MEDIA}/{made.media_id}/content"
            result[f"GET v1 {kind}"] = legacy.item_path(legacy_id)
            result[f"GET v1 {kind} {legacy.content_suffix}"] = (
                f"{legacy.item_path(legacy_id)}/{legacy.content_suffix}"
            )
        return result


def _reads() -> list[str]:
    labels = []
    for kind in KINDS:
        labels += [f"GET v2 {kind}", f"GET v2 {kind} content"]
        labels += [f"GET v1 {kind}", f"GET v1 {kind} {LEGACY[kind].content_suffix}"]
    return labels


READS = _reads()


@pytest.fixture(scope="module")
def owned(make_for_module: Callable[..., Made], postdeploy_user: httpx.Client) -> Owned:
    """One item of each kind, shared by the module's checks (none of which may delete it
    on a correct service)."""
    items = {}
    for kind in KINDS:
        made = make_for_module(kind)
        listed = find_legacy(postdeploy_user, LEGACY[kind], made.sha256)
        assert listed is not None, f"{kind} not visible through v1"
        items[kind] = (made, listed[LEGACY[kind].id_field])
    return Owned(items)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _unb64(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _tampered(token: str, how: str, admin_name: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None  # not a JWT: these attacks do not apply
    header, payload, signature = parts
    claims = _unb64(payload)
    if how == "forged signature":
        return (
            f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
        )
    if how == "claims rewritten":
        return f"{header}.{_b64({**claims, 'sub': admin_name, 'role': 'admin'})}.{signature}"
    if how == "expiry extended":
        return f"{header}.{_b64({**claims, 'exp': int(claims.get('exp', 0)) + 10**8})}.{signature}"
    if how == "alg none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}."
    return "not-a-token"


BAD_TOKENS = ["forged signature", "claims rewritten", "expiry extended", "alg none", "garbage"]


@pytest.fixture
def bad_client(
    request: pytest.FixtureRequest,
    postdeploy_target: TargetSettings,
    postdeploy_user: httpx.Client,
) -> Iterator[httpx.Client]:
    how = request.param
    token = postdeploy_user.headers.get("authorization", "").removeprefix("Bearer ")
    admins = [a.username for a in postdeploy_target.accounts if a.role == "admin"]
    bad = _tampered(token, how, admins[0] if admins else "admin")
    if bad is None:
        pytest.skip("the service's tokens are not JWTs: the JWT tampering checks do not apply")
    with new_client(postdeploy_target, token=bad) as client:
        yield client


@pytest.mark.gate(trigger="critical_error", severity="high")
@pytest.mark.parametrize("endpoint", READS)
def test_owner_reads_every_endpoint(
    owned: Owned, postdeploy_user: httpx.Client, endpoint: str
) -> None:
    """The owner can read their media through every endpoint"""
    status = postdeploy_user.get(owned.paths()[endpoint]).status_code
    assert status == 200, f"{endpoint} answered HTTP {status} to the owner"


@pytest.mark.gate(trigger="user_impact", severity="high")
@pytest.mark.parametrize("endpoint", READS)
def test_admin_reads_every_endpoint(
    owned: Owned, postdeploy_admin: httpx.Client, endpoint: str
) -> None:
    """The admin can read anyone's media"""
    status = postdeploy_admin.get(owned.paths()[endpoint]).status_code
    assert status == 200, f"{endpoint} answered HTTP {status} to the admin"


@SECURITY
@pytest.mark.parametrize("endpoint", READS)
def test_other_user_cannot_read(
    owned: Owned, postdeploy_other_user: httpx.Client, endpoint: str
) -> None:
    """Another user cannot read someone else's media"""
    response = postdeploy_other_user.get(owned.paths()[endpoint])
    assert response.status_code == 404, (
        f"{endpoint} answered HTTP {response.status_code} to another user: {response.text[:200]}"
    )


@SECURITY
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("api", ["v2", "v1"])
def test_other_user_cannot_delete(
    owned: Owned,
    postdeploy_other_user: httpx.Client,
    postdeploy_user: httpx.Client,
    kind: str,
    api: str,
) -> None:
    """Another user cannot delete someone else's media"""
    made, legacy_id = owned.items[kind]
    path = f"{MEDIA}/{made.media_id}" if api == "v2" else LEGACY[kind].item_path(legacy_id)
    status = postdeploy_other_user.delete(path).status_code
    still = postdeploy_user.get(f"{MEDIA}/{made.media_id}").status_code
    assert (status, still) == (404, 200), (
        f"DELETE {path} by another user answered HTTP {status}; the owner now gets {still}"
    )


@SECURITY
def test_other_user_does_not_see_media_in_listings(
    owned: Owned, postdeploy_other_user: httpx.Client, postdeploy_run_tag: str
) -> None:
    """Listings show only the caller's own media"""
    response = postdeploy_other_user.get(MEDIA, params={"tag": postdeploy_run_tag, "limit": 200})
    theirs = {str(item["id"]) for item in response.json().get("items", [])}
    leaked = theirs & {made.media_id for made, _ in owned.items.values()}
    assert not leaked, f"another user's listing shows {sorted(leaked)}"


@SECURITY
@pytest.mark.parametrize("endpoint", READS)
def test_anonymous_is_refused(
    owned: Owned, postdeploy_anonymous: httpx.Client, endpoint: str
) -> None:
    """Requests without credentials are refused"""
    status = postdeploy_anonymous.get(owned.paths()[endpoint]).status_code
    assert status == 401, f"{endpoint} answered HTTP {status} without credentials"


@SECURITY
@pytest.mark.parametrize("path", [MEDIA, *(legacy.base for legacy in LEGACY.values())])
def test_anonymous_cannot_upload(postdeploy_anonymous: httpx.Client, path: str) -> None:
    """Uploads without credentials are refused"""
    field = next((k.file_field for k in LEGACY.values() if k.base == path), "file")
    status = postdeploy_anonymous.post(path, files={field: ("x.png", b"x", "image/png")})
    assert status.status_code == 401, f"POST {path} answered HTTP {status.status_code} anonymously"


@SECURITY
@pytest.mark.parametrize("bad_client", BAD_TOKENS, indirect=True)
@pytest.mark.parametrize("endpoint", ["GET v2 image", "GET v1 video", "GET v1 document download"])
def test_forged_tokens_are_refused(owned: Owned, bad_client: httpx.Client, endpoint: str) -> None:
    """Forged and tampered tokens are refused"""
    status = bad_client.get(owned.paths()[endpoint]).status_code
    assert status == 401, f"{endpoint} answered HTTP {status} to a tampered token"
