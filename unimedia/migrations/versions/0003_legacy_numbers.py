"""Legacy numbers are never reused: a per-kind high-water mark.

Revision ID: 0003_legacy_numbers
Revises: 0002_unified
Create Date: 2026-11-25

Before this revision a new upload took "highest existing legacy number of its kind + 1",
so deleting the newest item gave its number to the next upload. The table starts from the
numbers in use; numbers freed before the upgrade at the top of a kind cannot be recovered
(nothing recorded them) — the same holds after a downgrade and re-upgrade.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_legacy_numbers"
down_revision = "0002_unified"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legacy_numbers",
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("last_issued", sa.Integer, nullable=False),
    )
    op.execute(
        "INSERT INTO legacy_numbers (kind, last_issued) "
        "SELECT kind, MAX(legacy_id) FROM media GROUP BY kind"
    )


def downgrade() -> None:
    op.drop_table("legacy_numbers")
