"""Mutes per community and the moderation log."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import and_, delete, func, insert, or_, select, update

from bot.domain.model import ModAction
from bot.storage._db import Db
from bot.storage._sql import AnyRow, upsert
from bot.storage.tables import digest_lines, modlog, mutes, questions

log = logging.getLogger(__name__)

_ACTION = (modlog.c.live_id, modlog.c.actor_id, modlog.c.action, modlog.c.target, modlog.c.at)


def action_from_row(row: AnyRow) -> ModAction:
    return ModAction(
        live_id=row.live_id, actor_id=row.actor_id, action=row.action, target=row.target, at=row.at
    )


class SqlModerationRepo:
    """ModerationRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def mute(self, community_id: int, member_id: int, until: datetime, by: int) -> None:
        """Mutes, or replaces the end of an existing mute."""
        stmt = upsert(self._conn, mutes).values(
            community_id=community_id, member_id=member_id, until=until, muted_by=by
        )
        await self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[mutes.c.community_id, mutes.c.member_id],
                set_={"until": stmt.excluded.until, "muted_by": stmt.excluded.muted_by},
            )
        )

    async def unmute(self, community_id: int, member_id: int) -> bool:
        result = await self._conn.execute(
            delete(mutes).where(
                mutes.c.community_id == community_id, mutes.c.member_id == member_id
            )
        )
        return result.rowcount > 0

    async def muted_until(
        self, community_id: int, member_id: int, now: datetime
    ) -> datetime | None:
        """The end of a mute still running at `now`, else None."""
        until: datetime | None = await self._conn.scalar(
            select(mutes.c.until).where(
                mutes.c.community_id == community_id,
                mutes.c.member_id == member_id,
                mutes.c.until > now,
            )
        )
        return until

    async def log(
        self,
        community_id: int,
        live_id: int | None,
        actor_id: int,
        action: str,
        target: str,
        now: datetime,
    ) -> None:
        await self._conn.execute(
            insert(modlog).values(
                community_id=community_id,
                live_id=live_id,
                actor_id=actor_id,
                action=action,
                target=target[:100],
                at=now,
            )
        )

    async def actions(
        self,
        live_id: int,
        community_id: int | None = None,
        between: tuple[datetime, datetime] | None = None,
    ) -> list[ModAction]:
        """The live's actions, and the community's own (mutes) taken `between` those times."""
        wanted = modlog.c.live_id == live_id
        if community_id is not None and between is not None:
            wanted = or_(
                wanted,
                and_(
                    modlog.c.live_id.is_(None),
                    modlog.c.community_id == community_id,
                    modlog.c.at >= between[0],
                    modlog.c.at <= between[1],
                ),
            )
        result = await self._conn.execute(
            select(*_ACTION).where(wanted).order_by(modlog.c.at, modlog.c.id)
        )
        return [action_from_row(row) for row in result]

    # --- digests: the numbers a moderation space's digests give the questions they list ------

    async def number_questions(
        self, space_id: int, question_ids: list[int], now: datetime
    ) -> dict[int, int]:
        """Each question's number in that space's digests: kept if it has one, else the next."""
        found = await self._conn.execute(
            select(digest_lines.c.question_id, digest_lines.c.number).where(
                digest_lines.c.space_id == space_id,
                digest_lines.c.question_id.in_(question_ids),
            )
        )
        numbers: dict[int, int] = {row.question_id: row.number for row in found}
        top = await self._conn.scalar(
            select(func.max(digest_lines.c.number)).where(digest_lines.c.space_id == space_id)
        )
        last = int(top or 0)
        for question_id in question_ids:
            if question_id in numbers:
                continue
            last += 1
            numbers[question_id] = last
            await self._conn.execute(
                insert(digest_lines).values(
                    space_id=space_id, number=last, question_id=question_id, listed_at=now
                )
            )
        return numbers

    async def decided_since_listed(self, space_id: int) -> list[tuple[int, int, str, int | None]]:
        """`(number, question id, status, merged into)` of the questions this space's digests
        listed and that were decided since, not yet shown as decided there."""
        result = await self._conn.execute(
            select(
                digest_lines.c.number,
                questions.c.id,
                questions.c.status,
                questions.c.merged_into,
            )
            .join(questions, questions.c.id == digest_lines.c.question_id)
            .where(
                digest_lines.c.space_id == space_id,
                digest_lines.c.struck_at.is_(None),
                questions.c.status != "pending",
            )
            .order_by(digest_lines.c.number)
        )
        return [(row.number, row.id, row.status, row.merged_into) for row in result]

    async def strike(self, space_id: int, numbers: list[int], now: datetime) -> None:
        if numbers:
            await self._conn.execute(
                update(digest_lines)
                .where(digest_lines.c.space_id == space_id, digest_lines.c.number.in_(numbers))
                .values(struck_at=now)
            )

    async def digest_question(self, space_id: int, number: int) -> int | None:
        """The question that number names in that space's digests (None: never given)."""
        found: int | None = await self._conn.scalar(
            select(digest_lines.c.question_id).where(
                digest_lines.c.space_id == space_id, digest_lines.c.number == number
            )
        )
        return found

    async def has_digests(self, space_id: int) -> bool:
        found = await self._conn.scalar(
            select(digest_lines.c.number).where(digest_lines.c.space_id == space_id).limit(1)
        )
        return found is not None
