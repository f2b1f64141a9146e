"""Does any output of the run contain one of its own secrets?

Passwords, the ZAP API key and the database URL reach the stages only through the
environment; a check that echoes one into a log, an Allure attachment or a finding's
evidence would publish it with the report. This scans the run directory for each secret as
written raw, URL-encoded and JSON-escaped, and names the file — never the value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from postdeploy.config import TargetSettings

__all__ = ["MIN_SECRET_LENGTH", "Leak", "find_leaks", "run_secrets"]

MIN_SECRET_LENGTH = 6  # shorter values match ordinary text; such a password is its own problem
MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Leak:
    """Where a secret was found: its label (``password of alice``) and the file."""

    label: str
    path: str


def run_secrets(target: TargetSettings) -> dict[str, str]:
    """The secrets of a run, by label."""
    found = {
        f"password of {account.username}": account.password.reveal()
        for account in target.accounts
        if account.password is not None
    }
    if target.zap_api_key is not None:
        found["ZAP API key"] = target.zap_api_key.reveal()
    if target.database_url is not None:
        found["database URL"] = target.database_url.reveal()
    return found


def _forms(secret: str) -> set[bytes]:
    return {
        secret.encode(),
        quote(secret, safe="").encode(),
        json.dumps(secret)[1:-1].encode(),
    }


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def find_leaks(root: Path, secrets: Mapping[str, str]) -> list[Leak]:
    """Every (secret, file) pair where the file under ``root`` contains the secret."""
    needles = {
        label: _forms(value) for label, value in secrets.items() if len(value) >= MIN_SECRET_LENGTH
    }
    leaks = []
    for path in _files(root):
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            content = path.read_bytes()
        except OSError:
            continue  # written and removed while we looked: nothing to publish
        for label, forms in needles.items():
            if any(form in content for form in forms):
                leaks.append(Leak(label, str(path.relative_to(root))))
    return leaks
