"""HTTP access to the target: one place that knows the API's login and base URL."""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx

from postdeploy.config import Account, TargetSettings
from postdeploy.errors import AuthError, TargetError, TargetUnreachable
from postdeploy.target.bounded import BoundedTransport, ResponseTooLarge, body_deadline_s

__all__ = ["LOGIN_PATH", "login", "new_client", "tls_verification", "transport_error"]

LOGIN_PATH = "/api/v2/auth/login"
USER_AGENT = "postdeploy/0.1"


def tls_verification(target: TargetSettings) -> ssl.SSLContext | bool:
    """What httpx verifies the target's certificate with: the target's own CA when it has
    one (a private CA, or the embedded target's run CA), else the default trust store.
    Never off."""
    if target.ca_file is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(target.ca_file))
    except (OSError, ssl.SSLError) as exc:
        raise TargetError(f"cannot read the CA file {target.ca_file}: {exc}") from exc


def new_client(
    target: TargetSettings,
    *,
    token: str | None = None,
    event_hooks: Mapping[str, Sequence[Callable[..., Any]]] | None = None,
) -> httpx.Client:
    """A client for the target's base URL with bounded timeouts (a hanging target must
    not hang the verification)."""
    if target.url is None:
        raise TargetError("no target URL: start the embedded target first")
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(
        base_url=target.url,
        headers=headers,
        timeout=httpx.Timeout(target.timeout_s, connect=min(target.timeout_s, 5.0)),
        event_hooks={key: list(value) for key, value in (event_hooks or {}).items()},
        follow_redirects=False,
        # a body that never ends must not hang the run: bounded in time and size (issue 16);
        # the transport verifies TLS (httpx ignores a Client's verify= beside a transport)
        transport=BoundedTransport(
            deadline_s=body_deadline_s(target.timeout_s), verify=tls_verification(target)
        ),
    )


def login(client: httpx.Client, account: Account, *, attempts: int = 1) -> str:
    """Log ``account`` in and return its bearer token.

    ``attempts`` > 1 retries a login answered 5xx, after a short pause: for fixtures, where
    one unlucky answer would leave a whole stage unable to run while its checks would
    have reported the errors themselves. Checks *of* the login use one attempt.
    Raises :class:`AuthError` when the target refuses the credentials and
    :class:`TargetError` when it answers something that is not a login response.
    """
    if account.password is None:
        raise AuthError(f"no password for account {account.username}")
    for attempt in range(1, attempts + 1):
        try:
            response = client.post(
                LOGIN_PATH,
                json={"username": account.username, "password": account.password.reveal()},
            )
        except httpx.TransportError as exc:
            raise transport_error(exc, str(client.base_url)) from exc
        if response.status_code < 500 or attempt == attempts:
            break
        time.sleep(0.2 * attempt)
    if response.status_code in (401, 403):
        raise AuthError(
            f"login as {account.username} refused (HTTP {response.status_code}): "
            "wrong password or unknown account"
        )
    if response.status_code != 200:
        raise TargetError(f"login as {account.username} answered HTTP {response.status_code}")
    try:
        token = response.json()["access_token"]
    except (ValueError, KeyError, TypeError):
        raise TargetError(f"login as {account.username} answered without an access_token") from None
    return str(token)


def transport_error(exc: httpx.TransportError, url: str) -> TargetUnreachable:
    """Turn httpx's transport errors into one line a release engineer understands."""
    if isinstance(exc, httpx.TimeoutException):
        detail = f": {exc}" if str(exc).startswith("response body") else ""
        return TargetUnreachable(f"{url} did not answer in time ({type(exc).__name__}{detail})")
    if isinstance(exc, httpx.ConnectError):
        return TargetUnreachable(f"cannot connect to {url}: {exc or 'connection failed'}")
    if isinstance(exc, ResponseTooLarge):
        return TargetUnreachable(f"{url} answered more than postdeploy reads: {exc}")
    return TargetUnreachable(f"{url}: {type(exc).__name__}: {exc}")
