"""The web UI's session: login, logout, the cookie, CSRF, security headers, accessibility.

Driven through the forms as a browser would (see ``Ui`` in conftest); what a real browser
adds (JavaScript, console) is checked by ``scripts/ui_walkthrough.py`` and the e2e stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import TYPE_CHECKING

import pytest

from unimedia.ui.routes import BAD_CREDENTIALS, FORM_EXPIRED, LOGIN_EXPIRED
from unimedia.ui.session import LOGIN_COOKIE, SESSION_COOKIE

if TYPE_CHECKING:
    from conftest import Api, Ui

MakeUi = Callable[["Api"], "Ui"]


def _set_cookie(response: object, name: str) -> str:
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    matching = [h for h in headers if h.startswith(f"{name}=")]
    assert len(matching) == 1, headers
    return str(matching[0])


def test_root_is_the_login_page_when_logged_out(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    page = ui.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<label for="username">Username</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert '<button type="submit">Log in</button>' in page.text
    assert 'role="alert"' not in page.text
    assert "HttpOnly" in _set_cookie(page, LOGIN_COOKIE)


def test_login_sets_an_httponly_samesite_session_cookie(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    ui.get("/")
    response = ui.client.post(
        "/login",
        data={"username": "alice", "password": "alice-password-1", "csrf_token": ui.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = _set_cookie(response, SESSION_COOKIE)
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    page = ui.get("/")
    assert "<h1>Media library</h1>" in page.text
    assert '<strong class="username">alice</strong>' in page.text
    assert "(user)" in page.text


def test_the_session_cookie_is_secure_over_https(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    ui.client.base_url = "https://testserver"  # type: ignore[assignment]
    ui.get("/")
    response = ui.client.post(
        "/login",
        data={"username": "alice", "password": "alice-password-1", "csrf_token": ui.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Secure" in _set_cookie(response, SESSION_COOKIE)


@pytest.mark.parametrize(
    ("username", "password"), [("alice", "wrong-password"), ("nobody", "alice-password-1")]
)
def test_bad_credentials_show_the_same_alert_with_401(
    api: Api, make_ui: MakeUi, username: str, password: str
) -> None:
    ui = make_ui(api)
    page = ui.login(username, password)
    assert page.status_code == 401
    assert ui.region("alert") == BAD_CREDENTIALS
    assert f'value="{username}"' in page.text  # the username is kept, the password not
    assert password not in page.text
    assert SESSION_COOKIE not in ui.client.cookies
    assert "Log in" in ui.get("/").text


def test_login_without_a_valid_csrf_token_is_refused(api: Api, make_ui: MakeUi) -> None:
    ui, other = make_ui(api), make_ui(api)
    ui.get("/")
    other.get("/")
    credentials = {"username": "alice", "password": "alice-password-1"}
    for token in ("", "forged", other.csrf()):  # a token from another browser is no good
        page = ui.client.post("/login", data={**credentials, "csrf_token": token})
        assert page.status_code == 403
        assert LOGIN_EXPIRED in page.text
        assert SESSION_COOKIE not in ui.client.cookies


def test_forms_refuse_a_wrong_csrf_token_and_change_nothing(api: Api, make_ui: MakeUi) -> None:
    alice, bob = make_ui(api), make_ui(api)
    alice.login("alice")
    bob.login("bob")
    alice.upload(b"keep me", filename="keep.png")
    delete_url = alice._row_url("keep.png", "delete")
    for token in ("", "forged", bob.csrf()):  # bob's token is bound to bob's session
        upload = alice.client.post(
            "/upload",
            data={"csrf_token": token},
            files={"file": ("new.png", b"new", "image/png")},
        )
        assert upload.status_code == 403
        assert FORM_EXPIRED in upload.text
        assert alice.client.post(delete_url, data={"csrf_token": token}).status_code == 403
        assert alice.client.post("/logout", data={"csrf_token": token}).status_code == 403
    names = [m["filename"] for m in api.get("alice", "/api/v2/media").json()["items"]]
    assert names == ["keep.png"]
    alice.get("/")
    assert alice.names() == ["keep.png"]  # still logged in


def test_logout_ends_the_session(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    ui.login("alice")
    token = ui.csrf()
    response = ui.client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    cleared = _set_cookie(response, SESSION_COOKIE)
    assert 'unimedia_session="";' in cleared or "unimedia_session=;" in cleared
    assert "Max-Age=0" in cleared
    page = ui.get(response.headers["location"])
    assert "Log in" in page.text
    assert ui.region("status") == "You have logged out."
    assert ui.get("/").status_code == 200
    assert ui.region("status") == ""  # a message is shown once


def test_an_invalid_session_cookie_means_logged_out(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    ui.client.cookies.set(SESSION_COOKIE, "not-a-token")
    page = ui.get("/")
    assert "Log in" in page.text
    assert "Max-Age=0" in _set_cookie(page, SESSION_COOKIE)


def test_ui_login_fails_under_login_broken(make_api: Callable[..., Api], make_ui: MakeUi) -> None:
    api = make_api(faults="login_broken:alice")
    alice, bob = make_ui(api), make_ui(api)
    assert alice.login("alice").status_code == 500
    assert "failed on the server" in alice.region("alert")
    assert bob.login("bob").status_code == 200


@pytest.mark.parametrize("path", ["/", "/media-page", "/static/app.js", "/static/app.css"])
def test_security_headers(api: Api, make_ui: MakeUi, path: str) -> None:
    ui = make_ui(api)
    if path == "/media-page":
        ui.login("alice")
        path = "/"
    response = ui.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


class _Controls(HTMLParser):
    """Collects what an accessibility tree needs: labels, controls, link and button text."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: set[str] = set()
        self.controls: list[tuple[str, dict[str, str | None]]] = []
        self.named: dict[str, list[str]] = {"a": [], "button": []}
        self.inline_scripts = 0
        self.handlers: list[str] = []
        self._open: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handlers += [name for name in attributes if name.startswith("on")]
        if "style" in attributes:
            self.handlers.append("style")
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        if tag == "label" and attributes.get("for"):
            self.labels.add(str(attributes["for"]))
        if tag in ("input", "select", "textarea") and attributes.get("type") != "hidden":
            self.controls.append((tag, attributes))
        if tag in self.named:
            self._open.append((tag, []))

    def handle_data(self, data: str) -> None:
        for _tag, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1][0] == tag:
            opened, parts = self._open.pop()
            self.named[opened].append(" ".join("".join(parts).split()))


def test_every_control_has_an_accessible_name_and_nothing_runs_inline(
    api: Api, make_ui: MakeUi
) -> None:
    ui = make_ui(api)
    pages = [ui.get("/").text]
    ui.login("admin")
    ui.upload(b"x", filename="one.png")
    pages.append(ui.get("/").text)
    for page in pages:
        parser = _Controls()
        parser.feed(page)
        assert parser.controls
        for tag, attributes in parser.controls:
            assert attributes.get("id") in parser.labels or attributes.get("aria-label"), (
                tag,
                attributes,
            )
        assert all(parser.named["button"]), parser.named["button"]
        assert all(parser.named["a"]), parser.named["a"]
        assert parser.inline_scripts == 0
        assert parser.handlers == []
    parser = _Controls()
    parser.feed(pages[1])
    assert "Download one.png" in parser.named["a"]
    assert {"Upload", "Log out", "Apply filter", "Delete one.png", "Yes, delete", "Cancel"} <= set(
        parser.named["button"]
    )


def test_only_the_listed_static_files_are_served(api: Api) -> None:
    client = api.client
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    for name in ("fault-broken-ui-upload.js", "..%2Fapp.py", "nope.js"):
        assert client.get(f"/static/{name}").status_code == 404


def test_the_ui_is_not_part_of_the_api_contract(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not {"/", "/login", "/logout", "/upload", "/static/{name}"} & set(paths)


def test_login_page_escapes_a_hostile_username(api: Api, make_ui: MakeUi) -> None:
    ui = make_ui(api)
    page = ui.login('"><script>alert(1)</script>', "x")
    assert page.status_code == 401
    assert "<script>alert(1)</script>" not in page.text
    assert re.search(r'value="&#34;&gt;&lt;script&gt;alert\(1\)&lt;/script&gt;"', page.text)
