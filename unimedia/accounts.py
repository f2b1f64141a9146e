"""Seed accounts: read from a JSON file, or generated once and kept in the data directory.

postdeploy's authorization checks need at least two ordinary users and an admin. A clean
machine has no accounts file, so the first start generates random passwords and writes them
(mode 0600) where a test harness can read them; later starts on the same data directory
reuse that file so the passwords stay stable.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from unimedia.errors import ConfigError

logger = logging.getLogger(__name__)

GENERATED_FILE_NAME = "accounts.json"


class Role(StrEnum):
    USER = "user"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class Account:
    """A seed account. ``repr`` hides the password so it never reaches a log."""

    username: str
    password: str
    role: Role

    def __repr__(self) -> str:
        return f"Account(username={self.username!r}, role={self.role.value!r})"


def _parse_account(index: int, raw: Any) -> Account:
    if not isinstance(raw, dict):
        raise ConfigError(f"accounts[{index}] is not an object")
    username, password, role = raw.get("username"), raw.get("password"), raw.get("role", "user")
    if not isinstance(username, str) or not username.strip() or len(username) > 64:
        raise ConfigError(f"accounts[{index}].username must be a non-empty string (≤ 64 chars)")
    if not isinstance(password, str) or not password:
        raise ConfigError(f"accounts[{index}].password must be a non-empty string")
    if role not in {r.value for r in Role}:
        raise ConfigError(f"accounts[{index}].role must be 'user' or 'admin', not {role!r}")
    return Account(username.strip(), password, Role(role))


def parse_accounts(data: Any) -> tuple[Account, ...]:
    """Validate the ``{"accounts": [...]}`` document; raises :class:`ConfigError`."""
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        raise ConfigError('expected an object {"accounts": [...]}')
    accounts = tuple(_parse_account(i, raw) for i, raw in enumerate(data["accounts"]))
    if not accounts:
        raise ConfigError("the accounts list is empty")
    names = [account.username for account in accounts]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"duplicate usernames: {', '.join(duplicates)}")
    return accounts


def load_accounts_file(path: Path) -> tuple[Account, ...]:
    """Read and validate an accounts file; every problem is one :class:`ConfigError` line."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read accounts file {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ConfigError(f"accounts file {path} is not valid JSON: {exc}") from exc
    try:
        return parse_accounts(data)
    except ConfigError as exc:
        raise ConfigError(f"accounts file {path}: {exc}") from exc


def _write_private(path: Path, text: str) -> None:
    # Create with 0600 from the start: a chmod after writing leaves a window where the
    # passwords are world-readable.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def generated_accounts(data_dir: Path) -> tuple[Account, ...]:
    """The data directory's own accounts: alice, bob (users) and admin, made on first use."""
    path = data_dir / GENERATED_FILE_NAME
    if path.exists():
        logger.info("using the seed accounts in %s", path)
        return load_accounts_file(path)
    accounts = (
        Account("alice", secrets.token_urlsafe(18), Role.USER),
        Account("bob", secrets.token_urlsafe(18), Role.USER),
        Account("admin", secrets.token_urlsafe(18), Role.ADMIN),
    )
    document = {
        "accounts": [
            {"username": a.username, "password": a.password, "role": a.role.value} for a in accounts
        ]
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    _write_private(path, json.dumps(document, indent=2) + "\n")
    logger.info("generated seed accounts alice, bob, admin; passwords are in %s", path)
    return accounts
