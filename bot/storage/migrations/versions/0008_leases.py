"""Leases: who holds a delivery being sent and an inbox update being handled, and until when.

Several processes on one database: at start, a process puts back in line only the claims whose
lease has expired or that it held itself before it stopped, not every claim of the others.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 06:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows claimed before this migration have no holder: anyone may take them over at once.
    for table in ("deliveries", "inbox"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lease_holder", sa.String(length=64), nullable=True))
            batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for table in ("deliveries", "inbox"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lease_until")
            batch.drop_column("lease_holder")
