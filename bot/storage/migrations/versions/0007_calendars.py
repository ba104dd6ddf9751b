"""Calendars and public pages (issue 15): each live's iCalendar SEQUENCE and a revision for the
feeds' caches, a community's public page switch and invite link, and members' feed tokens.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lives") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
    op.create_index(
        "ix_lives_calendar", "lives", ["community_id", "starts_at", "status", "revision"]
    )
    with op.batch_alter_table("communities") as batch:
        batch.add_column(
            sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("invite", sa.String(length=200), nullable=True))
    op.create_table(
        "calendar_tokens",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_calendar_tokens_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("member_id", name="pk_calendar_tokens"),
        sa.UniqueConstraint("token", name="uq_calendar_tokens_token"),
    )


def downgrade() -> None:
    op.drop_table("calendar_tokens")
    with op.batch_alter_table("communities") as batch:
        batch.drop_column("invite")
        batch.drop_column("public")
    op.drop_index("ix_lives_calendar", table_name="lives")
    with op.batch_alter_table("lives") as batch:
        batch.drop_column("revision")
        batch.drop_column("sequence")
