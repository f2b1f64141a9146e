"""The judgements behind the security checks, as tables: what passes, what is named."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from postdeploy.checks.websec import (
    active_content_problems,
    bad_tokens,
    cookie_problems,
    cors_problems,
    error_leaks,
    header_problems,
    path_problems,
)
from postdeploy.config import Account, Secret, TargetSettings
from postdeploy.stages.base import StageContext
from postdeploy.stages.secret_scan import find_leaks, run_secrets
from postdeploy.stages.security import SECRETS_CHECK, scan_outputs

GOOD = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def test_good_headers_pass_and_each_missing_one_is_named() -> None:
    assert header_problems(GOOD, https=False) == []
    assert header_problems({}, https=False) == [
        "no Content-Security-Policy",
        "X-Content-Type-Options is not nosniff",
        "no frame protection (X-Frame-Options or CSP frame-ancestors)",
        "no Referrer-Policy",
    ]
    assert header_problems({**GOOD, "Referrer-Policy": "unsafe-url"}, https=False)


def test_hsts_is_required_on_https_only() -> None:
    assert header_problems(GOOD, https=True) == [
        "no Strict-Transport-Security with max-age of at least 180 days"
    ]
    hsts = {**GOOD, "Strict-Transport-Security": "max-age=31536000; includeSubDomains"}
    assert header_problems(hsts, https=True) == []


@pytest.mark.parametrize(
    ("cookie", "https", "problems"),
    [
        ("s=1; Path=/; HttpOnly; SameSite=Lax", False, 0),
        ("s=1; Path=/; HttpOnly; SameSite=lax; Secure", True, 0),
        ("s=1; Path=/; HttpOnly; SameSite=Lax", True, 1),  # no Secure on HTTPS
        ("s=1; Path=/; SameSite=Lax", False, 1),  # no HttpOnly
        ("s=1; Path=/; HttpOnly; SameSite=None; Secure", False, 1),
        ("s=1; Path=/", False, 2),
        ('s=""; Max-Age=0; Path=/', False, 0),  # a deletion is not a session cookie
    ],
)
def test_cookie_attributes(cookie: str, https: bool, problems: int) -> None:
    assert len(cookie_problems([cookie], https=https)) == problems


@pytest.mark.parametrize(
    ("headers", "bad"),
    [
        ({}, False),
        ({"Access-Control-Allow-Origin": "*"}, False),  # public, without credentials
        ({"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Credentials": "true"}, True),
        (
            {
                "Access-Control-Allow-Origin": "https://evil",
                "Access-Control-Allow-Credentials": "true",
            },
            True,
        ),
        (
            {
                "Access-Control-Allow-Origin": "https://app",
                "Access-Control-Allow-Credentials": "true",
            },
            False,
        ),
    ],
)
def test_cors(headers: dict[str, str], bad: bool) -> None:
    assert bool(cors_problems(headers, origin="https://evil")) is bad


def test_active_content() -> None:
    assert (
        active_content_problems(
            {
                "Content-Disposition": "attachment; filename=a.html",
                "X-Content-Type-Options": "nosniff",
            }
        )
        == []
    )
    assert (
        active_content_problems(
            {
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "X-Content-Type-Options": "nosniff",
            }
        )
        == []
    )
    assert len(active_content_problems({"Content-Disposition": "inline"})) == 2


@pytest.mark.parametrize(
    ("name", "bad"),
    [("a.png", False), ("..png", False), ("../a.png", True), ("a\\b.png", True), ("/etc/x", True)],
)
def test_path_names(name: str, bad: bool) -> None:
    assert bool(path_problems(name)) is bad


def test_error_leaks() -> None:
    assert error_leaks('{"title": "Not Found", "status": 404}') == []
    body = 'Traceback (most recent call last):\n  File "/srv/app.py", line 3\nKeyError: x'
    assert {"a Python traceback", "a stack frame"} <= set(error_leaks(body))
    assert error_leaks("server: uvicorn/0.30.1") == ["a server version"]
    assert error_leaks("hello hunter2-pw", secrets_=["hunter2-pw"]) == ["one of the run's secrets"]


def _claims(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_bad_tokens_keep_the_claims_and_break_the_signature() -> None:
    real = _token({"sub": "alice", "role": "user", "exp": 2_000_000_000})
    tokens = bad_tokens(real, now=1_900_000_000)
    assert set(tokens) == {"garbage", "forged", "alg_none", "expired", "tampered", "truncated"}
    assert _claims(tokens["forged"])["role"] == "admin"
    assert _claims(tokens["expired"])["exp"] < 1_900_000_000
    assert tokens["tampered"].split(".")[2] == real.split(".")[2]
    assert tokens["alg_none"].endswith(".")
    assert all(token != real for token in tokens.values())


def _token(claims: dict) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).decode().rstrip("=")

    header = b64(b'{"alg":"HS256"}')
    return f"{header}.{b64(json.dumps(claims).encode())}.{b64(b'sig')}"


# --- the run's own secrets in its outputs ---------------------------------------------------


def target_with_secrets() -> TargetSettings:
    return TargetSettings(
        url="http://127.0.0.1:1",
        accounts=(Account("alice", "user", Secret("alice-pass-123")),),
        zap_api_key=Secret("zap-key-456"),
    )


def test_leaks_are_found_raw_and_encoded_and_named_without_the_value(tmp_path: Path) -> None:
    (tmp_path / "stages").mkdir()
    (tmp_path / "stages/log.txt").write_text("login alice-pass-123 ok")
    (tmp_path / "verdict.json").write_text(json.dumps({"url": "http://x/?k=zap-key-456"}))
    (tmp_path / "clean.txt").write_text("nothing here")
    leaks = find_leaks(tmp_path, run_secrets(target_with_secrets()))
    assert {(leak.label, leak.path) for leak in leaks} == {
        ("password of alice", "stages/log.txt"),
        ("ZAP API key", "verdict.json"),
    }


def test_a_leak_is_a_critical_finding_that_never_shows_the_secret(tmp_path: Path) -> None:
    context = StageContext(target_with_secrets(), "run", tmp_path)
    assert scan_outputs("security", context).findings == ()
    (tmp_path / "allure.json").write_text('{"attachment": "alice-pass-123"}')
    result = scan_outputs("security", context)
    (finding,) = result.findings
    assert finding.severity.value == "critical"
    assert finding.origin == SECRETS_CHECK
    assert "password of alice in allure.json" in finding.evidence
    assert "alice-pass-123" not in finding.evidence + result.checks[0].message
