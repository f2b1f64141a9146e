"""Fixtures for unimedia's own tests: apps built by ``create_app`` on a ``tmp_path`` each.

Helpers are handed out by fixtures rather than imported, so these tests work under any
pytest import mode and next to other test packages.
"""

from __future__ import annotations

import html
import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import escape
from starlette.exceptions import StarletteDeprecationWarning

from unimedia.accounts import Account, Role
from unimedia.app import create_app
from unimedia.faults import FaultSet, parse_faults
from unimedia.settings import Settings

with warnings.catch_warnings():
    # Starlette 1.x prefers the `httpx2` fork for its TestClient and warns (an error under
    # this project's filterwarnings) when it falls back to httpx, which works the same.
    # Scoped to this one import so that every other warning still fails the run.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-2", "admin": "admin-password-3"}
TOKEN_SECRET = "test-secret-that-is-long-enough-for-hs256!"


class Api:
    """A started app plus the few calls every test needs."""

    def __init__(self, client: TestClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self._tokens: dict[str, dict[str, str]] = {}

    def login(self, username: str, password: str | None = None) -> httpx.Response:
        body = {"username": username, "password": password or PASSWORDS.get(username, "x")}
        return self.client.post("/api/v2/auth/login", json=body)

    def auth(self, username: str) -> dict[str, str]:
        """Authorization headers for a seed account (cached per test)."""
        if username not in self._tokens:
            response = self.login(username)
            assert response.status_code == 200, response.text
            self._tokens[username] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return self._tokens[username]

    def upload_response(
        self,
        username: str,
        content: bytes,
        *,
        filename: str = "photo.png",
        content_type: str = "image/png",
        tags: str | None = None,
    ) -> httpx.Response:
        return self.client.post(
            "/api/v2/media",
            headers=self.auth(username),
            files={"file": (filename, content, content_type)},
            data={"tags": tags} if tags is not None else None,
        )

    def upload(self, username: str, content: bytes, **kwargs: Any) -> dict[str, Any]:
        response = self.upload_response(username, content, **kwargs)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def get(self, username: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, headers=self.auth(username), **kwargs)

    def delete(self, username: str, path: str) -> httpx.Response:
        return self.client.delete(path, headers=self.auth(username))


@pytest.fixture
def passwords() -> dict[str, str]:
    return dict(PASSWORDS)


class Ui:
    """One browser on the web UI: its own cookie jar, forms filled in as a browser would
    (CSRF token taken from the page it was served with)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.last: httpx.Response | None = None

    def get(self, url: str = "/") -> httpx.Response:
        self.last = self.client.get(url)
        return self.last

    def csrf(self) -> str:
        """The CSRF token of the page last shown (the login page's or the session's)."""
        page = self.last if self.last is not None else self.get()
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert match, "no CSRF field on the page"
        return match[1]

    def login(self, username: str, password: str | None = None) -> httpx.Response:
        self.get("/")
        self.last = self.client.post(
            "/login",
            data={
                "username": username,
                "password": password if password is not None else PASSWORDS[username],
                "csrf_token": self.csrf(),
            },
        )
        return self.last

    def upload(
        self,
        content: bytes,
        *,
        filename: str = "photo.png",
        content_type: str = "image/png",
        tags: str = "",
        kind: str = "",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        csrf = self.csrf() if self.last is not None and "/upload" in self.last.text else None
        if csrf is None:
            self.get("/")
            csrf = self.csrf()
        self.last = self.client.post(
            "/upload",
            data={"csrf_token": csrf, "tags": tags, "kind": kind},
            files={"file": (filename, content, content_type)},
            headers=headers,
        )
        return self.last

    def names(self) -> list[str]:
        """The file names in the media table of the page last shown, top to bottom."""
        assert self.last is not None
        return [
            html.unescape(n)
            for n in re.findall(r'<th scope="row" class="name">(.*?)</th>', self.last.text, re.S)
        ]

    def _row_url(self, name: str, action: str) -> str:
        assert self.last is not None
        urls = re.findall(
            rf'"(/media/[0-9a-f-]+/{action})"[^>]*>\s*(?:<input[^>]*>\s*)*'
            rf'(?:<button[^>]*>)?\w+<span class="visually-hidden"> {re.escape(str(escape(name)))}'
            r"</span>",
            self.last.text,
        )
        assert len(urls) == 1, f"{len(urls)} {action} controls for {name!r}"
        return str(urls[0])

    def download_url(self, name: str) -> str:
        return self._row_url(name, "download")

    def delete(self, name: str) -> httpx.Response:
        url = self._row_url(name, "delete")
        self.last = self.client.post(url, data={"csrf_token": self.csrf(), "page": "1"})
        return self.last

    def region(self, role: str) -> str:
        """The text of the page's ``role="status"`` or ``role="alert"`` element ("" if none)."""
        assert self.last is not None
        match = re.search(rf'role="{role}"[^>]*>(.*?)</p>', self.last.text, re.S)
        return html.unescape(match[1]).strip() if match else ""


@pytest.fixture
def make_ui() -> Callable[[Api], Ui]:
    """``make_ui(api)`` → a new browser (own cookies) on that app, not yet logged in."""

    def make(api: Api) -> Ui:
        return Ui(TestClient(api.client.app, raise_server_exceptions=False))

    return make


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    """``make_settings(faults="unhealthy", max_upload_bytes=10)`` → Settings in tmp_path."""

    def make(*, faults: str | FaultSet = "", **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "data_dir": tmp_path / "data",
            "token_secret": TOKEN_SECRET,
            "accounts": (
                Account("alice", PASSWORDS["alice"], Role.USER),
                Account("bob", PASSWORDS["bob"], Role.USER),
                Account("admin", PASSWORDS["admin"], Role.ADMIN),
            ),
            "faults": faults if isinstance(faults, FaultSet) else parse_faults(faults),
        }
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def make_api(make_settings: Callable[..., Settings]) -> Iterator[Callable[..., Api]]:
    """``make_api(faults=...)`` → an :class:`Api` on a started app; stopped after the test."""
    with ExitStack() as stack:

        def make(**settings_overrides: Any) -> Api:
            settings = make_settings(**settings_overrides)
            # raise_server_exceptions=False: an unexpected error must come back as a
            # problem document, exactly as a real client would see it.
            client = TestClient(create_app(settings), raise_server_exceptions=False)
            return Api(stack.enter_context(client), settings)

        yield make


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()
