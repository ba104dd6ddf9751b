"""Lives: scheduling, conditional status changes, hosts and the upcoming listing."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, literal, select, update

from bot.domain.model import Live, LiveStatus
from bot.storage._db import Db
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, Kept, checked_values, csv_tuple, upsert
from bot.storage.tables import UTCDateTime, live_hosts, lives

log = logging.getLogger(__name__)

LIVE_COLUMNS = (
    lives.c.id,
    lives.c.community_id,
    lives.c.title,
    lives.c.description,
    lives.c.starts_at,
    lives.c.duration_min,
    lives.c.link,
    lives.c.capacity,
    lives.c.tags,
    lives.c.status,
    lives.c.created_by,
    lives.c.series_id,
    lives.c.replay,
    lives.c.sequence,
    lives.c.revision,
)
_FIELDS = (
    "title",
    "description",
    "starts_at",
    "duration_min",
    "link",
    "capacity",
    "tags",
    "status",
    "created_by",
    "series_id",
    "replay",
    "started_at",
    "ended_at",
)
MOVES = frozenset({"starts_at", "duration_min"})  # changes RFC 5545 calls significant
NO_AUTHOR = 0  # `Live.created_by` is an int; a deleted creator (NULL) reads as this non-id


def tags_text(tags: Sequence[str]) -> str:
    """Tags are stored lowercase, comma-separated, without duplicates."""
    return ",".join(dict.fromkeys(t.strip().lower() for t in tags if t.strip()))


def live_from_row(row: AnyRow) -> Live:
    return Live(
        id=row.id,
        community_id=row.community_id,
        title=row.title,
        description=row.description,
        starts_at=row.starts_at,
        duration_min=row.duration_min,
        link=row.link,
        capacity=row.capacity,
        tags=csv_tuple(row.tags),
        status=LiveStatus(row.status),
        created_by=NO_AUTHOR if row.created_by is None else row.created_by,
        series_id=row.series_id,
        replay=row.replay,
        sequence=row.sequence,
        revision=row.revision,
    )


def not_ended(conn: Db, now: datetime) -> ColumnElement[bool]:
    """starts_at + duration > now, in the SQL of this connection's dialect."""
    if conn.dialect.name == "postgresql":
        end = lives.c.starts_at + func.make_interval(0, 0, 0, 0, 0, lives.c.duration_min)
        return end > now
    started_minutes_ago = (
        func.julianday(literal(now, UTCDateTime())) - func.julianday(lives.c.starts_at)
    ) * 1440
    return started_minutes_ago < lives.c.duration_min


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_LIVES = Kept(live_from_row)  # a crowd signing up reads the same live again and again
_LIVE_BY_ID = hot(select(*LIVE_COLUMNS).where(lives.c.id == bindparam("id")))  # hot path
_LOCKED_LIVE = select(*LIVE_COLUMNS).where(lives.c.id == bindparam("id")).with_for_update()


class SqlLiveRepo:
    """LiveRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def create(
        self,
        community_id: int,
        title: str,
        description: str,
        starts_at: datetime,
        duration_min: int,
        link: str | None,
        capacity: int | None,
        tags: Sequence[str],
        status: LiveStatus,
        created_by: int,
        series_id: int | None,
        now: datetime,
    ) -> Live:
        result = await self._conn.execute(
            insert(lives)
            .values(
                community_id=community_id,
                title=title,
                description=description,
                starts_at=starts_at,
                duration_min=duration_min,
                link=link,
                capacity=capacity,
                tags=tags_text(tags),
                status=str(status),
                created_by=created_by,
                series_id=series_id,
                created_at=now,
            )
            .returning(*LIVE_COLUMNS)
        )
        return live_from_row(result.one())

    async def get(self, live_id: int) -> Live | None:
        result = await self._conn.execute(_LIVE_BY_ID, {"id": live_id})
        row = result.first()
        return None if row is None else _LIVES.get(tuple(row), row)

    async def lock(self, live_id: int) -> Live | None:
        """SELECT ... FOR UPDATE on PostgreSQL; on SQLite the unit already holds the only write
        lock there is, so it is the plain (hot) read."""
        if self._conn.dialect.name != "postgresql":
            return await self.get(live_id)
        row = (await self._conn.execute(_LOCKED_LIVE, {"id": live_id})).first()
        return None if row is None else _LIVES.get(tuple(row), row)

    async def update(self, live_id: int, **fields: Any) -> None:
        values = checked_values(fields, _FIELDS, {"tags": tags_text, "status": str})
        if values:
            values["revision"] = lives.c.revision + 1  # the feeds' caches see every change
            if MOVES & values.keys():  # calendars take a move only with a higher SEQUENCE
                values["sequence"] = lives.c.sequence + 1
            await self._conn.execute(update(lives).where(lives.c.id == live_id).values(values))

    async def set_status(
        self, live_id: int, from_: Sequence[LiveStatus], to: LiveStatus, now: datetime
    ) -> bool:
        """Conditional transition; the row count says whether this caller won."""
        values: dict[str, Any] = {"status": str(to), "revision": lives.c.revision + 1}
        if to == LiveStatus.LIVE:
            values["started_at"] = now
        elif to == LiveStatus.ENDED:
            values["ended_at"] = now
        elif to == LiveStatus.CANCELLED:
            values["cancelled_at"] = now
            values["sequence"] = lives.c.sequence + 1  # RFC 5545: STATUS is significant
        result = await self._conn.execute(
            update(lives)
            .where(lives.c.id == live_id, lives.c.status.in_([str(s) for s in from_]))
            .values(values)
        )
        return result.rowcount == 1

    async def add_host(self, live_id: int, member_id: int) -> None:
        """Idempotent."""
        await self._conn.execute(
            update(lives).where(lives.c.id == live_id).values(revision=lives.c.revision + 1)
        )
        await self._conn.execute(
            upsert(self._conn, live_hosts)
            .values(live_id=live_id, member_id=member_id)
            .on_conflict_do_nothing()
        )

    async def hosts(self, live_id: int) -> list[int]:
        result = await self._conn.execute(
            select(live_hosts.c.member_id)
            .where(live_hosts.c.live_id == live_id)
            .order_by(live_hosts.c.member_id)
        )
        return list(result.scalars())

    async def upcoming(
        self,
        community_ids: Sequence[int],
        now: datetime,
        tag: str | None,
        offset: int,
        limit: int,
        statuses: Sequence[LiveStatus] = (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    ) -> tuple[list[Live], int]:
        """A page of lives not yet ended, by start time, and the total count."""
        if not community_ids or not statuses:
            return [], 0
        conditions = [
            lives.c.community_id.in_(list(community_ids)),
            lives.c.status.in_([str(s) for s in statuses]),
            not_ended(self._conn, now),
        ]
        if tag and tag.strip():
            pattern = f"%,{_escape_like(tag.strip().lower())},%"
            padded = literal(",") + func.lower(lives.c.tags) + literal(",")
            conditions.append(padded.like(pattern, escape="\\"))
        total = await self._conn.scalar(select(func.count()).select_from(lives).where(*conditions))
        result = await self._conn.execute(
            select(*LIVE_COLUMNS)
            .where(*conditions)
            .order_by(lives.c.starts_at, lives.c.id)
            .offset(offset)
            .limit(limit)
        )
        return [live_from_row(row) for row in result], int(total or 0)

    async def next_series_id(self) -> int:
        """One more than the highest series id in use (units are serialised, so no race)."""
        highest = await self._conn.scalar(select(func.max(lives.c.series_id)))
        return int(highest or 0) + 1

    async def in_series(self, series_id: int, from_start: datetime) -> list[Live]:
        result = await self._conn.execute(
            select(*LIVE_COLUMNS)
            .where(lives.c.series_id == series_id, lives.c.starts_at >= from_start)
            .order_by(lives.c.starts_at, lives.c.id)
        )
        return [live_from_row(row) for row in result]
