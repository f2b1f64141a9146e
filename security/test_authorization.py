"""Authorization: one user's media stays theirs (v2, v1, download URLs, guessed ids), and an
ordinary user cannot do what only the admin may.

Read-only against anything this run did not create: the only write a failing service can
be tricked into is a delete of the run's own probe, attempted last.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from postdeploy.checks.media_api import MEDIA_PATH, OwnedMedia
from postdeploy.checks.web_login import UiLogin
from postdeploy.config import Account

pytestmark = [
    pytest.mark.security,
    pytest.mark.gate(trigger="security_vulnerability", severity="critical"),
]

REFUSED = (401, 403, 404)
GUESS_WINDOW = 5  # ids either side of a known one: bounded, read-only


def _answers(client: httpx.Client, paths: list[str]) -> list[str]:
    leaks = []
    for path in paths:
        response = client.get(path)
        if response.status_code not in REFUSED:
            leaks.append(f"GET {path} → HTTP {response.status_code}")
    return leaks


def test_other_users_media_is_refused_through_v2(
    postdeploy_user: httpx.Client,
    postdeploy_other_user: httpx.Client,
    user_account: Account,
    owned_media: Callable[..., OwnedMedia],
) -> None:
    """One user cannot read, download or delete another user's media through /api/v2"""
    probe = owned_media(postdeploy_user, user_account.username)
    media = f"{MEDIA_PATH}/{probe.media_id}"
    leaks = _answers(postdeploy_other_user, [media, f"{media}/content"])
    deleted = postdeploy_other_user.delete(media)
    if deleted.status_code not in REFUSED:
        leaks.append(f"DELETE {media} → HTTP {deleted.status_code}")
    assert not leaks, f"{user_account.username}'s media reachable by another user:\n" + "\n".join(
        leaks
    )
    assert postdeploy_user.get(media).status_code == 200, "the owner lost the media"


def test_other_users_media_is_refused_through_v1(
    postdeploy_other_user: httpx.Client, v1_image: str, user_account: Account
) -> None:
    """One user cannot read or download another user's media through the legacy /api/v1"""
    image = f"/api/v1/images/{v1_image}"
    leaks = _answers(postdeploy_other_user, [image, f"{image}/file"])
    assert not leaks, f"{user_account.username}'s image reachable by another user:\n" + "\n".join(
        leaks
    )


def test_guessed_legacy_ids_expose_nothing(
    postdeploy_other_user: httpx.Client, v1_image: str
) -> None:
    """Guessing neighbouring legacy ids exposes no other user's media"""
    number = int(v1_image.removeprefix("img_"))
    own = postdeploy_other_user.get("/api/v1/images", params={"per_page": 100})
    mine = (
        {str(item.get("image_id")) for item in own.json().get("images", [])}
        if own.is_success
        else set()
    )
    guesses = [
        f"/api/v1/images/img_{n}"
        for n in range(max(1, number - GUESS_WINDOW), number + GUESS_WINDOW + 1)
        if f"img_{n}" not in mine
    ]
    leaks = _answers(postdeploy_other_user, guesses)
    assert not leaks, "guessed ids answered with someone else's media:\n" + "\n".join(leaks)


def test_other_users_media_is_refused_through_ui_download_links(
    postdeploy_user: httpx.Client,
    user_account: Account,
    other_account: Account,
    owned_media: Callable[..., OwnedMedia],
    ui_login: Callable[..., UiLogin],
) -> None:
    """One user cannot download another user's media through the web UI's links"""
    probe = owned_media(postdeploy_user, user_account.username)
    other = ui_login(other_account)
    leaks = _answers(other.client, [f"/media/{probe.media_id}/download"])
    assert not leaks, (
        f"{user_account.username}'s media downloadable by another user:\n" + "\n".join(leaks)
    )


def test_ordinary_users_cannot_use_admin_views_or_admin_media(
    postdeploy_user: httpx.Client,
    postdeploy_admin: httpx.Client,
    postdeploy_target_admin: Account,
    user_account: Account,
    owned_media: Callable[..., OwnedMedia],
) -> None:
    """An ordinary user cannot list everyone's media or reach the admin's"""
    probe = owned_media(postdeploy_admin, postdeploy_target_admin.username)
    problems = _answers(postdeploy_user, [f"{MEDIA_PATH}/{probe.media_id}"])
    for params in ({"limit": 200}, {"owner": postdeploy_target_admin.username, "limit": 200}):
        listing = postdeploy_user.get(MEDIA_PATH, params=params)
        if listing.status_code in REFUSED:
            continue
        foreign = {
            str(item.get("owner"))
            for item in listing.json().get("items", [])
            if item.get("owner") != user_account.username
        }
        if foreign:
            problems.append(f"GET {MEDIA_PATH} {params} lists media of {sorted(foreign)}")
    assert not problems, "admin-only data reachable by an ordinary user:\n" + "\n".join(problems)
