"""Upload, see, download and delete an image, a video and a document through the UI."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from postdeploy.checks import fails_as
from postdeploy.checks.sample_files import mp4, pdf, png
from postdeploy.config import Account

from .pages import Payload, delete_via_ui, download_via_ui, upload_via_ui

pytestmark = [pytest.mark.e2e, pytest.mark.gate(trigger="user_impact", severity="high")]

PAYLOADS: dict[str, Callable[[str], Payload]] = {
    "image": lambda token: Payload(f"e2e-{token}.png", "image/png", png(), "image"),
    "video": lambda token: Payload(f"e2e-{token}.mp4", "video/mp4", mp4(), "video"),
    "document": lambda token: Payload(f"e2e-{token}.pdf", "application/pdf", pdf(), "document"),
}


@pytest.mark.parametrize("kind", list(PAYLOADS))
def test_upload_download_delete_through_the_ui(
    page: Page,
    signed_in: Callable[[Account], None],
    kind: str,
    user_account: Account,
    check_tag: str,
) -> None:
    """A user uploads, finds, downloads and deletes media through the UI"""
    payload = PAYLOADS[kind](uuid.uuid4().hex[:10])
    signed_in(user_account)
    upload_via_ui(page, payload, check_tag)
    got = download_via_ui(page, payload.name)
    with fails_as("data_loss", "critical", "Downloaded media is what was uploaded"):
        sent = payload.content
        assert got == sent, (
            f"downloaded {len(got)} bytes (sha256 {hashlib.sha256(got).hexdigest()[:16]}…), "
            f"uploaded {len(sent)} bytes (sha256 {hashlib.sha256(sent).hexdigest()[:16]}…)"
        )
    delete_via_ui(page, payload.name)
