"""Fixtures shared by the suites: media written by a run, always cleaned up.

Every upload carries the run's tag (``postdeploy-run=<run id>``). Cleanup happens twice:
each fixture deletes what it created, and at the end of the session the admin sweeps any
media still carrying the tag — so a failing check never leaves data on production.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from postdeploy.checks.media_api import MEDIA_PATH, Uploaded, upload_media

log = logging.getLogger(__name__)


@pytest.fixture
def upload(
    postdeploy_user: httpx.Client, postdeploy_run_tag: str, postdeploy_run_sweep: None
) -> Iterator[Callable[..., Uploaded]]:
    """Upload as the first user; every upload is deleted after the test, pass or fail."""
    created: list[str] = []

    def _upload(content: bytes | None = None, **kwargs: str) -> Uploaded:
        uploaded = upload_media(postdeploy_user, postdeploy_run_tag, content, **kwargs)
        if uploaded.response.status_code == 201:
            created.append(uploaded.media_id)
        return uploaded

    yield _upload
    for media_id in created:
        postdeploy_user.delete(f"{MEDIA_PATH}/{media_id}")
