"""Checking a login, for the API and the web UI alike: the throttle, then the credentials.

One place, so the two ways in cannot drift apart: a throttled name is refused before its
password is looked at (answering "right" would confirm a guess), an unknown user costs the
same password hash as a wrong password (neither the answer nor its timing reveals which
usernames exist), and every outcome is counted by the throttle.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from unimedia.auth import dummy_hash, verify_password
from unimedia.login_throttle import LoginThrottle
from unimedia.models import User

__all__ = ["LoginAttempt", "attempt_login"]


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """``user`` when the credentials are right; ``retry_after`` (s) when throttled."""

    user: User | None
    retry_after: int | None = None


def attempt_login(
    session: Session, throttle: LoginThrottle | None, username: str, password: str
) -> LoginAttempt:
    """Check ``username``/``password``; ``throttle`` None means no throttling."""
    wait = throttle.retry_after(username) if throttle else None
    if wait is not None:
        return LoginAttempt(None, retry_after=wait)
    user = session.scalar(select(User).where(User.username == username))
    password_ok = verify_password(password, user.password_hash if user else dummy_hash())
    if user is None or not password_ok:
        if throttle:
            throttle.failed(username)
        return LoginAttempt(None)
    if throttle:
        throttle.succeeded(username)
    return LoginAttempt(user)
