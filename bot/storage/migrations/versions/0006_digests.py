"""Digests: the short numbers a moderation space's digests give the questions they list.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "digest_lines",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("struck_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name="fk_digest_lines_space_id_spaces",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name="fk_digest_lines_question_id_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("space_id", "number", name="pk_digest_lines"),
    )
    op.create_index("ix_digest_lines_question", "digest_lines", ["question_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_digest_lines_question", table_name="digest_lines")
    op.drop_table("digest_lines")
