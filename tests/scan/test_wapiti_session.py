"""The read-only OpenAPI cut, and how the session reaches Wapiti (its plugin, pure parts)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from typing import Any

from postdeploy.scan.openapi import read_only
from postdeploy.scan.session import SESSION_ENV, ScanSession
from postdeploy.scan.wapiti_plugin import SESSION_ENV as PLUGIN_SESSION_ENV
from postdeploy.scan.wapiti_plugin import cookies_of, run

DOCUMENT = {
    "openapi": "3.1.0",
    "paths": {
        "/api/v2/media": {
            "get": {"operationId": "list"},
            "post": {"operationId": "upload"},
            "parameters": [{"name": "shared", "in": "query"}],
        },
        "/api/v2/media/{id}": {"get": {"operationId": "get"}, "delete": {"operationId": "del"}},
        "/api/v2/auth/login": {"post": {"operationId": "login"}},
        "/api/v2/auth/whoami": {"get": {"operationId": "whoami"}},
    },
}


def test_the_scan_sees_only_the_apis_reads_off_the_excluded_paths() -> None:
    cut, kept, dropped = read_only(DOCUMENT, ("/api/v2/auth/*",))
    assert cut["paths"] == {
        "/api/v2/media": {
            "parameters": [{"name": "shared", "in": "query"}],
            "get": {"operationId": "list"},
        },
        "/api/v2/media/{id}": {"get": {"operationId": "get"}},
    }
    assert (kept, dropped) == (2, 4)
    assert cut["openapi"] == "3.1.0"


SET_COOKIES = [
    "unimedia_session=eyJhbGciOi.session-token; HttpOnly; Max-Age=3600; Path=/; SameSite=lax",
    "unimedia_login=; Max-Age=0; Path=/",  # a deletion: not a cookie to send
    "plain=abcdefgh; Path=/static",
]


def test_cookies_keep_the_flags_the_target_set() -> None:
    cookies = {cookie.name: cookie for cookie in cookies_of(SET_COOKIES, "127.0.0.1")}
    assert set(cookies) == {"unimedia_session", "plain"}
    session = cookies["unimedia_session"]
    assert session.value == "eyJhbGciOi.session-token"
    assert session.has_nonstandard_attr("HttpOnly")
    assert session.get_nonstandard_attr("SameSite") == "lax"
    assert not session.secure
    assert (session.domain, session.path) == ("127.0.0.1", "/")
    assert not cookies["plain"].has_nonstandard_attr("HttpOnly")
    assert cookies["plain"].path == "/static"


@dataclass
class _Request:
    url: str


@dataclass
class _CrawlerConfiguration:
    """The attributes of wapitiCore's CrawlerConfiguration the plugin sets (Wapiti itself
    runs the plugin in tests/scan/test_wapiti_scan.py)."""

    base_request: _Request
    headers: dict[str, str] | None = None
    cookies: CookieJar | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def test_the_plugin_hands_wapiti_the_session(monkeypatch) -> None:
    session = ScanSession(
        "alice", headers={"Authorization": "Bearer tok-123456789"}, set_cookies=(SET_COOKIES[0],)
    )
    assert SESSION_ENV == PLUGIN_SESSION_ENV
    monkeypatch.setenv(SESSION_ENV, session.to_env())
    configuration = _CrawlerConfiguration(_Request("http://127.0.0.1:8000/"), {"X-Keep": "1"})
    asyncio.run(run(configuration))
    assert configuration.headers == {"X-Keep": "1", "Authorization": "Bearer tok-123456789"}
    assert configuration.cookies is not None
    assert [cookie.name for cookie in configuration.cookies] == ["unimedia_session"]


def test_the_session_names_its_secrets_for_scrubbing() -> None:
    session = ScanSession(
        "alice",
        headers={"Authorization": "Bearer tok-123456789"},
        set_cookies=(SET_COOKIES[0],),
    )
    assert set(session.secrets) == {"tok-123456789", "eyJhbGciOi.session-token"}
    assert json.loads(session.to_env())["headers"]["Authorization"] == "Bearer tok-123456789"
