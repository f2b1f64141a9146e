"""Is the release that is live *now* healthy, the one we think it is, and can we log in?

A deploy that starts from an unhealthy release, or from another release than the one the
plan assumes, has no known-good state to roll back to.
"""

from __future__ import annotations

import httpx

from postdeploy.config import TargetSettings
from postdeploy.errors import AuthError, PostdeployError
from postdeploy.readiness.model import CheckState, ReadinessCheck
from postdeploy.target.access import preflight as can_log_in
from postdeploy.target.client import new_client

__all__ = ["service_checks"]


def service_checks(target: TargetSettings) -> tuple[list[ReadinessCheck], str | None]:
    """Health, readiness, version and logins; also the live version (None if unknown)."""
    checks: list[ReadinessCheck] = []
    live: str | None = None
    try:
        with new_client(target) as client:
            health = client.get("/healthz")
            ready = client.get("/readyz")
            version = client.get("/version")
    except httpx.HTTPError as exc:
        reason = f"{target.url} did not answer: {type(exc).__name__}: {exc}"
        return [ReadinessCheck("service:healthy", "the live release is healthy",
                               CheckState.ERROR, reason)], None  # fmt: skip
    bad = [f"{r.request.url.path} answered HTTP {r.status_code}" for r in (health, ready)
           if r.status_code != 200]  # fmt: skip
    checks.append(
        ReadinessCheck(
            "service:healthy", "the live release is healthy (/healthz, /readyz)",
            CheckState.FAILED if bad else CheckState.PASSED,
            "; ".join(bad) or "/healthz and /readyz answer 200",
            "fix the live release before deploying over it: there is no good state to roll "
            "back to" if bad else "",
        )
    )  # fmt: skip
    try:
        live = version.json().get("version") if version.status_code == 200 else None
    except (ValueError, AttributeError):
        live = None
    checks.append(_version_check(live, target.expected_version, version.status_code))
    checks.append(_login_check(target))
    return checks, live if isinstance(live, str) else None


def _version_check(live: object, expected: str | None, status: int) -> ReadinessCheck:
    title = "the live release is the expected (current) one"
    if not isinstance(live, str):
        return ReadinessCheck("service:version", title, CheckState.FAILED,
                              f"/version answered HTTP {status} without a version")  # fmt: skip
    if expected is None:
        return ReadinessCheck(
            "service:version", title, CheckState.ERROR,
            f"{live} is live, but no expected version was given",
            "pass --expected-version VERSION (the release live before the deploy)",
        )  # fmt: skip
    if live != expected:
        return ReadinessCheck(
            "service:version", title, CheckState.FAILED,
            f"{live} is live, the plan expects {expected}",
            "find out what is deployed before deploying over it",
        )  # fmt: skip
    return ReadinessCheck("service:version", title, CheckState.PASSED, f"{live} is live")


def _login_check(target: TargetSettings) -> ReadinessCheck:
    title = "every test account logs in"
    try:
        can_log_in(target)
    except AuthError as exc:
        return ReadinessCheck("service:accounts", title, CheckState.FAILED, str(exc))
    except PostdeployError as exc:
        return ReadinessCheck("service:accounts", title, CheckState.ERROR, str(exc))
    names = ", ".join(account.username for account in target.accounts)
    return ReadinessCheck("service:accounts", title, CheckState.PASSED, f"logged in: {names}")
