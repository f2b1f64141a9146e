"""Integration fixtures: media made through either API, always removed; leftovers swept.

Every write carries the run id — v2 uploads as tags (``postdeploy`` and
``postdeploy-run=<id>``), v1 uploads (which cannot carry tags) in their file name — and is
deleted after its test, pass or fail. Before the first check, media an earlier, interrupted
run left behind (same scheme, another run id, older than ````[suites] leftover_age_s````,
default 1800 s so that a run going on at the same time keeps its data) is removed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from integration_media import PAYLOADS, Made

from postdeploy.checks import fails_as
from postdeploy.checks.legacy_api import LEGACY, delete_legacy_if_ours
from postdeploy.checks.media_api import MEDIA_PATH, check_filename, sweep_leftovers, upload_media
from postdeploy.config import Config

log = logging.getLogger(__name__)


@pytest.fixture(scope="session", autouse=True)
def leftovers_swept(
    postdeploy_admin: httpx.Client, postdeploy_run_id: str, postdeploy_config: Config
) -> None:
    """Remove what an earlier, interrupted run left behind, before any check runs."""
    age = postdeploy_config.suites.leftover_age_s
    try:
        removed = sweep_leftovers(postdeploy_admin, postdeploy_run_id, older_than_s=age)
    except httpx.HTTPError as exc:
        log.warning("could not sweep earlier runs' leftovers: %s", exc)
        return
    if removed:
        log.warning("removed %d leftover media of earlier runs", len(removed))


class Maker:
    """Creates media and remembers how to delete it; :meth:`cleanup` deletes it all."""

    def __init__(self, default: httpx.Client, run_id: str, run_tag: str) -> None:
        self._default, self._run_id, self._run_tag = default, run_id, run_tag
        self._created: list[tuple[httpx.Client, Made]] = []

    def __call__(
        self,
        kind: str = "image",
        api: str = "v2",
        client: httpx.Client | None = None,
        tags: str = "",
    ) -> Made:
        client = client or self._default
        factory, content_type, extension = PAYLOADS[kind]
        content = factory()
        filename = check_filename(self._run_id, f"{kind}.{extension}")
        with fails_as("critical_error", "critical", f"Uploads through {api} are accepted"):
            if api == "v2":
                tag = f"{self._run_tag},{tags}" if tags else self._run_tag
                response = upload_media(
                    client, tag, content, filename=filename, content_type=content_type
                ).response
            else:
                legacy = LEGACY[kind]
                response = client.post(
                    legacy.base, files={legacy.file_field: (filename, content, content_type)}
                )
            assert response.status_code == 201, (
                f"{api} {kind} upload answered HTTP {response.status_code}: {response.text[:300]}"
            )
        made = Made(kind, api, content, filename, content_type, response.json())
        self._created.append((client, made))
        return made

    def cleanup(self) -> None:
        """Delete what was made: v2 items by their uuid, v1 items by number only while the
        number still holds our bytes (a check may have deleted it, and a service may have
        given the number to someone else's upload since)."""
        for client, made in self._created:
            try:
                if made.api == "v2":
                    client.delete(f"{MEDIA_PATH}/{made.media_id}")
                else:
                    delete_legacy_if_ours(client, LEGACY[made.kind], made.legacy_id, made.sha256)
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("could not delete %s %s: %s", made.api, made.filename, exc)
        self._created.clear()


@pytest.fixture
def make(
    postdeploy_user: httpx.Client,
    postdeploy_run_id: str,
    postdeploy_run_tag: str,
    postdeploy_run_sweep: None,
) -> Iterator[Maker]:
    """``make(kind, api="v2", client=None, tags="")``: create media; removed after the test."""
    maker = Maker(postdeploy_user, postdeploy_run_id, postdeploy_run_tag)
    yield maker
    maker.cleanup()


@pytest.fixture(scope="module")
def make_for_module(
    postdeploy_user: httpx.Client,
    postdeploy_run_id: str,
    postdeploy_run_tag: str,
    postdeploy_run_sweep: None,
) -> Iterator[Maker]:
    """Like ``make``, for media many checks of one module read; removed after the module."""
    maker = Maker(postdeploy_user, postdeploy_run_id, postdeploy_run_tag)
    yield maker
    maker.cleanup()
