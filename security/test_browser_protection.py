"""Transport and browser protection: security headers, session cookies, CORS, and — on an
HTTPS target — the certificate and the TLS versions offered."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import httpx
import pytest

from postdeploy.checks.media_api import MEDIA_PATH
from postdeploy.checks.tls import certificate_problems, probe_legacy_tls
from postdeploy.checks.web_login import UiLogin
from postdeploy.checks.websec import cookie_problems, cors_problems, header_problems
from postdeploy.config import Account, Config, TargetSettings

pytestmark = pytest.mark.security

FOREIGN_ORIGIN = "https://postdeploy-foreign-origin.example"


def _https(target: TargetSettings) -> bool:
    return urlsplit(target.url or "").scheme == "https"


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
@pytest.mark.parametrize("kind", ["html", "api", "api_error"])
def test_security_headers(
    kind: str,
    postdeploy_anonymous: httpx.Client,
    postdeploy_user: httpx.Client,
    postdeploy_target: TargetSettings,
) -> None:
    """Security headers are sent on HTML pages, API answers and API errors"""
    if kind == "html":
        response = postdeploy_anonymous.get("/", headers={"Accept": "text/html"})
        if "text/html" not in response.headers.get("content-type", ""):
            pytest.skip("the target serves no HTML page at /")
    elif kind == "api":
        response = postdeploy_user.get(MEDIA_PATH, params={"limit": 1})
    else:
        response = postdeploy_anonymous.get(MEDIA_PATH)
    problems = header_problems(response.headers, https=_https(postdeploy_target))
    assert not problems, f"GET {response.request.url.path} → {response.status_code}: " + "; ".join(
        problems
    )


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_session_cookies_are_httponly_samesite_and_secure(
    ui_login: Callable[..., UiLogin],
    user_account: Account,
    postdeploy_target: TargetSettings,
) -> None:
    """Session cookies are HttpOnly, SameSite and (on HTTPS) Secure"""
    login = ui_login(user_account)
    cookies = login.response.headers.get_list("set-cookie")
    assert cookies, "the login answer set no cookie at all"
    problems = cookie_problems(cookies, https=_https(postdeploy_target))
    assert not problems, "; ".join(problems)


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_cors_is_not_open_with_credentials(postdeploy_user: httpx.Client) -> None:
    """CORS does not let a foreign origin read answers with the user's credentials"""
    problems = []
    simple = postdeploy_user.get(
        MEDIA_PATH, params={"limit": 1}, headers={"Origin": FOREIGN_ORIGIN}
    )
    problems += [f"GET: {p}" for p in cors_problems(simple.headers, origin=FOREIGN_ORIGIN)]
    preflight = postdeploy_user.options(
        MEDIA_PATH,
        headers={
            "Origin": FOREIGN_ORIGIN,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    problems += [f"preflight: {p}" for p in cors_problems(preflight.headers, origin=FOREIGN_ORIGIN)]
    assert not problems, "; ".join(problems)


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_certificate_is_valid_and_not_expiring_soon(
    postdeploy_target: TargetSettings, postdeploy_config: Config
) -> None:
    """The TLS certificate is valid and not about to expire"""
    if not _https(postdeploy_target):
        pytest.skip("the target is not HTTPS: no certificate to check")
    problems = certificate_problems(
        postdeploy_target.url or "",
        min_days=postdeploy_config.suites.cert_min_days,
        timeout_s=postdeploy_target.timeout_s,
        # a private CA, or the embedded target's run CA
        cafile=str(ca) if (ca := postdeploy_target.ca_file) else None,
    )
    assert not problems, "; ".join(problems)


@pytest.mark.gate(trigger="security_vulnerability", severity="high")
def test_no_tls_below_1_2(postdeploy_target: TargetSettings) -> None:
    """No TLS version below 1.2 is accepted"""
    if not _https(postdeploy_target):
        pytest.skip("the target is not HTTPS: no TLS to check")
    probe = probe_legacy_tls(postdeploy_target.url or "", timeout_s=postdeploy_target.timeout_s)
    assert not probe.accepted, f"the server accepts {', '.join(probe.accepted)}"
    if probe.not_offered:
        pytest.skip(
            f"this machine's OpenSSL cannot offer {' or '.join(probe.not_offered)}: not checked"
        )
