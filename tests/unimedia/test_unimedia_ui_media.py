"""The web UI's media workflows through its forms: upload → list → download → delete,
paging, the kind filter, who sees what, and hostile file names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from markupsafe import escape

from unimedia.service import MAX_TAGS

if TYPE_CHECKING:
    from conftest import Api, Ui

MakeUi = Callable[["Api"], "Ui"]


def _unique_bytes() -> bytes:
    return f"media {uuid.uuid4()}".encode() * 40


@pytest.fixture
def alice(api: Api, make_ui: MakeUi) -> Ui:
    ui = make_ui(api)
    assert ui.login("alice").status_code == 200
    return ui


def test_upload_list_download_delete_through_the_forms(api: Api, alice: Ui) -> None:
    content = _unique_bytes()
    page = alice.upload(content, filename="holiday.png", tags="beach, 2024")
    assert page.status_code == 200
    assert alice.region("status") == "Uploaded holiday.png"
    assert alice.names() == ["holiday.png"]
    assert "<td>image</td>" in page.text
    assert f'title="{len(content)} bytes"' in page.text

    download = alice.client.get(alice.download_url("holiday.png"))
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == 'attachment; filename="holiday.png"'
    assert download.headers["x-content-type-options"] == "nosniff"

    download_url = alice.download_url("holiday.png")
    page = alice.delete("holiday.png")
    assert page.status_code == 200
    assert alice.region("status") == "Deleted holiday.png"
    assert alice.names() == []
    assert "No media yet." in page.text
    assert alice.client.get(download_url).status_code == 404
    assert api.get("alice", "/api/v2/media").json()["total"] == 0


def test_ui_and_api_share_one_store(api: Api, alice: Ui) -> None:
    alice.upload(b"from the ui", filename="ui.txt", content_type="text/plain", tags="a, b")
    items = api.get("alice", "/api/v2/media").json()["items"]
    assert [(m["filename"], m["kind"], m["tags"]) for m in items] == [
        ("ui.txt", "document", ["a", "b"])
    ]
    api.upload("alice", b"from the api", filename="api.png")
    alice.get("/")
    assert alice.names() == ["api.png", "ui.txt"]
    assert alice.client.get(alice.download_url("api.png")).content == b"from the api"


@pytest.mark.parametrize(
    ("filename", "content_type", "kind"),
    [
        ("clip.mp4", "video/mp4", "video"),
        ("report.pdf", "application/pdf", "document"),
        ("photo.jpg", "image/jpeg", "image"),
        ("archive.zip", "application/zip", "other"),
    ],
)
def test_any_kind_can_be_uploaded(alice: Ui, filename: str, content_type: str, kind: str) -> None:
    page = alice.upload(b"bytes", filename=filename, content_type=content_type)
    assert alice.region("status") == f"Uploaded {filename}"
    assert alice.names() == [filename]
    assert f"<td>{kind}</td>" in page.text


def test_upload_errors_are_shown_and_store_nothing(
    make_api: Callable[..., Api], make_ui: MakeUi
) -> None:
    api = make_api(max_upload_bytes=10)
    ui = make_ui(api)
    ui.login("alice")
    ui.upload(b"", filename="")
    assert ui.region("alert") == "Choose a file to upload."
    ui.upload(b"x", tags=",".join(f"t{i}" for i in range(MAX_TAGS + 1)))
    assert ui.region("alert").startswith("Not uploaded: at most")
    ui.upload(b"eleven bytes", filename="big.png")
    assert ui.region("alert") == "Not uploaded: big.png is larger than 10 bytes."
    assert ui.region("status") == ""
    assert ui.names() == []
    assert api.get("alice", "/api/v2/media").json()["total"] == 0


def test_script_uploads_get_json_and_the_message_waits_for_the_next_page(alice: Ui) -> None:
    response = alice.upload(b"x", filename="x.png", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json() == {"location": "/"}
    alice.get("/")
    assert alice.region("status") == "Uploaded x.png"
    alice.get("/")
    assert alice.region("status") == ""


def _seed(api: Api, count: int, *, prefix: str = "f", content_type: str = "image/png") -> None:
    for i in range(count):
        api.upload("alice", b"x", filename=f"{prefix}{i:02}.bin", content_type=content_type)


def test_paging_ten_per_page_newest_first(api: Api, alice: Ui) -> None:
    _seed(api, 23)
    page = alice.get("/")
    assert alice.names() == [f"f{i:02}.bin" for i in range(22, 12, -1)]
    assert 'href="/?page=2" rel="next">Next page</a>' in page.text
    assert "Previous page" not in page.text
    assert "Page 1 of 3" in page.text

    page = alice.get("/?page=2")
    assert alice.names() == [f"f{i:02}.bin" for i in range(12, 2, -1)]
    assert 'href="/" rel="prev">Previous page</a>' in page.text
    assert 'href="/?page=3" rel="next">Next page</a>' in page.text

    page = alice.get("/?page=3")
    assert alice.names() == ["f02.bin", "f01.bin", "f00.bin"]
    assert "Next page" not in page.text
    assert "21\N{EN DASH}23 of 23" in page.text

    assert alice.get("/?page=99").status_code == 200  # past the end: the last page
    assert alice.names() == ["f02.bin", "f01.bin", "f00.bin"]
    for bad in ("abc", "0", "-1"):
        alice.get(f"/?page={bad}")
        assert len(alice.names()) == 10
        assert "Page 1 of 3" in alice.last.text  # type: ignore[union-attr]


def test_kind_filter(api: Api, alice: Ui) -> None:
    _seed(api, 12, prefix="img")
    api.upload("alice", b"v", filename="clip.mp4", content_type="video/mp4")
    api.upload("alice", b"d", filename="doc.pdf", content_type="application/pdf")

    page = alice.get("/?kind=video")
    assert alice.names() == ["clip.mp4"]
    assert '<option value="video" selected>Videos</option>' in page.text
    alice.get("/?kind=document")
    assert alice.names() == ["doc.pdf"]

    page = alice.get("/?kind=image")
    assert len(alice.names()) == 10
    assert all(name.startswith("img") for name in alice.names())
    assert 'href="/?page=2&amp;kind=image" rel="next">Next page</a>' in page.text
    alice.get("/?page=2&kind=image")
    assert alice.names() == ["img01.bin", "img00.bin"]

    for everything in ("", "nonsense"):
        page = alice.get(f"/?kind={everything}")
        assert alice.names()[:2] == ["doc.pdf", "clip.mp4"]
        assert '<option value="" selected>All</option>' in page.text


def test_upload_keeps_the_filter_only_when_it_shows_the_upload(alice: Ui) -> None:
    alice.get("/?kind=image")
    alice.upload(b"x", filename="a.png", kind="image")
    assert str(alice.last.url).endswith("/?kind=image")  # type: ignore[union-attr]
    alice.upload(b"x", filename="b.pdf", content_type="application/pdf", kind="image")
    assert str(alice.last.url).endswith("/")  # type: ignore[union-attr]
    assert alice.names() == ["b.pdf", "a.png"]


def test_delete_returns_to_the_same_page_and_filter(api: Api, alice: Ui) -> None:
    _seed(api, 11)
    alice.get("/?page=2")
    assert alice.names() == ["f00.bin"]
    url = alice._row_url("f00.bin", "delete")
    page = alice.client.post(url, data={"csrf_token": alice.csrf(), "page": "2", "kind": ""})
    assert page.status_code == 200
    alice.last = page
    assert alice.region("status") == "Deleted f00.bin"
    # Page 2 is gone with its only row: the last page is shown instead.
    assert "Page 1 of 1" in page.text
    assert len(alice.names()) == 10


def test_users_see_and_touch_only_their_own_media(api: Api, alice: Ui, make_ui: MakeUi) -> None:
    alice.upload(b"private", filename="alice-only.png")
    download_url = alice.download_url("alice-only.png")
    delete_url = alice._row_url("alice-only.png", "delete")

    bob = make_ui(api)
    bob.login("bob")
    bob.upload(b"bob's", filename="bob-only.png")
    assert bob.names() == ["bob-only.png"]
    assert "Owner" not in bob.last.text  # type: ignore[union-attr]
    assert bob.client.get(download_url).status_code == 404
    page = bob.client.post(delete_url, data={"csrf_token": bob.csrf()})
    bob.last = page
    assert bob.region("alert") == "That media no longer exists."
    alice.get("/")
    assert alice.names() == ["alice-only.png"]


def test_the_admin_sees_everyones_media_with_owners(api: Api, alice: Ui, make_ui: MakeUi) -> None:
    alice.upload(b"a", filename="alice.png")
    api.upload("bob", b"b", filename="bob.png")
    admin = make_ui(api)
    admin.login("admin")
    page = admin.get("/")
    assert admin.names() == ["bob.png", "alice.png"]
    assert '<th scope="col">Owner</th>' in page.text
    assert "<td>alice</td>" in page.text
    assert "<td>bob</td>" in page.text
    assert "<caption>All media</caption>" in page.text
    assert "(admin)" in page.text
    assert admin.client.get(admin.download_url("bob.png")).content == b"b"
    admin.delete("alice.png")
    assert admin.names() == ["bob.png"]
    alice.get("/")
    assert alice.names() == []


HOSTILE = [
    "<img src=x onerror=alert(1)>.png",
    "<svg onload=alert(1)>.png",  # no '"': browsers send it as %22 in multipart names
    "' onmouseover='alert(1).png",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_render_as_text(alice: Ui, name: str) -> None:
    page = alice.upload(b"x", filename=name)
    assert page.status_code == 200
    assert alice.names() == [name]
    assert alice.region("status") == f"Uploaded {name}"
    raw_markup = name.split(".png")[0]
    assert raw_markup not in page.text
    assert f'data-name="{escape(name)}"' in page.text
    assert "<img src=x" not in page.text
    assert "<svg" not in page.text
    download = alice.client.get(alice.download_url(name))
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]


def test_actions_without_a_session_go_to_the_login_page(api: Api, make_ui: MakeUi) -> None:
    media = api.upload("alice", b"x", filename="x.png")
    stranger = make_ui(api)
    response = stranger.client.post(
        "/upload", files={"file": ("y.png", b"y", "image/png")}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/")
    for method, path in [
        ("GET", f"/media/{media['id']}/download"),
        ("POST", f"/media/{media['id']}/delete"),
    ]:
        response = stranger.client.request(method, path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, "/")
    page = stranger.get("/")
    assert page.status_code == 200
    assert stranger.region("status") == "Please log in."
    assert api.get("alice", "/api/v2/media").json()["total"] == 1
