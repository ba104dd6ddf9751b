"""Guided conversations kept in the database between two answers, so that the next answer
continues the form on any process (several Telegram webhook workers), one row per person.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "user_id", name="pk_conversations"),
    )
    op.create_index("ix_conversations_updated", "conversations", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_conversations_updated", table_name="conversations")
    op.drop_table("conversations")
