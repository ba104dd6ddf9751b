"""Calendar feeds and public pages: members' feed tokens, and the lives a feed or a page shows
with their hosts and seat counts, read in a few statements whatever their number."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, func, select

from bot.core.calendar.repositories import Shown, Version
from bot.domain.commands import DURATION
from bot.domain.model import Live, LiveStatus, SignupStatus
from bot.storage._db import Db
from bot.storage._sql import upsert
from bot.storage.lives import LIVE_COLUMNS, live_from_row, not_ended
from bot.storage.signups import ACTIVE
from bot.storage.tables import live_hosts, lives, members, signups
from bot.storage.web_tables import calendar_tokens

LONGEST = timedelta(minutes=DURATION.bounds[1])
PUBLISHED = [str(s) for s in LiveStatus if s is not LiveStatus.DRAFT]
OPEN = [str(LiveStatus.SCHEDULED), str(LiveStatus.LIVE)]


class SqlCalendarRepo:
    """CalendarRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def token_of(self, member_id: int) -> str | None:
        found = await self._conn.scalar(
            select(calendar_tokens.c.token).where(calendar_tokens.c.member_id == member_id)
        )
        return None if found is None else str(found)

    async def set_token(self, member_id: int, token: str, now: datetime) -> None:
        stmt = upsert(self._conn, calendar_tokens).values(
            member_id=member_id, token=token, created_at=now
        )
        await self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[calendar_tokens.c.member_id],
                set_={"token": token, "created_at": now},
            )
        )

    async def delete_token(self, member_id: int) -> None:
        await self._conn.execute(
            delete(calendar_tokens).where(calendar_tokens.c.member_id == member_id)
        )

    async def owner(self, token: str) -> int | None:
        found = await self._conn.scalar(
            select(calendar_tokens.c.member_id).where(calendar_tokens.c.token == token)
        )
        return None if found is None else int(found)

    async def version(self, community_id: int, since: datetime) -> Version:
        row = (
            await self._conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(lives.c.id), 0),
                    func.coalesce(func.sum(lives.c.revision), 0),
                ).where(
                    lives.c.community_id == community_id,
                    lives.c.starts_at >= since,
                    lives.c.status.in_(PUBLISHED),
                )
            )
        ).one()
        return Version(int(row[0]), int(row[1]), int(row[2]))

    async def member_version(self, member_id: int, since: datetime) -> tuple[Version, ...]:
        confirmed = case((signups.c.status == str(SignupStatus.CONFIRMED), lives.c.id), else_=0)
        result = await self._conn.execute(
            select(
                lives.c.community_id,
                func.count(),
                func.sum(lives.c.id) + 7 * func.sum(confirmed),
                func.sum(lives.c.revision),
            )
            .join_from(lives, signups, signups.c.live_id == lives.c.id)
            .where(
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
                lives.c.status.in_(PUBLISHED),
                lives.c.starts_at >= since,
            )
            .group_by(lives.c.community_id)
            .order_by(lives.c.community_id)
        )
        return tuple(Version(int(n), int(ids), int(revs)) for _, n, ids, revs in result)

    async def window(
        self, community_id: int, since: datetime, now: datetime, limit: int
    ) -> list[Live]:
        mine = (lives.c.community_id == community_id, lives.c.status.in_(PUBLISHED))
        ahead = await self._conn.execute(
            select(*LIVE_COLUMNS)
            .where(*mine, lives.c.starts_at >= now)
            .order_by(lives.c.starts_at, lives.c.id)
            .limit(limit)
        )
        found = [live_from_row(row) for row in ahead]
        if len(found) < limit:
            past = await self._conn.execute(
                select(*LIVE_COLUMNS)
                .where(*mine, lives.c.starts_at >= since, lives.c.starts_at < now)
                .order_by(lives.c.starts_at.desc(), lives.c.id.desc())
                .limit(limit - len(found))
            )
            found = [live_from_row(row) for row in past][::-1] + found
        return found

    async def signed_up(
        self, member_id: int, since: datetime, limit: int
    ) -> list[tuple[Live, SignupStatus]]:
        result = await self._conn.execute(
            select(*LIVE_COLUMNS, signups.c.status.label("signup_status"))
            .join_from(lives, signups, signups.c.live_id == lives.c.id)
            .where(
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
                lives.c.status.in_(PUBLISHED),
                lives.c.starts_at >= since,
            )
            .order_by(lives.c.starts_at, lives.c.id)
            .limit(limit)
        )
        return [(live_from_row(row), SignupStatus(row.signup_status)) for row in result]

    async def shown(self, found: Sequence[Live]) -> list[Shown]:
        ids = [live.id for live in found]
        hosts: dict[int, list[str]] = defaultdict(list)
        counts: dict[int, tuple[int, int]] = {}
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            named = await self._conn.execute(
                select(live_hosts.c.live_id, members.c.display_name)
                .join_from(live_hosts, members, members.c.id == live_hosts.c.member_id)
                .where(live_hosts.c.live_id.in_(chunk))
                .order_by(live_hosts.c.live_id, live_hosts.c.member_id)
            )
            for live_id, name in named:
                hosts[live_id].append(name)
            confirmed = func.sum(
                case((signups.c.status == str(SignupStatus.CONFIRMED), 1), else_=0)
            )
            waiting = func.sum(case((signups.c.status == str(SignupStatus.WAITLISTED), 1), else_=0))
            counted = await self._conn.execute(
                select(signups.c.live_id, confirmed, waiting)
                .where(signups.c.live_id.in_(chunk))
                .group_by(signups.c.live_id)
            )
            for live_id, yes, wait in counted:
                counts[live_id] = (int(yes or 0), int(wait or 0))
        return [
            Shown(live, tuple(hosts.get(live.id, ())), *counts.get(live.id, (0, 0)))
            for live in found
        ]

    async def upcoming(
        self, community_id: int, now: datetime, offset: int, limit: int
    ) -> tuple[list[Live], int]:
        where = and_(
            lives.c.community_id == community_id,
            lives.c.status.in_(OPEN),
            # No live lasts longer than that: the index on the start bounds the scan, and the
            # end is computed for the few lives left.
            lives.c.starts_at > now - LONGEST,
            not_ended(self._conn, now),
        )
        # Counted in two parts: those not started yet from the index alone (no end to compute),
        # then the few started less than the longest duration ago that have not ended.
        mine = (lives.c.community_id == community_id, lives.c.status.in_(OPEN))
        ahead = select(func.count()).select_from(lives).where(*mine, lives.c.starts_at > now)
        started = (
            select(func.count())
            .select_from(lives)
            .where(
                *mine,
                lives.c.starts_at > now - LONGEST,
                lives.c.starts_at <= now,
                not_ended(self._conn, now),
            )
        )
        total = int(await self._conn.scalar(ahead) or 0) + int(
            await self._conn.scalar(started) or 0
        )
        result = await self._conn.execute(
            select(*LIVE_COLUMNS)
            .where(where)
            .order_by(lives.c.starts_at, lives.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [live_from_row(row) for row in result], total
