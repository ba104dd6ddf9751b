"""What checking pooled PostgreSQL connections costs: the same units of work on one database
with no check, with the bot's (a connection that rested a second is pinged before it is handed
out, `storage/database.py`), and with SQLAlchemy's `pool_pre_ping` (a ping at every checkout).

The check is what lets the first unit after a database restart or a network cut succeed
instead of failing on a dead pooled connection. Two loads: units one after the other (the
latency a command pays), and 20 at a time (the throughput a burst sees). Each unit reads a
member by platform id, as most commands do.

Figures (2026-12-03, load 4.5, local PostgreSQL 15, 1,000 units, two rounds): no check 2.9-3.3 ms
a unit alone, 402-414 units/s 20 at a time; the bot's check 3.0-3.2 ms, 411-415/s (the same: under
load no connection rests a second); pool_pre_ping 3.3-3.4 ms, 353-375/s (a tenth fewer).

Run: SOLIDAIRE_TEST_POSTGRES_URL=postgresql+asyncpg://solidaire:solidaire@127.0.0.1:5432/postgres \\
     python bench/pool_pre_ping.py [--units 2000] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.domain.model import UserRef
from bot.storage.database import AsyncEngineStore, open_store

DEFAULT = "postgresql+asyncpg://solidaire:solidaire@127.0.0.1:5432/postgres"


async def units(store: AsyncEngineStore, count: int, at_once: int) -> float:
    """Seconds for `count` units, `at_once` running together."""
    ref = UserRef("shell", "nobody")
    left = iter(range(count))

    async def worker() -> None:
        for _ in left:
            await store.run(lambda uow: uow.members.by_ref(ref))

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(at_once)))
    return time.perf_counter() - started


async def main(count: int) -> None:
    admin = make_url(os.environ.get("SOLIDAIRE_TEST_POSTGRES_URL") or DEFAULT)
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"solidaire_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = admin.set(database=name).render_as_string(hide_password=False)
    try:
        await (await open_store(url)).close()  # migrated once
        for _ in range(2):  # twice each: the machine is shared
            for how in ("no ping", "ping when rested (the bot's)", "pool_pre_ping"):
                if how == "ping when rested (the bot's)":
                    store = await open_store(url)
                    assert isinstance(store, AsyncEngineStore)
                else:
                    ping = how == "pool_pre_ping"
                    engine = create_async_engine(
                        url, pool_pre_ping=ping, connect_args={"timeout": 10}
                    )
                    store = AsyncEngineStore(engine)
                await units(store, 50, 20)  # warm the pool
                alone = await units(store, count, 1)
                burst = await units(store, count, 20)
                print(
                    f"{how:30}  one at a time: {alone / count * 1e6:6.0f} us a unit"
                    f"  | 20 at a time: {count / burst:6.0f} units/s"
                )
                await store.close()
    finally:
        conn = await asyncpg.connect(dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()
    print(f"rerun: python bench/pool_pre_ping.py --units {count}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="200 units: a smoke run")
    args = parser.parse_args()
    asyncio.run(main(200 if args.quick else args.units))
