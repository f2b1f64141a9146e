"""The web UI's faults: each changes what a browser gets, and only that.

What the browser then does with it (the Upload button doing nothing, the console error)
is shown by ``scripts/ui_walkthrough.py --faults …`` in real Chromium; here the served
script and cookie are checked, which is what the fault plants.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unimedia.faults import parse_faults
from unimedia.ui.session import SESSION_COOKIE

if TYPE_CHECKING:
    from conftest import Api, Ui

MakeUi = Callable[["Api"], "Ui"]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _session_cookie(ui: Ui) -> str:
    ui.get("/")
    response = ui.client.post(
        "/login",
        data={"username": "alice", "password": "alice-password-1", "csrf_token": ui.csrf()},
        follow_redirects=False,
    )
    assert response.status_code == 303
    (cookie,) = [
        h for h in response.headers.get_list("set-cookie") if h.startswith(f"{SESSION_COOKIE}=")
    ]
    return cookie


def test_broken_ui_upload_swallows_the_submit_in_app_js(
    make_api: Callable[..., Api], make_ui: MakeUi
) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("broken_ui_upload@60s", clock=clock))
    clean = api.client.get("/static/app.js").text
    assert "stopImmediatePropagation" not in clean
    clock.now += 60
    broken = api.client.get("/static/app.js").text
    assert broken.startswith(clean)
    planted = broken[len(clean) :]
    assert 'event.target.id === "upload-form"' in planted
    assert "event.preventDefault();" in planted
    assert "event.stopImmediatePropagation();" in planted
    assert "console.error" not in planted  # silent: no error shown anywhere
    # The server still accepts the form: the bug is the browser's alone.
    ui = make_ui(api)
    ui.login("alice")
    ui.upload(b"x", filename="still-works.png")
    assert ui.names() == ["still-works.png"]


def test_ui_console_error_throws_on_the_media_page(
    make_api: Callable[..., Api], make_ui: MakeUi
) -> None:
    clean_api = make_api()
    clean = clean_api.client.get("/static/app.js").text
    assert "console.error" not in clean
    broken = make_api(faults="ui_console_error").client.get("/static/app.js").text
    planted = broken[len(clean) :]
    assert broken.startswith(clean)
    assert 'if (document.getElementById("upload-form"))' in planted  # media page only
    assert "console.error(" in planted
    # querySelector() finds nothing there: reading .dataset of null throws a TypeError.
    assert 'document.querySelector("table.media-grid").dataset' in planted
    ui = make_ui(clean_api)
    page = ui.login("alice")
    assert 'id="upload-form"' in page.text
    assert "media-grid" not in page.text


def test_insecure_session_cookie_drops_httponly_and_samesite(
    make_api: Callable[..., Api], make_ui: MakeUi
) -> None:
    clean = _session_cookie(make_ui(make_api()))
    assert "HttpOnly" in clean
    assert "SameSite=lax" in clean
    insecure = _session_cookie(make_ui(make_api(faults="insecure_session_cookie")))
    assert "HttpOnly" not in insecure
    assert "SameSite" not in insecure
    assert "Path=/" in insecure  # otherwise a working session cookie
