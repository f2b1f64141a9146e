"""Logging in and out through the login form, for each role, and a mistyped password."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from postdeploy.checks.browser_evidence import BrowserWatch
from postdeploy.config import Account

from .pages import log_in, log_out, media_table, open_login

pytestmark = [pytest.mark.e2e, pytest.mark.gate(trigger="user_impact", severity="high")]


@pytest.mark.parametrize("role", ["user", "admin"])
def test_each_role_logs_in_and_out(
    page: Page, role: str, user_account: Account, admin_account: Account
) -> None:
    """Each role can log in, sees its own library, and can log out"""
    account = admin_account if role == "admin" else user_account
    log_in(page, account)
    expect(media_table(page, admin=role == "admin")).to_be_visible()
    log_out(page)
    # Logged out means logged out: the library is no longer reachable.
    page.goto("/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_role("heading", name="Media library")).to_have_count(0)


def test_wrong_password_is_refused_with_an_error(
    page: Page, browser_watch: BrowserWatch, user_account: Account
) -> None:
    """A wrong password is refused with a visible error, and the right one then works"""
    open_login(page)
    # The refusal is an HTTP 401, which Chromium logs on the console as a failed resource
    # load. Expected here, and only here.
    browser_watch.allow(r"status of 401", url=r"/login$")
    page.get_by_label("Username").fill(user_account.username)
    page.get_by_label("Password").fill("not-the-password-" + user_account.username)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Invalid username or password.")
    expect(page.get_by_role("heading", name="Log in to unimedia")).to_be_visible()
    expect(page.get_by_role("heading", name="Media library")).to_have_count(0)
    # A person who mistyped retries; that must work.
    log_in(page, user_account)
    assert browser_watch.problems == [], "console errors: " + "; ".join(browser_watch.problems)
