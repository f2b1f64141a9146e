"""``POST /api/v2/auth/login``: username and password in, bearer token out."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends

from unimedia.api.deps import FaultsDep, RuntimeDep, SessionDep, SettingsDep, planted_error_rate
from unimedia.auth import issue_token
from unimedia.login import attempt_login
from unimedia.problems import ProblemError, internal_error
from unimedia.schemas import LoginRequest, TokenOut

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v2/auth", tags=["auth"], dependencies=[Depends(planted_error_rate)])

_BAD_CREDENTIALS = "Invalid username or password."
TOO_MANY_FAILURES = "Too many failed logins for this username. Try again later."


@router.post(
    "/login",
    responses={
        401: {"description": "Invalid username or password"},
        429: {"description": "Too many failed logins for this username; see Retry-After"},
    },
)
def login(
    body: LoginRequest,
    session: SessionDep,
    settings: SettingsDep,
    faults: FaultsDep,
    runtime: RuntimeDep,
) -> TokenOut:
    attempt = attempt_login(session, runtime.throttle(), body.username, body.password)
    if attempt.retry_after is not None:
        headers = {"Retry-After": str(attempt.retry_after)}
        raise ProblemError(429, TOO_MANY_FAILURES, headers=headers)
    user = attempt.user
    if user is None:
        raise ProblemError(401, _BAD_CREDENTIALS, headers={"WWW-Authenticate": "Bearer"})
    if faults.active("login_broken") and faults.param("login_broken") in (None, user.username):
        raise internal_error()  # the planted bug: token issuance fails for this user
    issued = issue_token(
        user.username,
        user.role,
        secret=settings.token_secret,
        ttl_seconds=settings.token_ttl_seconds,
    )
    logger.info("issued a token to %s", user.username)
    return TokenOut(access_token=issued.token, expires_in=issued.expires_in, role=user.role)
