"""A busy process renews its leases first: on PostgreSQL on connections of its own.

Issue 17: the renewal of a process's leases was a unit of work like any other. Under a burst
(every pooled connection held by a unit, more waiting for one) it queued behind them, and a
renewal late past the lease let another process take this one's sends over and send them
again. Real PostgreSQL (`tests/postgres.py`): skips without one, fails in CI.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, Text
from bot.core.ports import UnitOfWork
from bot.scheduling import Alarm
from bot.storage.database import open_store
from bot.storage.lease import Lease
from tests.fakes.platform import FakePlatform

HELD = 15  # SQLAlchemy's pool: 5 connections and 10 more on demand
WAIT = 10.0  # seconds the renewal may take before the test says it never came


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def test_a_process_whose_pool_is_busy_still_renews_its_leases(database: str) -> None:
    store = await open_store(database, Lease("busy", timedelta(seconds=30)))
    watcher = create_async_engine(database)  # reads the lease from outside the process
    clock = SystemClock()
    alarm = Alarm(
        Outbox(store, clock, {"telegram": FakePlatform()}), store, clock, keep_leases=0.05
    )
    release = asyncio.Event()
    blockers: list[asyncio.Task[None]] = []
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

        async def lease_until() -> datetime:
            async with watcher.connect() as conn:
                found = await conn.execute(text("SELECT lease_until FROM deliveries"))
                return found.scalar_one()

        before = await lease_until()
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
        await asyncio.wait_for(all_held.wait(), WAIT)

        deadline = asyncio.get_running_loop().time() + WAIT
        while await lease_until() <= before:
            assert asyncio.get_running_loop().time() < deadline, "the renewal never came"
            await asyncio.sleep(0.05)
    finally:
        release.set()
        await asyncio.gather(*blockers, return_exceptions=True)
        await alarm.stop()
        await store.close()
        await watcher.dispose()
