"""A busy process renews its leases first (the alarm's and the Telegram inbox's): on
PostgreSQL on connections of its own.

Issue 17: the renewal of a process's leases was a unit of work like any other. Under a burst
(every pooled connection held by a unit, more waiting for one) it queued behind them, and a
renewal late past the lease let another process take this one's sends over and send them
again. Real PostgreSQL (`tests/postgres.py`): skips without one, fails in CI.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.adapters.telegram.receive import Inbox
from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message
from bot.core.inbox import InboxItem
from bot.core.messages import Destination, OutMessage, Text
from bot.core.ports import UnitOfWork
from bot.scheduling import Alarm
from bot.storage.database import SqlStore, open_store
from bot.storage.lease import Lease
from tests.fakes.platform import FakePlatform

HELD = 15  # SQLAlchemy's pool: 5 connections and 10 more on demand
WAIT = 10.0  # seconds the renewal may take before the test says it never came


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@asynccontextmanager
async def every_connection_held(store: SqlStore) -> AsyncIterator[None]:
    """Every pooled connection held by a unit of work, and more units waiting for one."""
    release = asyncio.Event()
    held = 0
    all_held = asyncio.Event()

    async def busy(uow: UnitOfWork) -> None:
        nonlocal held
        await uow.deliveries.counts()  # the connection is this unit's from here
        held += 1
        if held >= HELD:
            all_held.set()
        await release.wait()

    blockers = [asyncio.create_task(store.run(busy)) for _ in range(HELD + 5)]
    try:
        await asyncio.wait_for(all_held.wait(), WAIT)
        yield
    finally:
        release.set()
        await asyncio.gather(*blockers, return_exceptions=True)


async def renewed(lease_until: Callable[[], Awaitable[datetime]], before: datetime) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT
    while await lease_until() <= before:
        assert asyncio.get_running_loop().time() < deadline, "the renewal never came"
        await asyncio.sleep(0.05)


def reader(watcher: AsyncEngine, table: str) -> Callable[[], Awaitable[datetime]]:
    async def lease_until() -> datetime:
        async with watcher.connect() as conn:
            found = await conn.execute(text(f"SELECT lease_until FROM {table}"))
            return found.scalar_one()

    return lease_until


async def test_a_process_whose_pool_is_busy_still_renews_its_leases(database: str) -> None:
    store = await open_store(database, Lease("busy", timedelta(seconds=30)))
    watcher = create_async_engine(database)  # reads the lease from outside the process
    clock = SystemClock()
    alarm = Alarm(
        Outbox(store, clock, {"telegram": FakePlatform()}), store, clock, keep_leases=0.05
    )
    try:
        message = dump_message(OutMessage(Text("fr", "reminder.soon", {"id": 1, "title": "x"})))
        dest = Destination("telegram", "chat", False)

        async def claimed(uow: UnitOfWork) -> None:
            later = clock.now() + timedelta(hours=1)  # claimed by hand, never sent here
            assert await uow.deliveries.plan("held", "announce", later, dest, message, None, None)
            (row,) = await uow.deliveries.due(later, 10)
            assert await uow.deliveries.claim(row.id, clock.now())

        await alarm.start()  # (at start it puts its own claims back: before this one's)
        await store.run(claimed)
        lease_until = reader(watcher, "deliveries")
        before = await lease_until()

        async with every_connection_held(store):
            await renewed(lease_until, before)
    finally:
        await alarm.stop()
        await store.close()
        await watcher.dispose()


async def test_the_telegram_inbox_renews_its_leases_while_the_pool_is_busy(database: str) -> None:
    """An update being handled (its handler still at work) keeps its lease under a burst:
    else another process takes it over and handles it too."""
    store = await open_store(database, Lease("busy", timedelta(seconds=30)))
    watcher = create_async_engine(database)
    handled = asyncio.Event()

    async def slow_handler(item: InboxItem) -> None:
        await handled.wait()  # still being handled while the pool is busy

    inbox = Inbox(store, SystemClock(), slow_handler, keep_leases=0.05)
    try:
        update = {"update_id": 1, "message": {"from": {"id": 7}, "text": "/lives"}}
        await inbox.keep([update])
        inbox.start()
        lease_until = reader(watcher, "inbox")
        before = await lease_until()

        async with every_connection_held(store):
            await renewed(lease_until, before)
    finally:
        handled.set()
        await inbox.stop()
        await store.close()
        await watcher.dispose()
