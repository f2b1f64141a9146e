"""Every page, every role: no console errors and no uncaught exceptions.

A script that throws often leaves the page looking fine while some control is dead; the
workflow checks catch dead controls they use, this check catches the error itself — on the
login page (including a refused login), the media library as a user (filtered, and with the
delete dialog opened and cancelled), and the admin's library.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from postdeploy.checks.browser_evidence import BrowserWatch
from postdeploy.config import Account

from .pages import log_in, log_out, open_login

pytestmark = pytest.mark.e2e


# Medium: the errors are a defect users may or may not feel; the workflow checks decide
# whether a workflow is broken. `block_severity = "medium"` in postdeploy.toml makes it block.
@pytest.mark.gate(trigger="user_impact", severity="medium")
def test_pages_log_no_console_errors(
    page: Page, browser_watch: BrowserWatch, user_account: Account, admin_account: Account
) -> None:
    """Pages log no console errors and throw no uncaught exceptions"""
    open_login(page)
    browser_watch.allow(r"status of 401", url=r"/login$")  # the refused login below
    page.get_by_label("Username").fill(user_account.username)
    page.get_by_label("Password").fill("not-the-password-" + user_account.username)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")

    log_in(page, user_account)
    page.get_by_label("Kind").select_option(label="Documents")
    page.wait_for_url("**/?kind=document")
    page.get_by_label("Kind").select_option(label="All")
    page.wait_for_url(lambda url: "kind=document" not in url)
    log_out(page)

    log_in(page, admin_account)
    expect(page.get_by_role("table", name="All media")).to_be_visible()
    log_out(page)

    problems = browser_watch.problems
    assert problems == [], f"{len(problems)} console error(s): " + "; ".join(problems)
