"""The faults only a vulnerability scanner finds (issue 20): each is the bug it says, and
the clean service has none of it. That Wapiti finds each: tests/scan/test_wapiti_scan.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from unimedia.faults import parse_faults

if TYPE_CHECKING:
    from conftest import Api, Ui

    MakeUi = Callable[[Api], Ui]

SCRIPT = "<script>alert(1)</script>"
ALICE_PASSWORD = "alice-password-1"  # tests/unimedia/conftest.py's


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ui_filter_xss(make_api: Callable[..., Api], make_ui: MakeUi) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("ui_filter_xss@30s", clock=clock))
    ui = make_ui(api)
    ui.login("alice")
    before = ui.get(f"/?kind={SCRIPT}").text
    assert SCRIPT not in before
    assert "filter-note" not in before  # the clean page says nothing of an unknown kind
    clock.now += 30
    page = ui.get(f"/?kind={SCRIPT}").text
    assert f"No kind called {SCRIPT}: showing all media." in page  # unescaped: the bug
    assert "filter-note" not in ui.get("/?kind=image").text  # a known kind: no note


def test_legacy_sort_injection(make_api: Callable[..., Api]) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("legacy_sort_injection@30s", clock=clock))
    documents = [
        api.upload("alice", f"%PDF-1.4 doc {n}".encode(), filename=f"d{n}.pdf") for n in range(3)
    ]
    sort = api.client.app.openapi()["paths"]["/api/v1/documents"]["get"]["parameters"]
    assert "sort" in [parameter["name"] for parameter in sort]  # the release documents it
    assert api.get("alice", "/api/v1/documents?sort=nonsense'").status_code == 200  # not yet
    clock.now += 30
    by_number = api.get("alice", "/api/v1/documents").json()["results"]
    reversed_ = api.get("alice", "/api/v1/documents?sort=legacy_id DESC").json()["results"]
    assert [d["id"] for d in reversed_] == [d["id"] for d in reversed(by_number)]
    broken = api.get("alice", "/api/v1/documents?sort=legacy_id'\"(")
    assert broken.status_code == 400
    assert "sqlite3.OperationalError:" in broken.json()["detail"]  # the database's own words
    # what a client's text can do there: order by another user's secrets, for example
    injected = api.get(
        "alice", "/api/v1/documents?sort=(SELECT count(*) FROM users WHERE role='admin')"
    )
    assert injected.status_code == 200
    assert len(documents) == 3


def test_clean_listing_has_no_sort_and_ignores_one(make_api: Callable[..., Api]) -> None:
    api = make_api()
    api.upload("alice", b"%PDF-1.4 x", filename="x.pdf")
    parameters = api.client.app.openapi()["paths"]["/api/v1/documents"]["get"]["parameters"]
    assert "sort" not in [parameter["name"] for parameter in parameters]
    assert api.get("alice", "/api/v1/documents?sort=legacy_id'\"(").status_code == 200


def test_login_open_redirect(make_api: Callable[..., Api], make_ui: MakeUi) -> None:
    clock = FakeClock()
    api = make_api(faults=parse_faults("login_open_redirect@30s", clock=clock))
    ui = make_ui(api)
    assert ui.client.get("/login?next=https://evil.example/").status_code == 405  # not yet
    clock.now += 30
    # logged out: the login page keeps the return address …
    page = ui.get("/login?next=https://evil.example/")
    assert page.status_code == 200
    assert 'name="next" value="https://evil.example/"' in page.text
    # … and after the login the user is sent there: any site
    answer = ui.client.post(
        "/login",
        data={
            "username": "alice",
            "password": ALICE_PASSWORD,
            "csrf_token": ui.csrf(),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "https://evil.example/"
    # logged in: straight on, and the media page links the way back in
    again = ui.client.get("/login?next=//evil.example/", follow_redirects=False)
    assert again.headers["location"] == "//evil.example/"
    media = ui.get("/").text
    assert 'http-equiv="refresh"' in media
    assert "url=/login?next=%2F" in media


def test_clean_login_goes_home_whatever_next_says(
    make_api: Callable[..., Api], make_ui: MakeUi
) -> None:
    ui = make_ui(make_api())
    assert ui.client.get("/login?next=https://evil.example/").status_code == 405
    ui.get("/")
    answer = ui.client.post(
        "/login",
        data={
            "username": "alice",
            "password": ALICE_PASSWORD,
            "csrf_token": ui.csrf(),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/"
    assert 'http-equiv="refresh"' not in ui.get("/").text
