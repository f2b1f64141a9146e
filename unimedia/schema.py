"""The database schema's version: Alembic revisions, run from code.

Startup policy (``prepare_schema``), chosen so that a schema change is never a side effect
of starting a server:

- an empty database (a fresh data directory) gets the head schema at once, with
  ``create_all`` and a stamp of the head revision — one step instead of replaying history,
  and a test proves that both give the same schema;
- a database at head is used as it is;
- anything else (the legacy schema, an older revision, tables without a revision) refuses
  to start with one line naming the command to run: migrating production data is the
  deployment plan's Phase 2, done on purpose with ``unimedia db upgrade``, timed, verified
  and rehearsed with ``unimedia db downgrade``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from unimedia.errors import ConfigError
from unimedia.faults import FaultSet
from unimedia.models import Base

logger = logging.getLogger(__name__)

SCRIPT_LOCATION = "unimedia:migrations"
LEGACY_REVISION = "0001_legacy"


class SchemaOutOfDate(ConfigError):
    """The database is not at the revision this release needs."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:  # pragma: no cover -- the package always ships revisions
        raise RuntimeError("no migration revisions found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _bound(
    engine: Engine, *, faults: FaultSet | None = None, allow_loss: bool = False
) -> Iterator[Config]:
    with engine.begin() as connection:
        config = _config()
        config.attributes["connection"] = connection
        config.attributes["faults"] = faults or FaultSet.none()
        config.attributes["allow_loss"] = allow_loss
        yield config


def upgrade(engine: Engine, revision: str = "head", *, faults: FaultSet | None = None) -> None:
    with _bound(engine, faults=faults) as config:
        command.upgrade(config, revision)


def downgrade(engine: Engine, revision: str, *, allow_loss: bool = False) -> None:
    with _bound(engine, allow_loss=allow_loss) as config:
        command.downgrade(config, revision)


def stamp(engine: Engine, revision: str = "head") -> None:
    with _bound(engine) as config:
        command.stamp(config, revision)


def prepare_schema(engine: Engine) -> None:
    """Make an empty database ready, accept one at head, refuse anything else."""
    tables = set(inspect(engine).get_table_names())
    if not tables:
        Base.metadata.create_all(engine)
        stamp(engine)
        logger.info("created the database schema at revision %s", head_revision())
        return
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(
            f"the database is at schema revision {current or 'none'}, this release needs "
            f"{head}: run `unimedia db upgrade` with the same --data/--database-url first"
        )
