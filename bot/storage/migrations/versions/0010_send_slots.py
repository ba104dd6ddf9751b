"""The platform's overall window shared by the processes of one bot: one row per request that
holds a slot (in flight, or answered and counted by the server for a window after its answer).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_slot",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("token_key", sa.String(length=64), nullable=False),
        sa.Column("window_key", sa.String(length=128), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        # NULL while the request is in flight; then when the server's window no longer counts it.
        sa.Column("frees_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_send_slot_window", "send_slot", ["token_key", "window_key"])


def downgrade() -> None:
    op.drop_index("ix_send_slot_window", table_name="send_slot")
    op.drop_table("send_slot")
