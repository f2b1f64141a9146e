"""Content: uploaded HTML/SVG never runs in the app's origin, download names cannot
traverse paths, and error answers leak no internals, versions or secrets."""

from __future__ import annotations

from collections.abc import Callable
from email.message import Message

import httpx
import pytest

from postdeploy.checks.media_api import MEDIA_PATH, OwnedMedia
from postdeploy.checks.web_login import UiLogin
from postdeploy.checks.websec import active_content_problems, error_leaks, path_problems
from postdeploy.config import Account

pytestmark = pytest.mark.security

ACTIVE = {
    "page.html": ("text/html", b"<!doctype html><script>document.title='pwned'</script>"),
    "image.svg": (
        "image/svg+xml",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
    ),
}
TRAVERSING_NAMES = ("../../../etc/passwd.png", "..\\..\\windows\\win.ini.png", "/abs/path.png")


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_uploaded_html_and_svg_are_never_served_as_active_content(
    postdeploy_user: httpx.Client,
    user_account: Account,
    owned_media: Callable[..., OwnedMedia],
    ui_login: Callable[..., UiLogin],
) -> None:
    """Uploaded HTML and SVG are never served inline as active content"""
    problems = []
    downloads: list[tuple[httpx.Client, str]] = []
    for filename, (content_type, body) in ACTIVE.items():
        probe = owned_media(
            postdeploy_user,
            user_account.username,
            content=body,
            filename=filename,
            content_type=content_type,
        )
        downloads.append((postdeploy_user, f"{MEDIA_PATH}/{probe.media_id}/content"))
        browser = ui_login(user_account, required=False)
        if browser is not None:  # the web UI's download links, where there is a UI
            downloads.append((browser.client, f"/media/{probe.media_id}/download"))
    for client, path in downloads:
        response = client.get(path)
        if response.status_code != 200:
            problems.append(f"GET {path} → HTTP {response.status_code} (expected the bytes)")
            continue
        problems += [f"GET {path}: {p}" for p in active_content_problems(response.headers)]
    assert not problems, "\n".join(problems)


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_download_names_cannot_traverse_paths(
    postdeploy_user: httpx.Client, user_account: Account, owned_media: Callable[..., OwnedMedia]
) -> None:
    """Download names cannot traverse paths"""
    problems = []
    for name in TRAVERSING_NAMES:
        probe = owned_media(postdeploy_user, user_account.username, filename=name)
        stored = str(postdeploy_user.get(f"{MEDIA_PATH}/{probe.media_id}").json()["filename"])
        problems += [f"stored: {p}" for p in path_problems(stored)]
        response = postdeploy_user.get(f"{MEDIA_PATH}/{probe.media_id}/content")
        announced = _disposition_filename(response.headers.get("content-disposition", ""))
        problems += [f"Content-Disposition: {p}" for p in path_problems(announced)]
    assert not problems, "\n".join(problems)


def _disposition_filename(header: str) -> str:
    message = Message()
    message["content-disposition"] = header
    return message.get_filename() or ""


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_error_answers_leak_no_internals_versions_or_secrets(
    postdeploy_anonymous: httpx.Client,
    postdeploy_user: httpx.Client,
    run_secrets: tuple[str, ...],
) -> None:
    """Error answers leak no stack traces, versions or secrets"""
    provoked = [
        postdeploy_anonymous.get("/postdeploy-no-such-page"),
        postdeploy_anonymous.delete("/healthz"),
        postdeploy_anonymous.post(
            "/api/v2/auth/login",
            content=b'{"username": "x", "password": ',
            headers={"Content-Type": "application/json"},
        ),
        postdeploy_user.get(MEDIA_PATH, params={"limit": "not-a-number"}),
        postdeploy_user.get(f"{MEDIA_PATH}/../../etc/passwd"),
        postdeploy_user.get("/api/v1/images/img_0"),
        postdeploy_user.get(f"{MEDIA_PATH}/{'9' * 40}/content", headers={"Range": "bytes=z-"}),
    ]
    problems = []
    for response in provoked:
        head = f"{response.request.method} {response.request.url.path} → {response.status_code}"
        if response.status_code < 400:
            continue
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        found = error_leaks(response.text + "\n" + headers, secrets_=run_secrets)
        problems += [f"{head}: {what}" for what in found]
    assert not problems, "\n".join(problems)
