"""Alembic environment: runs on the connection :mod:`unimedia.revisions` hands over.

Always called through :func:`unimedia.revisions.alembic_config`, which puts an open
connection in ``config.attributes["connection"]``; the ``alembic`` command line is not the
interface (``unimedia db …`` is), so there is no ``alembic.ini`` and no offline mode.
"""

from __future__ import annotations

from alembic import context

from unimedia.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `unimedia db`, which provides the connection")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds tables where needed.
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
