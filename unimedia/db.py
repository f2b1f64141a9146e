"""Engine construction and the readiness probe's database check."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from unimedia.errors import ConfigError
from unimedia.faults import FaultSet


class DatabaseUnavailable(ConnectionError):
    """The database did not answer the readiness probe."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # Foreign keys are off by default in SQLite; WAL lets downloads read while an upload
    # commits; busy_timeout turns writer contention into a short wait instead of an error.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for any SQLAlchemy URL, with SQLite made safe for the threadpool.

    A malformed URL or a missing driver is a :class:`ConfigError`, not a traceback.
    """
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            return create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigError(f"unusable database URL: {exc}") from exc
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False}}
    if parsed.database in (None, "", ":memory:"):
        # One shared connection, or every pooled connection would see its own empty DB.
        kwargs["poolclass"] = StaticPool
    engine = create_engine(url, **kwargs)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def ping(engine: Engine, faults: FaultSet) -> None:
    """Run ``SELECT 1``; raises when the database cannot answer."""
    if faults.active("db_unavailable"):
        raise DatabaseUnavailable("could not connect to the database: connection refused")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
