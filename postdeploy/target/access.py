"""Before any stage: is the target there, is it our kind of service, do the accounts work?

Preflight turns the "cannot check at all" cases into one clear error (→ INCONCLUSIVE)
instead of a page of identical stage failures. Server errors (5xx) are *not* preflight's
business: they are findings, and the stages report them.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from postdeploy.config import TargetSettings, password_env_name
from postdeploy.errors import AuthError, ConfigError, TargetError
from postdeploy.target.client import LOGIN_PATH, new_client, transport_error

__all__ = ["PreflightResult", "preflight"]


@dataclass(frozen=True, slots=True)
class PreflightResult:
    """What preflight learned about the live release."""

    live_version: str | None


def preflight(target: TargetSettings) -> PreflightResult:
    """Check reachability, the JSON API and every account's login; raise if unusable."""
    url = target.url or ""
    with new_client(target) as client:
        version = _get_json(client, "/version", url)
        live_version = None
        if isinstance(version, dict) and isinstance(version.get("version"), str):
            live_version = version["version"]
        for account in target.accounts:
            if account.password is None:
                raise ConfigError(
                    f"no password for account {account.username}: set "
                    f"{password_env_name(account.username)} or accounts.{account.username}"
                    ".password_file"
                )
        for account in target.accounts:
            password = account.password.reveal() if account.password else ""
            try:
                response = client.post(
                    LOGIN_PATH,
                    json={"username": account.username, "password": password},
                )
            except httpx.TransportError as exc:
                raise transport_error(exc, url) from exc
            if response.status_code in (401, 403):
                raise AuthError(
                    f"login as {account.username} refused (HTTP {response.status_code}): "
                    "wrong password or unknown account"
                )
            _require_json(response, url)
    return PreflightResult(live_version=live_version)


def _get_json(client: httpx.Client, path: str, url: str) -> object:
    try:
        response = client.get(path)
    except httpx.TransportError as exc:
        raise transport_error(exc, url) from exc
    _require_json(response, url)
    if response.status_code >= 500:
        return None
    if response.status_code == 404:
        raise TargetError(f"{url}{path} not found (HTTP 404): is this the API's base URL?")
    try:
        return response.json()
    except ValueError:
        raise TargetError(f"{url}{path} answered malformed JSON") from None


def _require_json(response: httpx.Response, url: str) -> None:
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if response.status_code >= 500:
        return  # a server error is a finding for the stages, not a reason to stop here
    if not (content_type == "application/json" or content_type.endswith("+json")):
        shown = content_type or "no content type"
        raise TargetError(
            f"{url}{response.request.url.path} answered {shown} (HTTP {response.status_code}), "
            "not JSON: is this the unified media API's base URL?"
        )
