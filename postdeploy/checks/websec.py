"""Pure judgements the security checks make about HTTP answers: headers, cookies, CORS,
downloads, error bodies, and the bad tokens they send. Pure, so each rule is tested with
plain values and the checks in ``security/`` stay short.

Every function returns the problems it found as sentences (empty: fine) — the sentence is
the evidence a reviewer reads.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Iterable, Mapping

__all__ = [
    "active_content_problems",
    "bad_tokens",
    "cookie_problems",
    "cors_problems",
    "error_leaks",
    "header_problems",
    "path_problems",
]

_WEAK_REFERRER = {"unsafe-url", "no-referrer-when-downgrade"}


def header_problems(headers: Mapping[str, str], *, https: bool) -> list[str]:
    """Browser protections every HTML and API answer should carry (the last good release's)."""
    problems = []
    lowered = {name.lower(): value for name, value in headers.items()}
    csp = lowered.get("content-security-policy", "")
    if not csp:
        problems.append("no Content-Security-Policy")
    if lowered.get("x-content-type-options", "").strip().lower() != "nosniff":
        problems.append("X-Content-Type-Options is not nosniff")
    frame = lowered.get("x-frame-options", "").strip().upper()
    if frame not in ("DENY", "SAMEORIGIN") and "frame-ancestors" not in csp:
        problems.append("no frame protection (X-Frame-Options or CSP frame-ancestors)")
    referrer = lowered.get("referrer-policy", "").strip().lower()
    if not referrer:
        problems.append("no Referrer-Policy")
    elif referrer in _WEAK_REFERRER:
        problems.append(f"Referrer-Policy {referrer} leaks full URLs")
    if https:
        hsts = lowered.get("strict-transport-security", "")
        match = re.search(r"max-age=(\d+)", hsts)
        if not match or int(match.group(1)) < 180 * 24 * 3600:
            problems.append("no Strict-Transport-Security with max-age of at least 180 days")
    return problems


def cookie_problems(set_cookies: Iterable[str], *, https: bool) -> list[str]:
    """Attributes a session cookie needs: HttpOnly, SameSite (Lax/Strict), Secure on HTTPS."""
    problems = []
    for header in set_cookies:
        name, _, rest = header.partition("=")
        attributes = {
            part.strip().split("=", 1)[0].lower(): part.strip() for part in rest.split(";")[1:]
        }
        if _is_deletion(attributes):
            continue
        if "httponly" not in attributes:
            problems.append(f"cookie {name.strip()} lacks HttpOnly (scripts can read it)")
        samesite = attributes.get("samesite", "").partition("=")[2].strip().lower()
        if samesite not in ("lax", "strict"):
            problems.append(
                f"cookie {name.strip()} has SameSite={samesite or 'unset'}, not Lax or Strict"
            )
        if https and "secure" not in attributes:
            problems.append(f"cookie {name.strip()} lacks Secure on an HTTPS site")
    return problems


def _is_deletion(attributes: Mapping[str, str]) -> bool:
    max_age = attributes.get("max-age", "").partition("=")[2].strip()
    return (
        max_age in ("0", "-1")
        or "expires=thu, 01 jan 1970" in attributes.get("expires", "").lower()
    )


def cors_problems(headers: Mapping[str, str], *, origin: str) -> list[str]:
    """CORS must not let a foreign origin read answers with the user's credentials."""
    lowered = {name.lower(): value.strip() for name, value in headers.items()}
    allowed = lowered.get("access-control-allow-origin", "")
    credentials = lowered.get("access-control-allow-credentials", "").lower() == "true"
    if not allowed:
        return []
    if allowed == "*" and credentials:
        return ["Access-Control-Allow-Origin: * together with Allow-Credentials: true"]
    if allowed in (origin, "null") and credentials:
        return [f"a foreign origin ({origin}) is allowed to read answers with credentials"]
    return []


def active_content_problems(headers: Mapping[str, str]) -> list[str]:
    """A download of user content must not be renderable as a page of this origin."""
    lowered = {name.lower(): value for name, value in headers.items()}
    problems = []
    disposition = lowered.get("content-disposition", "").strip().lower()
    csp = lowered.get("content-security-policy", "").lower()
    sandboxed = re.search(r"(^|;)\s*sandbox(\s|;|$)", csp) is not None
    if not disposition.startswith("attachment") and not sandboxed:
        problems.append(
            f"served inline (Content-Disposition: {disposition or 'none'}) without a "
            f"sandboxing CSP: it runs as a page of this origin"
        )
    if lowered.get("x-content-type-options", "").strip().lower() != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff (browsers may sniff it as HTML)")
    return problems


def path_problems(name: str) -> list[str]:
    """A stored or announced file name must be a name, never a path."""
    problems = []
    if "/" in name or "\\" in name:
        problems.append(f"file name {name!r} contains a path separator")
    if ".." in re.split(r"[/\\]", name):
        problems.append(f"file name {name!r} contains a '..' segment")
    if "\x00" in name or "\r" in name or "\n" in name:
        problems.append(f"file name {name!r} contains control characters")
    return problems


_LEAK_PATTERNS = (
    ("a Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("a stack frame", re.compile(r'File "[^"]+", line \d+')),
    ("a Java stack trace", re.compile(r"\bat [a-z]+\.[\w.$]+\([\w]+\.java:\d+\)")),
    ("an exception class name", re.compile(r"\b\w+(Error|Exception): ", re.ASCII)),
    ("a SQL fragment", re.compile(r"\b(SELECT|INSERT|UPDATE)\b .+\bFROM|sqlalchemy|sqlite3", re.I)),
    ("a file system path", re.compile(r"(/home/|/usr/lib/python|site-packages|C:\\\\)")),
    ("a server version", re.compile(r"\b(uvicorn|gunicorn|nginx|apache|python)/\d", re.I)),
)


def error_leaks(body: str, *, secrets_: Iterable[str] = ()) -> list[str]:
    """What an error answer must not contain: internals, versions, the run's secrets."""
    problems = [what for what, pattern in _LEAK_PATTERNS if pattern.search(body)]
    problems.extend("one of the run's secrets" for secret in secrets_ if secret and secret in body)
    return problems


# --- tokens a protected endpoint must refuse ---------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(header: dict[str, object], claims: dict[str, object], key: bytes) -> str:
    head = _b64(json.dumps(header, separators=(",", ":")).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(signature)}"


def bad_tokens(real_token: str, *, now: float | None = None) -> dict[str, str]:
    """Bearer tokens that must all be refused, built from a real one of an ordinary user.

    * ``garbage``: not a token at all;
    * ``forged``: the real claims, promoted to admin, signed with a key we made up;
    * ``alg_none``: the real claims with ``alg: none`` and no signature;
    * ``expired``: the real claims with ``exp`` an hour ago (signed with a made-up key:
      nobody outside the service can sign with its key — a service that skips the
      signature check but checks expiry still refuses this one, so ``forged`` and
      ``tampered`` cover the signature);
    * ``tampered``: the real token's payload changed (role admin), its signature kept;
    * ``truncated``: the real token without the last characters of its signature.
    """
    now = time.time() if now is None else now
    parts = real_token.split(".")
    try:
        claims = json.loads(_unb64(parts[1])) if len(parts) == 3 else {}
    except ValueError:
        claims = {}
    if not isinstance(claims, dict):
        claims = {}
    promoted = {**claims, "role": "admin"}
    made_up = secrets.token_bytes(32)
    tokens = {
        "garbage": "not-a-token",
        "forged": _sign({"alg": "HS256", "typ": "JWT"}, promoted, made_up),
        "alg_none": (
            _b64(b'{"alg":"none","typ":"JWT"}')
            + "."
            + _b64(json.dumps(promoted, separators=(",", ":")).encode())
            + "."
        ),
        "expired": _sign(
            {"alg": "HS256", "typ": "JWT"},
            {**claims, "iat": int(now) - 7200, "exp": int(now) - 3600},
            made_up,
        ),
    }
    if len(parts) == 3:
        tokens["tampered"] = ".".join(
            (parts[0], _b64(json.dumps(promoted, separators=(",", ":")).encode()), parts[2])
        )
        tokens["truncated"] = real_token[:-6]
    return tokens
