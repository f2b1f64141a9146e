"""The ``unimedia db …`` and ``unimedia seed-legacy`` commands (parsed in :mod:`cli`).

Each prints its result as one line: ``db current`` the revision on stdout (scripts read
it), the others a summary with the time taken on stderr. Errors are one ``error:`` line
and exit 2, like ``serve``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from unimedia import legacy_schema
from unimedia.errors import ConfigError

logger = logging.getLogger("unimedia.cli")

EXIT_OK = 0
EXIT_CONFIG = 2
_COUNTED = ("media", *(table.name for table in legacy_schema.TABLES.values()))


def _fail(message: str) -> int:
    print(f"unimedia: error: {message}", file=sys.stderr)  # noqa: T201 -- the CLI's voice
    return EXIT_CONFIG


def _database_url(args: argparse.Namespace) -> str:
    url = args.database_url or os.environ.get("UNIMEDIA_DATABASE_URL")
    if url:
        return str(url)
    if args.data is None:
        raise ConfigError("give --data DIR or --database-url URL")
    data: Path = args.data.resolve()
    data.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{data / 'unimedia.db'}"


def _counts(engine: Engine) -> str:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        parts = [
            f"{name}={connection.scalar(text(f'SELECT count(*) FROM {name}'))}"  # noqa: S608 -- names from code
            for name in _COUNTED
            if name in present
        ]
    return ", ".join(parts) or "no media tables"


def run_db_command(args: argparse.Namespace) -> int:
    from unimedia.db import make_engine
    from unimedia.faults import parse_faults
    from unimedia.revisions import current_revision, downgrade, upgrade

    try:
        engine = make_engine(_database_url(args))
        if args.db_command == "current":
            print(current_revision(engine) or "none")  # noqa: T201 -- stdout is the answer
            return EXIT_OK
        started = time.perf_counter()
        if args.db_command == "upgrade":
            faults = parse_faults(os.environ.get("UNIMEDIA_FAULTS"))
            upgrade(engine, args.revision, faults=faults)
        else:
            downgrade(engine, args.revision, allow_loss=args.allow_loss)
        elapsed = time.perf_counter() - started
        summary = (
            f"unimedia: {args.db_command} to {current_revision(engine) or 'base'} "
            f"in {elapsed:.2f} s ({_counts(engine)})"
        )
        print(summary, file=sys.stderr)  # noqa: T201
        return EXIT_OK
    except ConfigError as exc:
        return _fail(str(exc))
    except RuntimeError as exc:  # DowngradeWouldLoseData and Alembic's own refusals
        return _fail(str(exc))


def run_seed_legacy(args: argparse.Namespace) -> int:
    from unimedia.accounts import generated_accounts, load_accounts_file
    from unimedia.db import make_engine
    from unimedia.legacy_seed import seed_legacy

    try:
        if args.data is None:
            raise ConfigError("seed-legacy needs --data DIR (the blobs live there)")
        data: Path = args.data.resolve()
        engine = make_engine(_database_url(args))
        accounts = load_accounts_file(args.accounts) if args.accounts else generated_accounts(data)
        started = time.perf_counter()
        summary = seed_legacy(engine, data / "blobs", accounts, count=args.count, seed=args.seed)
    except ConfigError as exc:
        return _fail(str(exc))
    elapsed = time.perf_counter() - started
    kinds = ", ".join(f"{kind}s={n}" for kind, n in summary.per_kind.items())
    print(  # noqa: T201
        f"unimedia: seeded {summary.total} legacy records ({kinds}) in {elapsed:.2f} s",
        file=sys.stderr,
    )
    return EXIT_OK
