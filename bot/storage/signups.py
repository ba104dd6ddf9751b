"""Sign-ups: seats, the waitlist in (queued_at, id) order, attendance and ratings."""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Executable, Integer, bindparam, case, func, literal, select, true, update

from bot.domain.model import Live, LiveStatus, SeatCount, SignUp, SignupStatus
from bot.storage._db import Db
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, insert_for, upsert
from bot.storage.lives import LIVE_COLUMNS, live_from_row, not_ended
from bot.storage.tables import UTCDateTime, lives, ratings, signups

log = logging.getLogger(__name__)

CONFIRMED = str(SignupStatus.CONFIRMED)
WAITLISTED = str(SignupStatus.WAITLISTED)
CANCELLED = str(SignupStatus.CANCELLED)
ACTIVE = (CONFIRMED, WAITLISTED)
_OPEN_LIVES = (str(LiveStatus.SCHEDULED), str(LiveStatus.LIVE))
_NOT_STARTED_LIVES = (str(LiveStatus.DRAFT), str(LiveStatus.SCHEDULED))

_SIGNUP = (
    signups.c.live_id,
    signups.c.member_id,
    signups.c.status,
    signups.c.created_at,
    signups.c.attended_at,
)


def signup_from_row(row: AnyRow, prefix: str = "") -> SignUp:
    """`prefix` reads the columns of a join where they were labelled `prefix + name`."""
    values = row._mapping
    return SignUp(
        live_id=values[f"{prefix}live_id"],
        member_id=values[f"{prefix}member_id"],
        status=SignupStatus(values[f"{prefix}status"]),
        created_at=values[f"{prefix}created_at"],
        attended=values[f"{prefix}attended_at"] is not None,
    )


@functools.cache
def _join_statement(dialect: str, limited: bool) -> Executable:
    """Built once per dialect: building an upsert costs more than running it on SQLite."""
    status: Any = literal(CONFIRMED)
    if limited:
        confirmed = (
            select(func.count())
            .select_from(signups)
            .where(signups.c.live_id == bindparam("live_id"), signups.c.status == CONFIRMED)
            .scalar_subquery()
        )
        status = case(
            (confirmed < bindparam("capacity", type_=Integer), CONFIRMED), else_=WAITLISTED
        )
    when = bindparam("now", type_=UTCDateTime())
    ids = (bindparam("live_id", type_=Integer), bindparam("member_id", type_=Integer))
    # `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint
    chosen = select(*ids, status, when, when).where(true())
    stmt = insert_for(dialect, signups).from_select(
        ["live_id", "member_id", "status", "created_at", "queued_at"], chosen
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[signups.c.live_id, signups.c.member_id],
        set_={"status": stmt.excluded.status, "queued_at": stmt.excluded.queued_at},
        where=signups.c.status == CANCELLED,
    )
    return hot(stmt.returning(signups.c.status))


class SqlSignupRepo:
    """SignupRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def get(self, live_id: int, member_id: int) -> SignUp | None:
        """The member's sign-up whatever its status (a cancelled one included)."""
        result = await self._conn.execute(
            select(*_SIGNUP).where(signups.c.live_id == live_id, signups.c.member_id == member_id)
        )
        row = result.first()
        return None if row is None else signup_from_row(row)

    async def counts(self, live_id: int) -> SeatCount:
        result = await self._conn.execute(
            select(signups.c.status, func.count())
            .where(signups.c.live_id == live_id, signups.c.status.in_(ACTIVE))
            .group_by(signups.c.status)
        )
        by_status: dict[str, int] = {status: count for status, count in result}
        return SeatCount(by_status.get(CONFIRMED, 0), by_status.get(WAITLISTED, 0))

    async def join(
        self, live_id: int, member_id: int, capacity: int | None, now: datetime
    ) -> SignupStatus | None:
        """Confirmed when a seat is free, else waitlisted; None when already signed up.

        One statement decides and writes (hot path): INSERT ... SELECT CASE on the confirmed
        count, and ON CONFLICT revives a cancelled row at the back of the queue.
        """
        stmt = _join_statement(self._conn.dialect.name, capacity is not None)
        params = {"live_id": live_id, "member_id": member_id, "capacity": capacity, "now": now}
        result = await self._conn.execute(stmt, params)
        written = result.scalar()
        return None if written is None else SignupStatus(written)

    async def leave(self, live_id: int, member_id: int, now: datetime) -> SignupStatus | None:
        """Cancels an active sign-up and returns its former status."""
        former = await self._conn.scalar(
            select(signups.c.status).where(
                signups.c.live_id == live_id,
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
            )
        )
        if former is None:
            return None
        result = await self._conn.execute(
            update(signups)
            .where(
                signups.c.live_id == live_id,
                signups.c.member_id == member_id,
                signups.c.status == former,
            )
            .values(status=CANCELLED)
        )
        return SignupStatus(former) if result.rowcount == 1 else None

    async def promote(self, live_id: int, capacity: int | None) -> list[int]:
        """Moves the first waitlisted members (in order) into free seats; returns their ids."""
        first = (
            select(signups.c.id)
            .where(signups.c.live_id == live_id, signups.c.status == WAITLISTED)
            .order_by(signups.c.queued_at, signups.c.id)
        )
        if capacity is not None:
            seats = await self.counts(live_id)
            free = capacity - seats.confirmed
            if free <= 0 or seats.waitlisted == 0:
                return []
            first = first.limit(free)
        result = await self._conn.execute(
            update(signups)
            .where(signups.c.id.in_(first.scalar_subquery()), signups.c.status == WAITLISTED)
            .values(status=CONFIRMED)
            .returning(signups.c.member_id, signups.c.queued_at, signups.c.id)
        )
        promoted = sorted(result, key=lambda row: (row.queued_at, row.id))
        return [member_id for member_id, _, _ in promoted]

    async def attend(self, live_id: int, member_id: int, now: datetime) -> bool:
        """Marks an active sign-up attended; False when absent, cancelled or marked already."""
        result = await self._conn.execute(
            update(signups)
            .where(
                signups.c.live_id == live_id,
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
                signups.c.attended_at.is_(None),
            )
            .values(attended_at=now)
        )
        return result.rowcount == 1

    async def member_ids(self, live_id: int, statuses: Sequence[SignupStatus]) -> list[int]:
        """In queue order."""
        result = await self._conn.execute(
            select(signups.c.member_id)
            .where(signups.c.live_id == live_id, signups.c.status.in_([str(s) for s in statuses]))
            .order_by(signups.c.queued_at, signups.c.id)
        )
        return list(result.scalars())

    async def attended_ids(self, live_id: int) -> list[int]:
        result = await self._conn.execute(
            select(signups.c.member_id)
            .where(signups.c.live_id == live_id, signups.c.attended_at.is_not(None))
            .order_by(signups.c.attended_at, signups.c.id)
        )
        return list(result.scalars())

    async def upcoming_of(self, member_id: int, now: datetime) -> list[tuple[Live, SignUp]]:
        """Active sign-ups to scheduled or running lives not yet ended, by start time."""
        result = await self._conn.execute(
            select(*LIVE_COLUMNS, *(c.label(f"signup_{c.name}") for c in _SIGNUP))
            .join_from(lives, signups, signups.c.live_id == lives.c.id)
            .where(
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
                lives.c.status.in_(_OPEN_LIVES),
                not_ended(self._conn, now),
            )
            .order_by(lives.c.starts_at, lives.c.id)
        )
        return [(live_from_row(row), signup_from_row(row, "signup_")) for row in result]

    async def cancel_future_of(self, member_id: int, now: datetime) -> list[int]:
        """Cancels the member's sign-ups to lives not yet started; returns those live ids."""
        not_started = select(lives.c.id).where(
            lives.c.starts_at > now, lives.c.status.in_(_NOT_STARTED_LIVES)
        )
        result = await self._conn.execute(
            update(signups)
            .where(
                signups.c.member_id == member_id,
                signups.c.status.in_(ACTIVE),
                signups.c.live_id.in_(not_started.scalar_subquery()),
            )
            .values(status=CANCELLED)
            .returning(signups.c.live_id)
        )
        return sorted(result.scalars())

    async def rate(
        self, live_id: int, member_id: int, rating: int, comment: str | None, now: datetime
    ) -> bool:
        """One rating per member and live: False when this member has rated it already."""
        result = await self._conn.execute(
            upsert(self._conn, ratings)
            .values(live_id=live_id, member_id=member_id, rating=rating, comment=comment, at=now)
            .on_conflict_do_nothing()
            .returning(ratings.c.member_id)
        )
        return result.first() is not None
