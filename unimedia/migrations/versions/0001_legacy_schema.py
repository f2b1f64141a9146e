"""The old system's schema: users, and one table per kind of media.

Revision ID: 0001_legacy
Revises:
Create Date: 2024-01-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from unimedia import legacy_schema

revision = "0001_legacy"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_users_username", "users", ["username"], unique=True)
    bind = op.get_bind()
    legacy_schema.metadata.create_all(bind, tables=list(legacy_schema.TABLES.values()))


def downgrade() -> None:
    for table in reversed(legacy_schema.TABLES.values()):
        op.drop_table(table.name)
    op.drop_index("ix_users_username", table_name="users")
    op.drop_table("users")
