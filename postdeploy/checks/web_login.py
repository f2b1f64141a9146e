"""Logging in through the web UI as a browser would: the form, its CSRF token, the cookie.

Kept out of ``security/conftest.py`` so the checks can import the types, and so the UI
login (a form with a CSRF token bound to a pre-session cookie) lives in one place.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from postdeploy.config import Account

__all__ = ["UiLogin", "login_form_token"]

_CSRF = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


@dataclass(frozen=True)
class UiLogin:
    """A logged-in browser-like client and the answer to its login form."""

    account: Account
    client: httpx.Client
    response: httpx.Response


def login_form_token(page: httpx.Response) -> str | None:
    """The login form's CSRF token, or None when ``page`` is not a login form."""
    if "text/html" not in page.headers.get("content-type", ""):
        return None
    match = _CSRF.search(page.text)
    return match[1] if match else None
