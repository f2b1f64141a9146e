"""``postdeploy baseline record --stage contracts``: capture a known-good release's contract."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from postdeploy.client import login, new_client
from postdeploy.config import Config
from postdeploy.contract.baseline import write_contract_baseline
from postdeploy.contract.examples import EXAMPLES, example_media, perform
from postdeploy.errors import ConfigError, TargetError
from postdeploy.preflight import preflight
from postdeploy.runid import new_run_id, run_tag
from postdeploy.runner import started_target

__all__ = ["record_contract_baseline"]


def record_contract_baseline(config: Config, path: Path | None = None) -> tuple[Path, int]:
    """Fetch the release's OpenAPI, record every example exchange; return (file, examples)."""
    path = path or Path(os.environ.get("POSTDEPLOY_BASELINE_DIR") or "baselines") / "contract.json"
    with (
        tempfile.TemporaryDirectory(prefix="postdeploy-baseline-") as scratch,
        started_target(config.target, Path(scratch)) as target,
    ):
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
    return path, len(examples)


def _record(example: Any, path: str, response: Any) -> dict[str, Any]:
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
