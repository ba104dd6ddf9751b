"""The delivery ledger: one row per message owed, claimed before sending, finished after."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, bindparam, case, delete, func, literal, or_, select, update
from sqlalchemy.sql import ColumnElement, Executable

from bot.core.delivery.ledger import Delivery, Owed
from bot.core.delivery.vocabulary import refresh_key
from bot.core.messages import Destination
from bot.storage._db import Db
from bot.storage._fast import hot
from bot.storage.delivery_rows import (
    AGAIN,
    DELIVERY,
    EXPIRE_KEY,
    EXPIRED,
    PENDING,
    SENDING,
    URGENT_FIRST,
    aware,
    delivery_from_row,
    insert_statement,
    many_names,
    plan_many_statement,
    refresh_statement,
    row_tuple,
    row_values,
)
from bot.storage.lease import DEFAULT_LEASE, Lease
from bot.storage.tables import UTCDateTime, deliveries

log = logging.getLogger(__name__)

# The sender's statements, run for every send (claimed, then finished): built once and run hot.
_NOW = bindparam("now", type_=UTCDateTime)
# Several processes on one PostgreSQL read the same due rows, and each unit both puts some back
# in line and claims others, in its own order: waiting on each other's row locks, two of them
# deadlocked (40P01, a second lost each time, measured with two bots fanning out 300 reminders).
# So a row locked by another unit is skipped (`SKIP LOCKED`): not claimed or put back now, it
# stays pending and due, and the next pass sees it again; the conditional update stays the
# arbiter. SQLite has one writer and no row locks: its compiler drops the clause.
_UNLOCKED = (
    select(deliveries.c.id)
    .where(
        deliveries.c.id == bindparam("delivery_id", type_=Integer), deliveries.c.status == PENDING
    )
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM = hot(
    update(deliveries)
    .where(deliveries.c.id == _UNLOCKED, deliveries.c.status == PENDING)
    .values(
        status=SENDING,
        updated_at=_NOW,
        lease_holder=bindparam("holder", type_=deliveries.c.lease_holder.type),
        lease_until=bindparam("until", type_=UTCDateTime),
    )
)


def _finish_statement(shape: str) -> Any:
    """`finish` in its three shapes: back in line ("pending"), "sent" (a refresh asked again
    while in flight goes once more), any other final status."""
    values: dict[str, Any] = {
        "status": bindparam("status", type_=deliveries.c.status.type),
        "attempts": deliveries.c.attempts + 1,
        "message_id": bindparam("message_id", type_=deliveries.c.message_id.type),
        "reason": bindparam("reason", type_=deliveries.c.reason.type),
        "updated_at": _NOW,
        "lease_holder": None,
        "lease_until": None,
    }
    retry_at = bindparam("retry_at", type_=UTCDateTime)
    if shape == PENDING:
        values["next_attempt_at"] = retry_at
    elif shape == "sent":
        again = deliveries.c.reason == AGAIN
        values["status"] = case((again, PENDING), else_="sent")
        values["next_attempt_at"] = case((again, retry_at), else_=deliveries.c.next_attempt_at)
        values["reason"] = None
    return hot(
        update(deliveries)
        .where(
            deliveries.c.id == bindparam("delivery_id", type_=Integer),
            deliveries.c.status == SENDING,
            # Taken over meanwhile (this process stalled past its lease): the other's now.
            deliveries.c.lease_holder == bindparam("holder", type_=deliveries.c.lease_holder.type),
        )
        .values(values)
    )


_FINISH = {shape: _finish_statement(shape) for shape in (PENDING, "sent", "other")}


@cache
def _due_statement(platforms: tuple[str, ...] | None) -> Executable:
    """Built once per set of platforms (the sender asks every pass, many a second during a
    fan-out: building and compiling it each time was 5 % of the database thread in a burst)."""
    stmt = select(*DELIVERY).where(
        deliveries.c.status == PENDING,
        deliveries.c.next_attempt_at <= bindparam("now", type_=UTCDateTime),
    )
    if platforms is not None:  # each a bound value of its own (a list would need expanding)
        stmt = stmt.where(deliveries.c.platform.in_([literal(p) for p in platforms]))
    ordered = stmt.order_by(URGENT_FIRST, deliveries.c.due_at, deliveries.c.id)
    return hot(ordered.limit(bindparam("limit", type_=Integer)))


class SqlDeliveryRepo:
    """DeliveryRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db, lease: Lease = DEFAULT_LEASE) -> None:
        self._conn = conn
        self._lease = lease
        self.earliest: datetime | None = None  # of the rows owed in this unit: wake up by then

    def _owed(self, due_at: datetime) -> None:
        self.earliest = due_at if self.earliest is None else min(self.earliest, due_at)

    async def add(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """Inserts the row unless its key exists already; True when inserted."""
        row = row_values(key, kind, due_at, dest, payload, member_id, live_id)
        result = await self._conn.execute(insert_statement(self._conn.dialect.name, False), row)
        inserted = result.first() is not None
        if inserted:
            self._owed(due_at)
        return inserted

    async def due(
        self, now: datetime, limit: int, platforms: Sequence[str] | None = None
    ) -> list[Delivery]:
        """Pending rows whose next attempt has come, urgent kinds first, then oldest due first;
        only those of the given platforms (rows for a platform this process does not run must
        not block the others)."""
        stmt = _due_statement(None if platforms is None else tuple(platforms))
        result = await self._conn.execute(stmt, {"now": now, "limit": limit})
        return [delivery_from_row(row) for row in result]

    async def due_alike(
        self, row: Delivery, now: datetime, limit: int, skip: Sequence[int]
    ) -> list[Delivery]:
        """More due rows that would share `row`'s message (same kind, place, live and time):
        a chunk of the ledger must not cut a batch of mentions short."""
        result = await self._conn.execute(
            select(*DELIVERY)
            .where(
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at <= now,
                deliveries.c.kind == row.kind,
                deliveries.c.platform == row.dest.platform,
                deliveries.c.chat_id == row.dest.chat_id,
                deliveries.c.private == row.dest.private,
                deliveries.c.live_id == row.live_id,
                deliveries.c.due_at == row.due_at,
                deliveries.c.id.not_in(list(skip)),
            )
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        return [delivery_from_row(found) for found in result]

    async def waiting_for(
        self, row: Delivery, until: datetime, limit: int, skip: Sequence[int]
    ) -> list[Delivery]:
        """Rows of `row`'s kind for the same chat, put back in line until `until` at the latest
        (a moderation space's cards that may join this one's digest)."""
        result = await self._conn.execute(
            select(*DELIVERY)
            .where(
                deliveries.c.status == PENDING,
                deliveries.c.next_attempt_at <= until,
                deliveries.c.kind == row.kind,
                deliveries.c.platform == row.dest.platform,
                deliveries.c.chat_id == row.dest.chat_id,
                deliveries.c.id.not_in(list(skip)),
            )
            .order_by(deliveries.c.id)
            .limit(limit)
        )
        return [delivery_from_row(found) for found in result]

    async def defer(self, delivery_ids: Sequence[int], until: datetime) -> None:
        """Puts waiting rows back in line for `until` (their chat is busy until then): not an
        attempt, nothing counted."""
        if delivery_ids:
            unlocked = (
                select(deliveries.c.id)
                .where(deliveries.c.id.in_(list(delivery_ids)), deliveries.c.status == PENDING)
                .with_for_update(skip_locked=True)  # see _UNLOCKED
            )
            await self._conn.execute(
                update(deliveries)
                .where(deliveries.c.id.in_(unlocked), deliveries.c.status == PENDING)
                .values(next_attempt_at=until)
            )

    async def claim(self, delivery_id: int, now: datetime) -> bool:
        """pending -> sending, leased to this process; True only for the one caller (of any
        process) that made the change."""
        result = await self._conn.execute(
            _CLAIM,
            {
                "delivery_id": delivery_id,
                "now": now,
                "holder": self._lease.holder,
                "until": self._lease.until(now),
            },
        )
        return result.rowcount == 1

    async def finish(
        self,
        delivery_id: int,
        status: str,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Records an attempt's outcome; "pending" puts the row back in line for `retry_at`."""
        params = {
            "delivery_id": delivery_id,
            "status": status,
            "message_id": message_id,
            "reason": None if reason is None else reason[:200],
            "now": now,
            "retry_at": retry_at or now,
        }
        shape = status if status in (PENDING, "sent") else "other"
        params["holder"] = self._lease.holder
        result = await self._conn.execute(_FINISH[shape], params)
        if result.rowcount != 1:
            log.warning("delivery %s finished as %s but was not being sent", delivery_id, status)

    async def delete_of_member(self, member_id: int) -> int:
        result = await self._conn.execute(
            delete(deliveries).where(deliveries.c.member_id == member_id)
        )
        return result.rowcount

    async def plan(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """Owes the message: a new row, or a pending/expired one brought up to date (the latest
        plan wins). A row already sent, refused or being sent is never touched: no double send."""
        row = row_values(key, kind, due_at, dest, payload, member_id, live_id)
        stmt = insert_statement(self._conn.dialect.name, True)
        planned = (await self._conn.execute(stmt, row)).first() is not None
        if planned:
            self._owed(due_at)
        return planned

    async def plan_many(self, rows: Sequence[Owed]) -> int:
        """`plan` of each row in one multi-row INSERT. A key given twice keeps its last row:
        planned one after the other the last would win too, and PostgreSQL refuses an INSERT
        that updates the same row twice."""
        last = {row.key: row for row in rows}
        if not last:
            return 0
        params: dict[str, Any] = {}
        for i, row in enumerate(last.values()):
            params.update(zip(many_names(i), row_tuple(row), strict=True))
        stmt = plan_many_statement(self._conn.dialect.name, len(last))
        planned = list((await self._conn.execute(stmt, params)).scalars())
        for key in planned:
            self._owed(last[key].due_at)
        return len(planned)

    async def expire(
        self,
        live_id: int,
        kinds: Sequence[str],
        reason: str,
        now: datetime,
        member_id: int | None = None,
    ) -> int:
        """Pending rows of that live (and member) that are no longer owed; returns how many."""
        conditions = [
            deliveries.c.live_id == live_id,
            deliveries.c.kind.in_([str(kind) for kind in kinds]),
            deliveries.c.status == PENDING,
        ]
        if member_id is not None:
            conditions.append(deliveries.c.member_id == member_id)
        result = await self._conn.execute(
            update(deliveries)
            .where(*conditions)
            .values(status=EXPIRED, reason=reason, updated_at=now)
        )
        return result.rowcount

    async def expire_one(self, delivery_id: int, reason: str, now: datetime) -> bool:
        """A due row the sender decided not to send (live started, superseded...)."""
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == PENDING)
            .values(status=EXPIRED, reason=reason, updated_at=now)
        )
        return result.rowcount == 1

    async def expire_key(self, key: str, reason: str, now: datetime) -> bool:
        """The row with that key is no longer owed (if it was still waiting)."""
        params = {"row_key": key, "why": reason, "now": now}
        result = await self._conn.execute(EXPIRE_KEY, params)
        return result.rowcount == 1

    async def next_due(self, platforms: Sequence[str] | None = None) -> datetime | None:
        """When the sender must wake up next (None: nothing is owed on those platforms)."""
        stmt = select(func.min(deliveries.c.next_attempt_at)).where(deliveries.c.status == PENDING)
        if platforms is not None:
            stmt = stmt.where(deliveries.c.platform.in_(list(platforms)))
        result = await self._conn.execute(stmt)
        value = result.scalar()
        if value is None:
            return None
        return value if isinstance(value, datetime) and value.tzinfo else aware(value)

    async def recover(self, now: datetime, *, mine: bool = True) -> int:
        """Rows left "sending" by a process that died go back in line (at most those were sent
        twice): those whose lease expired, and with `mine` (at start) this process's own from
        before it stopped. Another live process's rows are left to it."""
        taken = or_(deliveries.c.lease_holder.is_(None), deliveries.c.lease_until < now)
        if mine:
            taken = or_(taken, deliveries.c.lease_holder == self._lease.holder)
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.status == SENDING, taken)
            .values(
                status=PENDING,
                next_attempt_at=now,
                updated_at=now,
                reason="recovered",
                lease_holder=None,
                lease_until=None,
            )
        )
        return result.rowcount

    async def renew(self, now: datetime) -> int:
        """Extends this process's leases on the rows it is sending (it is alive)."""
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.status == SENDING, deliveries.c.lease_holder == self._lease.holder)
            .values(lease_until=self._lease.until(now))
        )
        return result.rowcount

    async def counts(self, live_id: int | None = None) -> dict[str, int]:
        """Rows by status (for figures and tests)."""
        stmt = select(deliveries.c.status, func.count()).group_by(deliveries.c.status)
        if live_id is not None:
            stmt = stmt.where(deliveries.c.live_id == live_id)
        return {status: count for status, count in (await self._conn.execute(stmt)).all()}

    async def plan_refresh(self, live_id: int, due_at: datetime) -> None:
        params = {
            "key": refresh_key(live_id),
            "due_at": due_at,
            "chat_id": str(live_id),
            "live_id": live_id,
        }
        await self._conn.execute(refresh_statement(self._conn.dialect.name), params)
        self._owed(due_at)

    async def posted(self, live_id: int, kind: str) -> list[tuple[Destination, str]]:
        return await self._posted(deliveries.c.live_id == live_id, deliveries.c.kind == str(kind))

    async def posted_under(self, key_prefix: str) -> list[tuple[Destination, str]]:
        return await self._posted(deliveries.c.key.startswith(key_prefix, autoescape=True))

    async def _posted(self, *where: ColumnElement[bool]) -> list[tuple[Destination, str]]:
        result = await self._conn.execute(
            select(
                deliveries.c.platform,
                deliveries.c.chat_id,
                deliveries.c.thread_id,
                deliveries.c.message_id,
            )
            .where(
                *where,
                deliveries.c.status == "sent",
                deliveries.c.message_id.is_not(None),
            )
            .order_by(deliveries.c.id)
        )
        return [
            (
                Destination(row.platform, row.chat_id, private=False, thread_id=row.thread_id),
                row.message_id,
            )
            for row in result
        ]
