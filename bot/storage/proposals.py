"""Live proposals from members, decided once by a host or organiser."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, select, update

from bot.domain.model import Proposal, ProposalStatus
from bot.storage._db import Db
from bot.storage._sql import AnyRow
from bot.storage.tables import proposals

log = logging.getLogger(__name__)

_PROPOSAL = (
    proposals.c.id,
    proposals.c.community_id,
    proposals.c.member_id,
    proposals.c.title,
    proposals.c.description,
    proposals.c.status,
    proposals.c.live_id,
)
PENDING = str(ProposalStatus.PENDING)


def proposal_from_row(row: AnyRow) -> Proposal:
    return Proposal(
        id=row.id,
        community_id=row.community_id,
        member_id=row.member_id,
        title=row.title,
        description=row.description,
        status=ProposalStatus(row.status),
        live_id=row.live_id,
    )


class SqlProposalRepo:
    """ProposalRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def create(
        self, community_id: int, member_id: int, title: str, description: str, now: datetime
    ) -> Proposal:
        result = await self._conn.execute(
            insert(proposals)
            .values(
                community_id=community_id,
                member_id=member_id,
                title=title,
                description=description,
                status=PENDING,
                created_at=now,
            )
            .returning(*_PROPOSAL)
        )
        return proposal_from_row(result.one())

    async def get(self, proposal_id: int) -> Proposal | None:
        result = await self._conn.execute(select(*_PROPOSAL).where(proposals.c.id == proposal_id))
        row = result.first()
        return None if row is None else proposal_from_row(row)

    async def pending(self, community_id: int) -> list[Proposal]:
        """Oldest first."""
        result = await self._conn.execute(
            select(*_PROPOSAL)
            .where(proposals.c.community_id == community_id, proposals.c.status == PENDING)
            .order_by(proposals.c.created_at, proposals.c.id)
        )
        return [proposal_from_row(row) for row in result]

    async def decide(
        self, proposal_id: int, to: ProposalStatus, by: int, live_id: int | None, now: datetime
    ) -> bool:
        """Conditional on the proposal still pending."""
        result = await self._conn.execute(
            update(proposals)
            .where(proposals.c.id == proposal_id, proposals.c.status == PENDING)
            .values(status=str(to), decided_by=by, live_id=live_id, decided_at=now)
        )
        return result.rowcount == 1
