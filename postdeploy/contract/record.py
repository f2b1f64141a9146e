"""Record a contract baseline from a running release: its OpenAPI document and every
example exchange (:mod:`postdeploy.contract.examples`), in one file.

Used by ``postdeploy baseline record --stage contracts`` (a real target, the last good
release) and by the contract stage on the embedded target, which records the pinned
previous release at the start of the run (issue 22 §2) — so the same code decides what a
baseline holds, whoever asks for one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from postdeploy.config import TargetSettings
from postdeploy.contract.baseline import write_contract_baseline
from postdeploy.contract.examples import EXAMPLES, Example, example_media, perform
from postdeploy.errors import ConfigError, TargetError
from postdeploy.runid import new_run_id, run_tag
from postdeploy.target.access import preflight
from postdeploy.target.client import login, new_client

__all__ = ["record_contract"]


def record_contract(target: TargetSettings, path: Path) -> int:
    """Fetch ``target``'s OpenAPI and record every example into ``path``; the number of
    examples. :class:`TargetError` / :class:`ConfigError` when the target cannot give one."""
    checked = preflight(target)
    users = [a for a in target.accounts if a.role == "user"]
    if not users:
        raise ConfigError("recording a contract needs an account with role user")
    with new_client(target) as anonymous:
        openapi = anonymous.get("/openapi.json")
        if openapi.status_code != 200:
            raise TargetError(f"{target.url}/openapi.json answered HTTP {openapi.status_code}")
        token = login(anonymous, users[0])
        with (
            new_client(target, token=token) as user,
            example_media(user, run_tag(new_run_id())) as values,
        ):
            examples = {ex.name: _record(ex, *perform(ex, user, anonymous, values))
                        for ex in EXAMPLES}  # fmt: skip
    write_contract_baseline(
        path, openapi=openapi.json(), examples=examples,
        release=checked.live_version, target=target.url or "",
    )  # fmt: skip
    return len(examples)


def _record(example: Example, path: str, response: Any) -> dict[str, Any]:
    if response.status_code >= 400:
        raise TargetError(
            f"recording example {example.name!r}: {path} answered HTTP {response.status_code}"
        )
    return {
        "request": {
            "method": example.method, "path": example.path, "params": example.params,
            "authenticated": example.authenticated,
        },
        "response": {
            "status": response.status_code,
            "content_type": response.headers.get("content-type", "").split(";")[0],
            "body": response.json(),
        },
    }  # fmt: skip
