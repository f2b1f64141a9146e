"""The database is reachable with the URL postdeploy was given — and that URL is read-only.

postdeploy reads production data (snapshots, the data stage); it must never hold a
connection that could change it. Reachability is a query; "read-only" is asked without
changing anything: SQLite is asked to rewrite its own ``user_version`` with the value it
already has, inside a transaction that is rolled back (a read-only connection refuses);
PostgreSQL for the role's write privileges and the session's ``transaction_read_only``.
Other dialects: reachable is checked, read-only is listed as not checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from postdeploy.readiness.model import CheckState, ReadinessCheck

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

__all__ = ["database_checks"]

REACHABLE = "database:reachable"
READ_ONLY = "database:read-only"


def database_checks(url: str | None) -> list[ReadinessCheck]:
    if not url:
        return [ReadinessCheck(REACHABLE, "the database is reachable", CheckState.SKIPPED,
                               "no database URL given (POSTDEPLOY_DATABASE_URL)")]  # fmt: skip
    try:
        from sqlalchemy import create_engine, inspect, text
        from sqlalchemy.exc import SQLAlchemyError
    except ImportError:
        return [ReadinessCheck(REACHABLE, "the database is reachable", CheckState.ERROR,
                               "reading a database needs SQLAlchemy")]  # fmt: skip
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError) as exc:
        return [ReadinessCheck(REACHABLE, "the database is reachable", CheckState.ERROR,
                               f"not a usable database URL: {_line(exc)}")]  # fmt: skip
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            tables = sorted(inspect(connection).get_table_names())
            reachable = ReadinessCheck(
                REACHABLE, "the database is reachable", CheckState.PASSED,
                f"{engine.dialect.name}: {len(tables)} tables"
                + (" (media)" if "media" in tables else ""),
            )  # fmt: skip
            read_only = _read_only(connection, engine.dialect.name, text)
    except SQLAlchemyError as exc:
        return [
            ReadinessCheck(
                REACHABLE,
                "the database is reachable",
                CheckState.FAILED,
                _line(exc),
                "check the URL, the network path and the role",
            )
        ]
    finally:
        engine.dispose()
    return [reachable, read_only]


def _read_only(connection: Connection, dialect: str, text: Callable[[str], Any]) -> ReadinessCheck:
    from sqlalchemy.exc import SQLAlchemyError

    title = "postdeploy's database access is read-only"
    fix = ("give postdeploy a read-only URL (SQLite: sqlite:///file:PATH?mode=ro&uri=true; "
           "PostgreSQL: a role with SELECT only)")  # fmt: skip
    if dialect == "sqlite":
        raw = connection.connection.driver_connection
        version = int(raw.execute("PRAGMA user_version").fetchone()[0])
        raw.execute("BEGIN")
        try:
            raw.execute(f"PRAGMA user_version = {version}")  # the value it has: no change
        except Exception as exc:  # noqa: BLE001 - sqlite3's own error: refused is the answer
            return ReadinessCheck(READ_ONLY, title, CheckState.PASSED,
                                  f"writes are refused: {_line(exc)}")  # fmt: skip
        finally:
            raw.execute("ROLLBACK")
        return ReadinessCheck(READ_ONLY, title, CheckState.FAILED,
                              "this URL can write to the database", fix)  # fmt: skip
    if dialect == "postgresql":
        try:
            session_ro = connection.execute(text("SHOW transaction_read_only")).scalar()
            writable = connection.execute(
                text(
                    "SELECT count(*) FROM information_schema.table_privileges "
                    "WHERE grantee = current_user AND privilege_type IN "
                    "('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')"
                )
            ).scalar()
        except SQLAlchemyError as exc:
            return ReadinessCheck(READ_ONLY, title, CheckState.ERROR, _line(exc))
        if session_ro == "on" or not writable:
            return ReadinessCheck(READ_ONLY, title, CheckState.PASSED,
                                  f"transaction_read_only={session_ro}, "
                                  f"{writable} write privileges")  # fmt: skip
        return ReadinessCheck(READ_ONLY, title, CheckState.FAILED,
                              f"the role holds {writable} write privileges", fix)  # fmt: skip
    return ReadinessCheck(
        READ_ONLY,
        title,
        CheckState.SKIPPED,
        f"no read-only probe for {dialect}: check the role by hand",
    )


def _line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
