"""unimedia's pages as a person sees them: found by role and accessible name, never by CSS.

The names are the UI's contract (see the table in docs/e2e.md); a renamed button is a
finding, like a broken one. Every helper waits on a condition (Playwright's ``expect``),
never on time. Steps carry :func:`~postdeploy.checks.fails_as` titles, so a finding says
which step of a workflow broke; a page that does not load is a ``critical_error``, a
workflow that does not work is the check's own trigger (``user_impact``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from postdeploy.checks import fails_as
from postdeploy.config import Account

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

__all__ = [
    "KIND_LABELS",
    "Payload",
    "delete_via_ui",
    "download_via_ui",
    "expect_listed",
    "log_in",
    "log_out",
    "media_table",
    "open_library",
    "open_login",
    "pager",
    "row_of",
    "upload_via_ui",
]

# The Kind filter's options: media kind → label.
KIND_LABELS = {"image": "Images", "video": "Videos", "document": "Documents"}
# "Page 2 of 3 (11-20 of 27)" with an en dash (\u2013) for the hyphen, or "(no files)".
_PAGER = re.compile(r"Page (\d+) of (\d+)\s*\((?:(\d+)\u2013(\d+) of (\d+)|no files)\)")


@dataclass(frozen=True, slots=True)
class Payload:
    """A file as the user picks it: name, type, bytes, and the kind the service should see."""

    name: str
    mime: str
    content: bytes
    kind: str


def open_login(page: Page) -> None:
    """Open the site; the login page must load (else: the release is down for users)."""
    with fails_as("critical_error", "critical", "The login page loads"):
        response = page.goto("/")
        status = response.status if response else None
        assert status is not None, "GET / got no response"
        assert status < 500, f"GET / answered HTTP {status}"
        expect(page.get_by_role("heading", name="Log in to unimedia")).to_be_visible()


def log_in(page: Page, account: Account) -> None:
    """Log in through the form and land on the media library as that account."""
    open_login(page)
    password = account.password.reveal() if account.password else ""
    with fails_as("user_impact", "high", f"Logging in as a {account.role} works"):
        page.get_by_label("Username").fill(account.username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Media library")).to_be_visible()
        expect(
            page.get_by_text(f"Signed in as {account.username} ({account.role})")
        ).to_be_visible()
    # The page's script (deferred) runs before "load": until then a control it enhances —
    # the Kind filter that applies on change — does nothing yet, and a check that uses it
    # at once waits for a navigation that never comes (issue 23's console-check timeout).
    page.wait_for_load_state("load")


def open_library(page: Page, account: Account) -> None:
    """Open the media library with a session the browser already has."""
    with fails_as("critical_error", "critical", "The media library loads"):
        response = page.goto("/")
        status = response.status if response else None
        assert status is not None, "GET / got no response"
        assert status < 500, f"GET / answered HTTP {status}"
        expect(page.get_by_role("heading", name="Media library")).to_be_visible()
    expect(page.get_by_text(f"Signed in as {account.username} ({account.role})")).to_be_visible()
    page.wait_for_load_state("load")  # see log_in


def log_out(page: Page) -> None:
    """Log out; the login page says so."""
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in to unimedia")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("You have logged out.")


def media_table(page: Page, *, admin: bool = False) -> Locator:
    """The list: "Your media" for a user, "All media" for the admin."""
    return page.get_by_role("table", name="All media" if admin else "Your media")


def row_of(page: Page, name: str) -> Locator:
    """The list row whose row header is ``name``."""
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name, exact=True))


def expect_listed(page: Page, name: str, *, admin: bool = False, max_pages: int = 20) -> Locator:
    """Find ``name``'s row on this page or, following "Next page", a later one.

    Other checks and stages write to the same account while this one runs, and the list is
    newest first: a file seeded a moment ago can already be on page 2. Following the UI's
    own "Next page" link keeps any filter in force; a file on no page fails the check.
    """
    for _ in range(max_pages):
        expect(media_table(page, admin=admin)).to_be_visible()
        row = row_of(page, name)
        if row.count():
            expect(row).to_be_visible()
            return row
        following = page.get_by_role("link", name="Next page")
        if not following.count():
            break
        page.goto(following.get_attribute("href") or "/")
    raise AssertionError(f"{name} is listed on none of the pages the UI links to")


def upload_via_ui(page: Page, payload: Payload, tags: str) -> None:
    """Pick the file, tag it, press Upload; the status line confirms and the row appears."""
    with fails_as("user_impact", "high", "Uploading through the UI works"):
        page.get_by_label("File").set_input_files(
            {"name": payload.name, "mimeType": payload.mime, "buffer": payload.content}
        )
        page.get_by_label("Tags").fill(tags)
        page.get_by_role("button", name="Upload", exact=True).click()
        expect(page.get_by_role("status")).to_have_text(f"Uploaded {payload.name}")
    with fails_as("user_impact", "high", "Uploaded media appears in the list"):
        row = row_of(page, payload.name)
        expect(row).to_be_visible()
        expect(row.get_by_role("cell", name=payload.kind, exact=True)).to_be_visible()


def download_via_ui(page: Page, name: str) -> bytes:
    """Click "Download <name>" and return the bytes the browser saved."""
    with fails_as("user_impact", "high", "Downloading through the UI works"):
        with page.expect_download() as info:
            page.get_by_role("link", name=f"Download {name}", exact=True).click()
        download = info.value
        failure = download.failure()
        assert failure is None, f"the browser's download of {name} failed: {failure}"
        assert download.suggested_filename == name, (
            f"the browser saved {download.suggested_filename!r}, not {name!r}"
        )
        return Path(download.path()).read_bytes()


def delete_via_ui(page: Page, name: str) -> None:
    """Delete with the confirmation dialog: Cancel keeps the file, "Yes, delete" removes it."""
    with fails_as("user_impact", "high", "Deleting through the UI works"):
        page.get_by_role("button", name=f"Delete {name}", exact=True).click()
        dialog = page.get_by_role("dialog", name=f"Delete {name}?")
        expect(dialog).to_be_visible()
        dialog.get_by_role("button", name="Cancel").click()
        expect(dialog).to_be_hidden()
        expect(row_of(page, name)).to_be_visible()
        page.get_by_role("button", name=f"Delete {name}", exact=True).click()
        dialog.get_by_role("button", name="Yes, delete").click()
        expect(page.get_by_role("status")).to_have_text(f"Deleted {name}")
        expect(row_of(page, name)).to_have_count(0)


@dataclass(frozen=True, slots=True)
class Pager:
    """What the pager line "Page N of M (a to b of n)" says."""

    page: int
    pages: int
    first: int
    last: int
    total: int


def pager(page: Page) -> Pager:
    """Read the pager line of the list (waits until it is there)."""
    line = page.get_by_role("navigation", name="Pages").get_by_text(re.compile(r"^Page \d+ of"))
    expect(line).to_be_visible()
    text = " ".join(line.inner_text().split())
    match = _PAGER.search(text)
    assert match, f"pager reads {text!r}, not 'Page N of M (a\u2013b of n)'"
    page_no, pages, first, last, total = match.groups()
    if total is None:
        return Pager(int(page_no), int(pages), 0, 0, 0)
    return Pager(int(page_no), int(pages), int(first), int(last), int(total))
