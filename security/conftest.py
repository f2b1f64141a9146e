"""Fixtures of the security checks: media owned by one account, probed from another.

Everything a check writes is its own probe media, tagged with the run (``postdeploy-run=…``)
and deleted afterwards, pass or fail; the admin sweeps the tag at the end of the session.
No check touches anyone else's data: ids are only ever *read* (and only to see that the
answer is a refusal), never written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from postdeploy.checks.media_api import MEDIA_PATH, OwnedMedia, upload_media
from postdeploy.checks.sample_files import png
from postdeploy.checks.web_login import UiLogin, login_form_token
from postdeploy.config import Account, TargetSettings
from postdeploy.target.client import new_client

log = logging.getLogger(__name__)

V1_IMAGES = "/api/v1/images"


def _account(target: TargetSettings, role: str, index: int = 0) -> Account:
    matching = [account for account in target.accounts if account.role == role]
    if len(matching) <= index:
        pytest.skip(f"needs {index + 1} {role} account(s); the target config has {len(matching)}")
    return matching[index]


@pytest.fixture(scope="session")
def user_account(postdeploy_target: TargetSettings) -> Account:
    return _account(postdeploy_target, "user")


@pytest.fixture(scope="session")
def other_account(postdeploy_target: TargetSettings) -> Account:
    return _account(postdeploy_target, "user", 1)


@pytest.fixture(scope="session")
def run_secrets(postdeploy_target: TargetSettings) -> tuple[str, ...]:
    """The passwords of this run: no answer of the target may ever contain them."""
    return tuple(a.password.reveal() for a in postdeploy_target.accounts if a.password)


@pytest.fixture
def owned_media(
    postdeploy_run_tag: str, postdeploy_run_sweep: None
) -> Iterator[Callable[..., OwnedMedia]]:
    """``owned_media(client, owner)``: upload a fresh PNG as ``client``; deleted afterwards."""
    created: list[tuple[httpx.Client, str]] = []

    def make(client: httpx.Client, owner: str, **kwargs: str) -> OwnedMedia:
        uploaded = upload_media(client, postdeploy_run_tag, **kwargs)
        if uploaded.response.status_code != 201:
            pytest.fail(
                f"setup: upload as {owner} answered HTTP {uploaded.response.status_code}",
                pytrace=False,
            )
        created.append((client, uploaded.media_id))
        return OwnedMedia(uploaded.media_id, owner)

    yield make
    for client, media_id in created:
        client.delete(f"{MEDIA_PATH}/{media_id}")


@pytest.fixture
def v1_image(postdeploy_user: httpx.Client, user_account: Account) -> Iterator[str]:
    """An image uploaded through the legacy API as the first user: its ``img_<n>`` id."""
    response = postdeploy_user.post(
        V1_IMAGES, files={"image": ("postdeploy-probe.png", png(), "image/png")}
    )
    if response.status_code == 404:
        pytest.skip("the target has no legacy /api/v1/images")
    if response.status_code != 201:
        pytest.fail(f"setup: v1 image upload answered HTTP {response.status_code}", pytrace=False)
    image_id = str(response.json()["image_id"])
    yield image_id
    postdeploy_user.delete(f"{V1_IMAGES}/{image_id}")


@pytest.fixture
def ui_login(
    postdeploy_target: TargetSettings,
) -> Iterator[Callable[..., UiLogin | None]]:
    """Log in through the web UI's form (CSRF token and all); the client keeps the cookies.

    When the target has no login form at ``/``: skips the check, or with ``required=False``
    returns None (for checks where the UI is one route among several).
    """
    clients: list[httpx.Client] = []

    def login(account: Account, *, required: bool = True) -> UiLogin | None:
        client = new_client(postdeploy_target)
        clients.append(client)
        token = login_form_token(client.get("/", headers={"Accept": "text/html"}))
        if token is None:
            if not required:
                return None
            pytest.skip("the target has no web UI login form at /")
        password = account.password.reveal() if account.password else ""
        response = client.post(
            "/login",
            data={"username": account.username, "password": password, "csrf_token": token},
        )
        if response.status_code not in (302, 303):
            pytest.fail(f"setup: UI login answered HTTP {response.status_code}", pytrace=False)
        return UiLogin(account, client, response)

    yield login
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def postdeploy_target_admin(postdeploy_target: TargetSettings) -> Account:
    return _account(postdeploy_target, "admin")
