"""The inbox: what a platform sent, kept until it has been handled exactly once."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Executable, bindparam, delete, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.inbox import InboxItem
from bot.storage._db import Db
from bot.storage._fast import hot
from bot.storage._sql import insert_for
from bot.storage.lease import DEFAULT_LEASE, Lease
from bot.storage.tables import UTCDateTime, inbox

_DONE = hot(
    update(inbox)
    .where(inbox.c.id == bindparam("item_id"), inbox.c.handled_at.is_(None))
    .values(handled_at=bindparam("now", type_=UTCDateTime))
)


@functools.cache
def _add_statement(dialect: str) -> Executable:
    """Built once per dialect and run hot: a batch of a hundred updates was a hundred
    statements built and compiled by SQLAlchemy, ~0.2 ms each in the database thread, and the
    batch's unit goes ahead of every press (measured under a press burst: 22 ms a batch)."""
    stmt = insert_for(dialect, inbox).values(
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        payload=bindparam("payload"),
        received_at=bindparam("now", type_=UTCDateTime),
        lease_holder=bindparam("holder", type_=inbox.c.lease_holder.type),
        lease_until=bindparam("until", type_=UTCDateTime),
    )
    stmt = stmt.on_conflict_do_nothing(index_elements=[inbox.c.platform, inbox.c.external_id])
    return hot(stmt.returning(inbox.c.id))


# The member an update comes from, read from its stored JSON as `receive._who` reads it: an
# update of each kind carries its sender in `from`.
_KINDS = ("message", "callback_query", "my_chat_member", "chat_member")
_SENDER = {
    "postgresql": "coalesce("
    + ", ".join(f"payload::jsonb #>> '{{{kind},from,id}}'" for kind in _KINDS)
    + ")",
    "sqlite": "coalesce("
    + ", ".join(f"CAST(json_extract(payload, '$.{kind}.from.id') AS TEXT)" for kind in _KINDS)
    + ")",
}


def shared_by_processes(store: object) -> bool:
    """Whether other processes may store and handle updates in the same inbox (PostgreSQL);
    on SQLite one process writes, and its own chains keep each member's updates in order."""
    engine = getattr(store, "engine", None)
    return isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql"


class SqlInboxRepo:
    """InboxRepo on SQLAlchemy Core. An update stored is leased to the process that stored it
    (it hands it on at once); one that process never handled is taken over after the lease."""

    def __init__(self, conn: Db, lease: Lease = DEFAULT_LEASE) -> None:
        self._conn = conn
        self._lease = lease

    async def add(
        self, platform: str, items: Sequence[tuple[str, str]], now: datetime
    ) -> list[tuple[str, int]]:
        """Stores (external id, payload) pairs; one already there (sent twice) is skipped.
        Returns (external id, row id) of the rows added."""
        added = []
        stmt = _add_statement(self._conn.dialect.name)
        for external_id, payload in items:
            params = {
                "platform": platform,
                "external_id": external_id,
                "payload": payload,
                "now": now,
                "holder": self._lease.holder,
                "until": self._lease.until(now),
            }
            row = (await self._conn.execute(stmt, params)).first()
            if row is not None:
                added.append((external_id, int(row.id)))
        return added

    async def pending(self, platform: str, limit: int) -> list[InboxItem]:
        result = await self._conn.execute(
            select(inbox.c.id, inbox.c.payload, inbox.c.received_at)
            .where(inbox.c.platform == platform, inbox.c.handled_at.is_(None))
            .order_by(inbox.c.id)
            .limit(limit)
        )
        return [InboxItem(row.id, row.payload, row.received_at) for row in result]

    async def take(
        self, platform: str, now: datetime, limit: int, *, mine: bool = True
    ) -> list[InboxItem]:
        """Leases to this process the unhandled updates nobody holds: never leased, lease
        expired, and with `mine` (at start) this process's own from before it stopped. In
        order. On PostgreSQL rows another process is taking at this instant are skipped
        (FOR UPDATE SKIP LOCKED); the condition, repeated in the UPDATE, stays the arbiter."""
        free = or_(inbox.c.lease_holder.is_(None), inbox.c.lease_until < now)
        if mine:
            free = or_(free, inbox.c.lease_holder == self._lease.holder)
        waiting = (inbox.c.platform == platform, inbox.c.handled_at.is_(None), free)
        chosen = select(inbox.c.id).where(*waiting).order_by(inbox.c.id).limit(limit)
        if self._conn.dialect.name == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)
        result = await self._conn.execute(
            update(inbox)
            .where(inbox.c.id.in_(chosen.scalar_subquery()), *waiting)
            .values(lease_holder=self._lease.holder, lease_until=self._lease.until(now))
            .returning(inbox.c.id, inbox.c.payload, inbox.c.received_at)
        )
        items = [InboxItem(row.id, row.payload, row.received_at) for row in result]
        return sorted(items, key=lambda item: item.id)

    async def earlier(self, platform: str, item_id: int, sender: str) -> bool:
        """Whether an update of `sender` stored before this one is still unhandled, whoever
        holds it (another process handles a member's earlier update: this one waits). Few
        rows are unhandled at a time (the index on `handled_at`), so reading the sender from
        their JSON costs little."""
        dialect = self._conn.dialect.name
        found = await self._conn.scalar(
            text(
                "SELECT 1 FROM inbox WHERE platform = :platform AND handled_at IS NULL"
                f" AND id < :item_id AND {_SENDER.get(dialect, _SENDER['sqlite'])} = :sender"
                " LIMIT 1"
            ),
            {"platform": platform, "item_id": item_id, "sender": sender},
        )
        return found is not None

    async def renew(self, now: datetime) -> int:
        """Extends this process's leases on the updates it has not handled yet."""
        result = await self._conn.execute(
            update(inbox)
            .where(inbox.c.handled_at.is_(None), inbox.c.lease_holder == self._lease.holder)
            .values(lease_until=self._lease.until(now))
        )
        return result.rowcount

    async def done(self, item_id: int, now: datetime) -> bool:
        """Marks the item handled; False when it was already (a second handling must not act)."""
        result = await self._conn.execute(_DONE, {"item_id": item_id, "now": now})
        return result.rowcount > 0

    async def prune(self, before: datetime) -> int:
        """Forgets items handled before `before` (the platform will never send them again)."""
        result = await self._conn.execute(
            delete(inbox).where(inbox.c.handled_at.is_not(None), inbox.c.handled_at < before)
        )
        return result.rowcount
