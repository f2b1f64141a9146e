"""Logging the scan in as a test account: the API's bearer token and the UI's cookies.

A scan of the login page alone tests almost nothing: the media pages, the listings and
their parameters are behind a login. postdeploy logs in itself — once through the API
(``POST /api/v2/auth/login``) and once through the UI's form, as a browser does — and hands
Wapiti what a logged-in client holds: an ``Authorization`` header and the ``Set-Cookie``
answers, flags and all (Wapiti's cookie module judges the flags the server really set).
The password never reaches Wapiti, and nothing reaches its command line: the session goes
to its plugin (:mod:`postdeploy.scan.wapiti_plugin`) through the child's environment, and
every value in it is scrubbed from what Wapiti writes (:mod:`postdeploy.scan.run`).

Which account: the first ordinary user (``role = "user"``) with a password; none → the
scan runs logged out, and says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import httpx

from postdeploy.checks.web_login import login_form_token
from postdeploy.config import Account, TargetSettings
from postdeploy.errors import PostdeployError, ScannerError
from postdeploy.target.client import login, new_client

__all__ = ["SESSION_ENV", "ScanSession", "log_in"]

#: The variable that carries the session to the plugin inside Wapiti.
SESSION_ENV = "POSTDEPLOY_WAPITI_SESSION"
UI_LOGIN_PAGE = "/"
UI_LOGIN_FORM = "/login"


@dataclass(frozen=True, slots=True)
class ScanSession:
    """What a logged-in client holds, and the values to scrub from Wapiti's output."""

    account: str | None
    headers: dict[str, str] = field(default_factory=dict)
    set_cookies: tuple[str, ...] = ()
    note: str = ""

    def to_env(self) -> str:
        return json.dumps({"headers": self.headers, "set_cookies": list(self.set_cookies)})

    @property
    def secrets(self) -> tuple[str, ...]:
        """The token and every cookie value: never to appear in a kept report."""
        values = [value.split(" ", 1)[-1] for value in self.headers.values()]
        for header in self.set_cookies:
            cookie = SimpleCookie()
            cookie.load(header)
            values.extend(morsel.value for morsel in cookie.values())
        return tuple(value for value in values if len(value) >= 8)


def scan_account(target: TargetSettings) -> Account | None:
    users = [a for a in target.accounts if a.password is not None and a.role == "user"]
    return users[0] if users else None


def log_in(target: TargetSettings) -> ScanSession:
    """Log the scan's account in through the API and the UI; anonymous when none."""
    account = scan_account(target)
    if account is None:
        return ScanSession(None, note="no ordinary user account with a password: logged out")
    with new_client(target) as client:
        try:
            token = login(client, account)
        except PostdeployError as exc:
            raise ScannerError(f"the scan could not log in as {account.username}: {exc}") from exc
        cookies = _ui_login(client, account)
    return ScanSession(
        account.username,
        headers={"Authorization": f"Bearer {token}"},
        set_cookies=cookies,
        note=f"logged in as {account.username} (API token and UI session)",
    )


def _ui_login(client: httpx.Client, account: Account) -> tuple[str, ...]:
    """The UI form's answer's ``Set-Cookie`` headers; none when the target has no UI form."""
    password = account.password.reveal() if account.password else ""
    try:
        page = client.get(UI_LOGIN_PAGE, headers={"Accept": "text/html"})
        csrf = login_form_token(page)
        if csrf is None:
            return ()  # no login form: an API-only deployment; the bearer token is the session
        answer = client.post(
            UI_LOGIN_FORM,
            data={"username": account.username, "password": password, "csrf_token": csrf},
            headers={"Accept": "text/html"},
        )
    except httpx.HTTPError as exc:
        raise ScannerError(f"the scan could not log in to the UI: {type(exc).__name__}") from exc
    if not answer.is_redirect:
        raise ScannerError(
            f"the scan could not log in to the UI as {account.username}: "
            f"HTTP {answer.status_code} from POST {UI_LOGIN_FORM}"
        )
    return tuple(answer.headers.get_list("set-cookie"))
