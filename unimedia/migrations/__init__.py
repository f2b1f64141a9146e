"""Alembic migrations of the unimedia database (``script_location = unimedia:migrations``).

``0001`` is the old system's schema (users and one table per kind); ``0002`` is the media
unification of the deployment plan's Phase 2, with a downgrade that restores the old
tables. Run them with ``unimedia db upgrade|downgrade|current``; see ``docs/migration.md``.
"""
