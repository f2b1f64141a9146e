"""Every check in security/ fails on a real flaw, naming security_vulnerability.

Two kinds of flaw: unimedia's own faults (``missing_authz``, ``missing_security_headers``,
``insecure_session_cookie``), and, for flaws unimedia has no fault for, a tiny media
service with switchable flaws (``tests/flawed_app.py``) — sound, it passes every check that
applies to it; flawed, each check fails on its flaw. The suite runs as a user runs it:
``pytest security -m security`` against a target URL.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flawed_app import FLAWS, FlawedApp, serve

from postdeploy.config import password_env_name

REPO = Path(__file__).resolve().parents[2]
AUTHN = "security/test_authentication.py::"
AUTHZ = "security/test_authorization.py::"
BROWSER = "security/test_browser_protection.py::"
CONTENT = "security/test_content.py::"

THROTTLE = AUTHN + "test_repeated_failed_logins_are_slowed_or_refused"

FAULT_CASES = {
    "missing_authz": [
        AUTHZ + "test_other_users_media_is_refused_through_v2",
        AUTHZ + "test_other_users_media_is_refused_through_v1",
        AUTHZ + "test_guessed_legacy_ids_expose_nothing",
        AUTHZ + "test_other_users_media_is_refused_through_ui_download_links",
        AUTHZ + "test_ordinary_users_cannot_use_admin_views_or_admin_media",
    ],
    "missing_security_headers": [
        BROWSER + "test_security_headers[api]",
        BROWSER + "test_security_headers[api_error]",
    ],
    "insecure_session_cookie": [
        BROWSER + "test_session_cookies_are_httponly_samesite_and_secure",
    ],
    "login_unthrottled": [THROTTLE],
}

# flaw of the flawed app → (the check that must fail, a word its evidence must contain)
FLAW_CASES = {
    "accept_any_token": (
        AUTHN + "test_protected_endpoints_refuse_anonymous_forged_expired_and_tampered_tokens",
        "forged",
    ),
    "enumerating_login": (AUTHN + "test_login_errors_do_not_reveal_whether_the_user_exists", "404"),
    "no_login_throttle": (THROTTLE, "without a throttle"),
    "cors_with_credentials": (BROWSER + "test_cors_is_not_open_with_credentials", "foreign origin"),
    "inline_uploads": (
        CONTENT + "test_uploaded_html_and_svg_are_never_served_as_active_content",
        "served inline",
    ),
    "path_filenames": (CONTENT + "test_download_names_cannot_traverse_paths", "path separator"),
    "leaky_errors": (
        CONTENT + "test_error_answers_leak_no_internals_versions_or_secrets",
        "traceback",
    ),
}


@pytest.fixture
def run_security(tmp_path: Path, base_env: Callable[..., dict[str, str]]) -> Callable[..., dict]:
    """Run ``pytest security -m security`` against a URL; return the stage result JSON."""

    def run(url: str, passwords: dict[str, str]) -> dict:
        results = tmp_path / "security-result.json"
        env = base_env(POSTDEPLOY_TARGET=url)
        env.update({password_env_name(name): value for name, value in passwords.items()})
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                str(REPO / "security"),
                "-m",
                "security",
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                str(REPO),
                "--postdeploy-stage",
                "security",
                "--postdeploy-results",
                str(results),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=180,
            check=False,
        )
        return json.loads(results.read_text())

    return run


def outcomes(result: dict) -> dict[str, str]:
    return {check["id"]: check["outcome"] for check in result["checks"]}


def test_clean_unimedia_passes_every_security_check(start_unimedia, run_security) -> None:
    server = start_unimedia("")
    result = run_security(server.url, server.passwords)
    seen = outcomes(result)
    failed = {check for check, outcome in seen.items() if outcome == "failed"}
    assert failed == set(), seen
    assert result["findings"] == []
    for checks in FAULT_CASES.values():  # the table below cannot silently go stale
        assert all(seen[check] == "passed" for check in checks), seen


@pytest.mark.parametrize("fault", sorted(FAULT_CASES))
def test_security_checks_fail_on_unimedia_fault(start_unimedia, run_security, fault: str) -> None:
    server = start_unimedia(fault)
    result = run_security(server.url, server.passwords)
    seen = outcomes(result)
    findings = {finding["origin"]: finding for finding in result["findings"]}
    for check in FAULT_CASES[fault]:
        assert seen[check] == "failed", (check, seen)
        assert findings[check]["trigger"] == "security_vulnerability"
        assert findings[check]["severity"] in ("critical", "high", "medium")
        assert findings[check]["evidence"]


def test_sound_flawed_app_passes_every_check_that_applies(run_security) -> None:
    app = FlawedApp()
    with serve(app) as url:
        result = run_security(url, app.passwords)
    seen = outcomes(result)
    assert "failed" not in seen.values(), seen
    for check, _hint in FLAW_CASES.values():
        assert seen[check] == "passed", (check, seen)


def test_each_check_fails_on_its_flaw(run_security) -> None:
    app = FlawedApp(flaws=frozenset(FLAWS))
    with serve(app) as url:
        result = run_security(url, app.passwords)
    seen = outcomes(result)
    findings = {finding["origin"]: finding for finding in result["findings"]}
    assert set(FLAW_CASES) == set(FLAWS)
    for flaw, (check, hint) in FLAW_CASES.items():
        assert seen[check] == "failed", (flaw, seen)
        assert findings[check]["trigger"] == "security_vulnerability"
        assert hint in findings[check]["evidence"].lower(), (flaw, findings[check]["evidence"])
