"""Password hashing (stdlib scrypt) and access tokens (HS256 JWT).

scrypt comes with the standard library and is memory-hard, so no extra dependency is needed
for a hash that resists GPU guessing. Hashes are self-describing
(``scrypt$n$r$p$salt$hash``) so the cost can be raised later without breaking old ones.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from unimedia.accounts import Role

_N, _R, _P, _DKLEN = 2**14, 8, 1, 32
_ISSUER = "unimedia"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN)
    return f"scrypt${_N}${_R}${_P}${_b64(salt)}${_b64(derived)}"


def verify_password(password: str, stored: str) -> bool:
    """Constant-time comparison; a malformed stored hash never verifies."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(_unb64(expected)),
        )
    except ValueError:
        return False
    return hmac.compare_digest(derived, _unb64(expected))


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that an unknown username
    costs the same time as a wrong password (no user enumeration by timing)."""
    return hash_password(secrets.token_urlsafe(16))


class InvalidToken(Exception):
    """Missing, malformed, badly signed or expired token."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TokenClaims:
    username: str
    role: Role


def issue_token(username: str, role: Role, *, secret: str, ttl_seconds: int) -> IssuedToken:
    now = datetime.now(UTC)
    claims = {
        "sub": username,
        "role": role.value,
        "iss": _ISSUER,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return IssuedToken(jwt.encode(claims, secret, algorithm="HS256"), ttl_seconds)


def decode_token(token: str, *, secret: str) -> TokenClaims:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],  # pinned: never let the token choose (alg=none attacks)
            issuer=_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
        return TokenClaims(str(claims["sub"]), Role(claims.get("role", Role.USER.value)))
    except (jwt.PyJWTError, ValueError) as exc:
        raise InvalidToken(str(exc)) from exc


def token_has_expired(token: str) -> bool:
    """Whether a token's ``exp`` claim has passed, signature unchecked (only the
    ``expired_token_error`` fault asks: a friendlier message gone wrong)."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return False
    expiry = claims.get("exp")
    return isinstance(expiry, int | float) and expiry < datetime.now(UTC).timestamp()
