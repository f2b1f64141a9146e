"""Settings: one frozen value built at startup and handed to ``create_app``.

There is deliberately no module-level settings object: tests build as many differently
configured apps as they like in one process, and nothing is read from the environment after
startup except by :func:`load_settings`, which the CLI calls once.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from unimedia.accounts import Account, generated_accounts, load_accounts_file
from unimedia.errors import ConfigError
from unimedia.faults import ENV_VAR as FAULTS_ENV_VAR
from unimedia.faults import FaultSet, parse_faults

logger = logging.getLogger(__name__)

DEFAULT_TOKEN_TTL_SECONDS = 3600
DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024
TOKEN_SECRET_FILE_NAME = "token_secret"  # noqa: S105 -- a file name, not a secret


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything a unimedia app needs to know; nothing else is global."""

    data_dir: Path
    token_secret: str = field(repr=False)
    database_url: str | None = None
    accounts: tuple[Account, ...] = ()
    faults: FaultSet = field(default_factory=FaultSet.none)
    token_ttl_seconds: int = DEFAULT_TOKEN_TTL_SECONDS
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES
    commit: str = "unknown"
    build_time: str = "unknown"

    def __post_init__(self) -> None:
        if len(self.token_secret.encode()) < 32:
            # HS256 with a shorter key is guessable (and PyJWT warns about it).
            raise ConfigError("the token secret must be at least 32 bytes")
        if self.token_ttl_seconds <= 0:
            raise ConfigError("the token lifetime must be positive")
        if self.max_upload_bytes <= 0:
            raise ConfigError("the maximum upload size must be positive")

    @property
    def effective_database_url(self) -> str:
        """The configured URL, or a SQLite file inside the data directory."""
        return self.database_url or f"sqlite:///{self.data_dir / 'unimedia.db'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def _token_secret(data_dir: Path, environ: Mapping[str, str]) -> str:
    """The secret from the environment, else one kept in the data directory.

    Kept on disk so that a restart on the same data directory keeps issued tokens valid.
    """
    if environ.get("UNIMEDIA_TOKEN_SECRET"):
        return environ["UNIMEDIA_TOKEN_SECRET"]
    path = data_dir / TOKEN_SECRET_FILE_NAME
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
    return secret


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, not {raw!r}") from exc
    if value <= 0:
        raise ConfigError(f"{name} must be positive, not {value}")
    return value


def load_settings(
    data_dir: Path,
    *,
    accounts_file: Path | None = None,
    database_url: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings for a real run: arguments first, then ``UNIMEDIA_*`` variables.

    Creates the data directory, and on first use its token secret and seed accounts.
    Raises :class:`ConfigError` (one line each) for anything malformed.
    """
    env = os.environ if environ is None else environ
    faults = parse_faults(env.get(FAULTS_ENV_VAR))
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
    if accounts_file is None and env.get("UNIMEDIA_ACCOUNTS_FILE"):
        accounts_file = Path(env["UNIMEDIA_ACCOUNTS_FILE"])
    accounts = (
        load_accounts_file(accounts_file)
        if accounts_file is not None
        else generated_accounts(data_dir)
    )
    if faults:
        logger.warning("faults switched on: %s", ", ".join(faults.names))
    return Settings(
        data_dir=data_dir,
        token_secret=_token_secret(data_dir, env),
        database_url=database_url or env.get("UNIMEDIA_DATABASE_URL") or None,
        accounts=accounts,
        faults=faults,
        token_ttl_seconds=_positive_int(env, "UNIMEDIA_TOKEN_TTL", DEFAULT_TOKEN_TTL_SECONDS),
        max_upload_bytes=_positive_int(env, "UNIMEDIA_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES),
        commit=env.get("UNIMEDIA_COMMIT") or "unknown",
        build_time=env.get("UNIMEDIA_BUILD_TIME") or "unknown",
    )
