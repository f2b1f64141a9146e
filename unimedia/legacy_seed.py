"""A deterministic legacy data set: the old per-kind tables filled with real media.

``unimedia seed-legacy --count N --data DIR`` builds the world before the unification
(the deployment plan's Phase 2 starting point): the database at the legacy revision, the
seed accounts, and N records spread over images (50%), videos (20%) and documents (30%),
each with its own real bytes in the blob store — PNGs of varying size, MP4s with a
duration in their ``mvhd`` box, PDFs with 1 to 5 pages. The same N and ``seed`` always give
the same rows and the same checksums, so a data check can compare runs.

Rows go in with Core ``executemany`` in batches, blobs are written without fsync: this is
test data to be made quickly (100 000 records take well under a minute), not user data.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from unimedia import legacy_schema, samples
from unimedia.accounts import Account
from unimedia.errors import ConfigError
from unimedia.revisions import LEGACY_REVISION, current_revision, upgrade
from unimedia.seed import seed_accounts

logger = logging.getLogger(__name__)

MAX_COUNT = 1_000_000
_BATCH = 5_000
_EPOCH = datetime(2023, 1, 1, tzinfo=UTC)
_KINDS = ("image", "video", "document")
_WEIGHTS = (5, 2, 3)


@dataclass(frozen=True, slots=True)
class SeedSummary:
    per_kind: dict[str, int]
    blob_bytes: int

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())


def _make(kind: str, number: int, rng: random.Random) -> tuple[str, str, bytes, dict[str, Any]]:
    """(filename, content type, bytes, the kind's extra columns) of record ``number``."""
    salt = f"unimedia legacy record {number}"
    if kind == "image":
        width, height = rng.randint(1, 96), rng.randint(1, 96)
        return (
            f"IMG_{number:06d}.png",
            "image/png",
            samples.png(width, height, salt=salt, rgb=(number % 256, 80, 160)),
            {"width": width, "height": height},
        )
    if kind == "video":
        duration = round(rng.uniform(1, 600), 3)
        body = samples.mp4(duration, salt=salt)
        return f"clip-{number:06d}.mp4", "video/mp4", body, {"duration_seconds": duration}
    pages = rng.randint(1, 5)
    body = samples.pdf(pages, salt=salt)
    return f"report-{number:06d}.pdf", "application/pdf", body, {"pages": pages}


def _write_blob(root: Path, content: bytes) -> str:
    digest = hashlib.sha256(content).hexdigest()
    path = root / digest[:2] / digest[2:]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return digest


def _prepare(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    if not tables:
        upgrade(engine, LEGACY_REVISION)
        return
    revision = current_revision(engine)
    if revision != LEGACY_REVISION:
        raise ConfigError(
            f"seed-legacy needs an empty database or one at the legacy schema; this one is "
            f"at {revision or 'no revision'}"
        )
    with engine.connect() as connection:
        for table in legacy_schema.TABLES.values():
            if connection.scalar(select(func.count()).select_from(table)):
                raise ConfigError("the legacy tables already hold records; use a fresh --data")


def seed_legacy(
    engine: Engine,
    blob_root: Path,
    accounts: Iterable[Account],
    *,
    count: int,
    seed: int = 0,
) -> SeedSummary:
    """Create the legacy schema (if the database is empty) and fill it; see module doc."""
    if not 1 <= count <= MAX_COUNT:
        raise ConfigError(f"--count must be from 1 to {MAX_COUNT}, not {count}")
    accounts = tuple(accounts)
    _prepare(engine)
    with Session(engine) as session:
        seed_accounts(session, accounts)
    owners = [account.username for account in accounts]
    rng = random.Random(seed)  # noqa: S311 -- reproducible test data, not security
    pending: dict[str, list[dict[str, Any]]] = {kind: [] for kind in _KINDS}
    per_kind = dict.fromkeys(_KINDS, 0)
    blob_bytes = 0

    def flush(connection: Any, kind: str) -> None:
        if pending[kind]:
            connection.execute(legacy_schema.TABLES[kind].insert(), pending[kind])
            pending[kind].clear()

    with engine.begin() as connection:
        for number in range(1, count + 1):
            kind = rng.choices(_KINDS, _WEIGHTS)[0]
            filename, content_type, content, extra = _make(kind, number, rng)
            per_kind[kind] += 1
            blob_bytes += len(content)
            pending[kind].append(
                {
                    "id": per_kind[kind],
                    "owner": rng.choice(owners),
                    "filename": filename,
                    "content_type": content_type,
                    "size": len(content),
                    "sha256": _write_blob(blob_root, content),
                    "created_at": (_EPOCH + timedelta(seconds=number)).replace(tzinfo=None),
                    **extra,
                }
            )
            if len(pending[kind]) >= _BATCH:
                flush(connection, kind)
        for kind in _KINDS:
            flush(connection, kind)
    logger.info("seeded %d legacy records %s (%d blob bytes)", count, per_kind, blob_bytes)
    return SeedSummary(per_kind, blob_bytes)
