"""Two processes on one PostgreSQL read the same due rows; each unit puts some back in line and
claims others, in its own order. A row another unit holds is skipped, never waited for: two
bots fanning out 300 reminders deadlocked (40P01) until it was, a second lost each time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.core.messages import Destination
from bot.storage.database import open_store
from bot.storage.lease import Lease
from tests.integration.conftest import NOW
from tests.postgres import Server, drop_database, fresh_database

LATER = NOW + timedelta(seconds=5)


async def test_claiming_and_putting_back_in_opposite_orders_never_deadlocks(
    postgres_server: Server,
) -> None:
    name = await fresh_database(postgres_server)
    a = await open_store(postgres_server.url_of(name), Lease("bot-a"))
    b = await open_store(postgres_server.url_of(name), Lease("bot-b"))
    try:
        async with a.unit() as uow:
            for chat in ("1", "2"):
                dest = Destination("telegram", chat, True)
                await uow.deliveries.add(f"k{chat}", "reminder", NOW, dest, {}, None, None)
            one, two = (row.id for row in await uow.deliveries.due(NOW, 10))
        claimed = asyncio.Event()

        async def bot_a() -> None:
            async with a.unit() as uow:
                assert await uow.deliveries.claim(two, NOW)
                claimed.set()
                await asyncio.sleep(0.5)  # bot-b's put-back runs meanwhile
                await uow.deliveries.defer([one], LATER)

        async def bot_b() -> None:
            await claimed.wait()
            async with b.unit() as uow:
                # Before: took `one`'s lock (the first in the table), then waited for `two`'s,
                # held by bot-a, which then waited for `one`'s: a deadlock, a unit aborted.
                await uow.deliveries.defer([one, two], LATER)

        await asyncio.wait_for(asyncio.gather(bot_a(), bot_b()), timeout=20)
        async with a.unit() as uow:
            rows = {row.id: row for row in await uow.deliveries.due(LATER, 10)}
            counts = await uow.deliveries.counts()
        assert list(rows) == [one]  # put back in line, as both asked
        assert counts == {"sending": 1, "pending": 1}  # `two` claimed by bot-a, not put back
    finally:
        await a.close()
        await b.close()
        await drop_database(postgres_server, name)
