"""The browser session: the access token in a cookie, CSRF tokens bound to it, flash messages.

Why the API's own JWT in the cookie rather than a server-side session table: the UI then
authenticates exactly as the API does (same token, same expiry, same role lookup), and there
is no second session store to keep consistent. The price is that logging out clears the
cookie but cannot revoke a copied token before it expires.

CSRF: every state-changing form carries a token that is an HMAC of the session token under
the service's secret. It is per session, needs no storage, and a cross-site page can neither
read it nor compute it. The login form, which has no session yet, is bound the same way to a
random pre-session cookie (so an attacker cannot log a victim into the attacker's account).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum

from fastapi import Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from unimedia.auth import InvalidToken, decode_token
from unimedia.models import User

SESSION_COOKIE = "unimedia_session"
LOGIN_COOKIE = "unimedia_login"
FLASH_COOKIE = "unimedia_flash"
CSRF_FIELD = "csrf_token"
_FLASH_MAX_AGE = 60
_LOGIN_MAX_AGE = 3600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, purpose: str, value: str) -> str:
    # The purpose prefix keeps a login token from ever being valid as a session token.
    digest = hmac.new(secret.encode(), f"{purpose}:{value}".encode(), hashlib.sha256)
    return _b64(digest.digest())


def csrf_token(secret: str, session_token: str) -> str:
    """The CSRF token of one session."""
    return _mac(secret, "csrf", session_token)


def login_csrf_token(secret: str, login_nonce: str) -> str:
    """The CSRF token of the login form, bound to the pre-session cookie."""
    return _mac(secret, "login", login_nonce)


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


@dataclass(frozen=True, slots=True)
class UiSession:
    """A logged-in browser: the user (role from the database) and the session's CSRF token."""

    user: User
    csrf: str


def current_session(request: Request, session: Session, secret: str) -> UiSession | None:
    """The session behind the cookie, or None when absent, invalid, expired or orphaned."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        claims = decode_token(token, secret=secret)
    except InvalidToken:
        return None
    user = session.scalar(select(User).where(User.username == claims.username))
    if user is None:
        return None
    return UiSession(user, csrf_token(secret, token))


def set_session_cookie(
    response: Response, token: str, *, max_age: int, secure: bool, insecure_fault: bool
) -> None:
    """Store the token. ``insecure_fault`` is the ``insecure_session_cookie`` planted bug:
    the cookie readable by scripts and sent on cross-site requests."""
    if insecure_fault:
        response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", samesite=None)
        return
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=max_age,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def login_nonce(request: Request) -> tuple[str, bool]:
    """The pre-session nonce from the cookie, or a fresh one; True when it is fresh (and so
    must be set on the response)."""
    nonce = request.cookies.get(LOGIN_COOKIE)
    if nonce and len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(24), True


def set_login_cookie(response: Response, nonce: str, *, secure: bool) -> None:
    response.set_cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=_LOGIN_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


class FlashLevel(StrEnum):
    STATUS = "status"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Flash:
    """A one-shot message for the page after a redirect (Post/Redirect/Get)."""

    level: FlashLevel
    text: str


def set_flash(response: Response, flash: Flash, *, secure: bool) -> None:
    # base64 JSON: file names hold characters a raw cookie value must not.
    payload = _b64(json.dumps({"level": flash.level.value, "text": flash.text}).encode())
    response.set_cookie(
        FLASH_COOKIE,
        payload,
        max_age=_FLASH_MAX_AGE,
        path="/",
        secure=secure,
        httponly=True,
        samesite="lax",
    )


def read_flash(request: Request) -> Flash | None:
    """The pending message, if any. A malformed cookie is ignored: it is only ever a
    message, never worth an error page."""
    raw = request.cookies.get(FLASH_COOKIE)
    if raw is None:
        return None
    try:
        data = json.loads(_unb64(raw))
        return Flash(FlashLevel(data["level"]), str(data["text"])[:500])
    except (ValueError, KeyError, TypeError):
        return None


def clear_flash(request: Request, response: Response) -> None:
    """Shown once: the page that displays the message removes it from the browser."""
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
