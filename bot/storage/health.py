"""Read-only figures for the operator: `/healthz`, `/metrics` and `solidaire doctor`.

Plain functions over a sync connection (run through the store's `run_sync`, on any store): they
never write, so a scrape cannot change what the bot does.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.migrate import alembic_config
from bot.storage.tables import deliveries, inbox, spaces

# Rows the outbox still owes: "sending" is claimed, not yet recorded (in flight, or a crash's).
_UNSENT = ("pending", "sending")


@dataclass(frozen=True)
class Backlog:
    """`due`: ledger rows due now and not sent (the send queue's depth); `oldest_due`: when the
    oldest of them fell due (None when none); `inbox`: updates received and not handled yet,
    by platform."""

    due: int
    oldest_due: datetime | None
    inbox: dict[str, int]


@dataclass(frozen=True)
class LinkedSpace:
    platform: str
    external_id: str
    role: str
    title: str
    announce_channel: str | None
    moderation_channel: str | None


def ping(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1")).scalar() == 1


def backlog(conn: Connection, now: datetime) -> Backlog:
    due_rows = (
        deliveries.c.status.in_(_UNSENT),
        deliveries.c.next_attempt_at <= now,
    )
    count, oldest = conn.execute(
        select(func.count(), func.min(deliveries.c.due_at)).where(*due_rows)
    ).one()
    waiting = conn.execute(
        select(inbox.c.platform, func.count())
        .where(inbox.c.handled_at.is_(None))
        .group_by(inbox.c.platform)
    )
    if isinstance(oldest, str):  # in case a driver hands an aggregate back untyped
        oldest = datetime.fromisoformat(oldest)
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return Backlog(int(count), oldest, {str(p): int(n) for p, n in waiting})


def migration_state(conn: Connection) -> tuple[str | None, tuple[str, ...]]:
    """(the revision the database is at, None for an empty one; the code's head revisions)."""
    current = MigrationContext.configure(conn).get_current_revision()
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    return current, tuple(heads)


def linked_spaces(conn: Connection) -> list[LinkedSpace]:
    """Every active space of every community: where the bot must be able to post."""
    rows = conn.execute(
        select(
            spaces.c.platform,
            spaces.c.external_id,
            spaces.c.role,
            spaces.c.title,
            spaces.c.announce_channel,
            spaces.c.moderation_channel,
        )
        .where(spaces.c.active.is_(True))
        .order_by(spaces.c.id)
    )
    return [LinkedSpace(*row) for row in rows]


@dataclass(frozen=True)
class Inspection:
    """What `solidaire doctor` reads of a database without changing it (no migration)."""

    revision: str | None
    heads: tuple[str, ...]
    spaces: list[LinkedSpace]


def _inspect(conn: Connection) -> Inspection:
    revision, heads = migration_state(conn)
    # An empty or foreign database has no spaces table to read.
    found = linked_spaces(conn) if revision is not None and revision in heads else []
    return Inspection(revision, heads, found)


async def inspect(url: str) -> Inspection:
    """Connects to `url` on an engine of its own, reads, disconnects. Raises what the driver
    raises when it cannot (the caller says it in words)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "pysqlite":

        def read() -> Inspection:
            engine = create_engine(url)
            try:
                with engine.connect() as conn:
                    return _inspect(conn)
            finally:
                engine.dispose()

        return await asyncio.to_thread(read)
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(_inspect)
    finally:
        await engine.dispose()
