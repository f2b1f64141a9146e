"""UI faults that only a vulnerability scanner finds: a reflected XSS, an open redirect.

Each is the bug a plausible change brings, planted where it would live:

* ``ui_filter_xss`` — "tell the user when the filter names no kind": the media page echoes
  the ``kind`` it did not recognise, marked safe for the template (so unescaped).
* ``login_open_redirect`` — "bring the user back where they were after logging in": a
  page left open until its session runs out moves to ``/login?next=<this page>`` (a meta
  refresh), the login form keeps ``next``, and after the login — or at once, for a visitor
  still logged in — the user is sent to ``next``, checked by nobody: any site.

The checks in ``security/`` do not look for either; Wapiti's ``xss`` and ``redirect``
modules find them (tests/scan/test_wapiti_faults.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from unimedia.faults import FaultSet
from unimedia.ui.views import parse_kind

XSS_FAULT = "ui_filter_xss"
LOGIN_FAULT = "login_open_redirect"


@dataclass(frozen=True, slots=True)
class SessionRefresh:
    """The page's meta refresh: after ``seconds``, to ``url``."""

    seconds: int
    url: str


def filter_note(faults: FaultSet, raw_kind: str | None) -> Markup | None:
    """The note about a kind the filter does not know; none on the clean service."""
    if not faults.active(XSS_FAULT) or not raw_kind or parse_kind(raw_kind) is not None:
        return None
    return Markup(f"No kind called {raw_kind}: showing all media.")  # noqa: S704 - the bug


def session_refresh(faults: FaultSet, current_url: str, ttl_seconds: int) -> SessionRefresh | None:
    """When the session runs out, to the login page and back here; none when clean."""
    if not faults.active(LOGIN_FAULT):
        return None
    return SessionRefresh(ttl_seconds, "/login?next=" + quote(current_url, safe=""))


def return_address(faults: FaultSet, raw_next: str | None) -> str | None:
    """Where to go after the login: ``next`` as given (the bug); none when clean."""
    if not faults.active(LOGIN_FAULT) or not raw_next:
        return None
    return raw_next
