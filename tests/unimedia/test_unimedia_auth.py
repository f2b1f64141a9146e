"""Login, tokens and the 401 answers of the v2 API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import jwt

if TYPE_CHECKING:
    from conftest import Api


def test_login_returns_a_bearer_token_with_the_role(api: Api) -> None:
    response = api.login("alice")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "user"
    assert body["expires_in"] == api.settings.token_ttl_seconds
    assert body["access_token"]
    assert api.login("admin").json()["role"] == "admin"


def test_wrong_password_and_unknown_user_get_the_same_401(api: Api) -> None:
    wrong_password = api.login("alice", "not-her-password")
    unknown_user = api.login("mallory", "whatever")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert wrong_password.json() == unknown_user.json()
    assert set(wrong_password.json()) == {"type", "title", "status", "detail"}


def test_malformed_login_body_is_a_problem_without_the_input(api: Api) -> None:
    response = api.client.post("/api/v2/auth/login", json={"username": "alice"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "input" not in response.text


def test_media_needs_a_token(api: Api) -> None:
    response = api.client.get("/api/v2/media")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"


def _token(secret: str, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims = {"sub": "alice", "role": "user", "iss": "unimedia", "iat": now}
    claims["exp"] = now + timedelta(minutes=5)
    claims.update(overrides)
    return jwt.encode(claims, secret, algorithm="HS256")


def test_expired_forged_and_garbage_tokens_are_refused(api: Api) -> None:
    secret = api.settings.token_secret
    past = datetime.now(UTC) - timedelta(minutes=1)
    tokens = {
        "expired": _token(secret, exp=past),
        "forged": _token("another-secret-that-is-also-long-enough!!"),
        "unknown user": _token(secret, sub="mallory"),
        "garbage": "not.a.token",
    }
    for name, token in tokens.items():
        response = api.client.get("/api/v2/media", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, name
        assert response.headers["content-type"] == "application/problem+json", name


def test_a_valid_handmade_token_works(api: Api) -> None:
    token = _token(api.settings.token_secret)
    response = api.client.get("/api/v2/media", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_a_user_token_does_not_grant_admin_by_claiming_it(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.upload("bob", b"bob's bytes")
    token = _token(api.settings.token_secret, role="admin")
    response = api.client.get("/api/v2/media", headers={"Authorization": f"Bearer {token}"})
    assert response.json()["total"] == 0
