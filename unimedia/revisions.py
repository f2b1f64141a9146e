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
from sqlalchemy import Connection, Engine, inspect

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
    with engine.begin() as connection, _transactional_ddl(connection):
        config = _config()
        config.attributes["connection"] = connection
        config.attributes["faults"] = faults or FaultSet.none()
        config.attributes["allow_loss"] = allow_loss
        yield config


@contextmanager
def _transactional_ddl(connection: Connection) -> Iterator[None]:
    """Make a SQLite migration all-or-nothing, as it is on PostgreSQL.

    Python's sqlite3 driver opens a transaction only before INSERT/UPDATE/DELETE, so a
    migration's ``CREATE``/``DROP TABLE`` committed on its own: a downgrade that refused
    half-way (``0002``'s "would lose data") left ``0003``'s table dropped while the
    database still claimed revision ``0003``. Here the driver stops managing transactions
    and one ``BEGIN`` covers the whole run; the caller's commit or rollback ends it.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    previous = driver.isolation_level
    driver.isolation_level = None
    try:
        connection.exec_driver_sql("BEGIN")
        yield
    finally:
        driver.isolation_level = previous  # the pooled connection goes back as it came


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
