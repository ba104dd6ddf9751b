"""What a change notice sent in the unit's own transaction costs (`bot/storage/notices.py`):
`/join`s on PostgreSQL through the core, in blocks that alternate notices on and off (the same
database, the same live, one run), so both sides see the same load.

With notices on, each `/join` issues `SELECT pg_notify(...)` in its transaction (one more round
trip) and PostgreSQL serialises the commits of notifying transactions on its notification
queue. Printed per side: joins per second (wall) and this process's CPU per join, with the load
average.

Run: python bench/notice_cost.py [--joins 2000] [--block 100] [--quick]
     (PostgreSQL from SOLIDAIRE_TEST_POSTGRES_URL, default the local one)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.context import CoreConfig
from bot.core.dispatcher import Core
from bot.core.messages import Request
from bot.core.usecases import load_all
from bot.domain.model import Role, SpaceRef, UserRef
from bot.storage.database import AsyncEngineStore, open_store
from tests.postgres import admin, admin_url

GROUP = SpaceRef("telegram", "-1001")


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def said(user: str, line: str, roles: frozenset[Role] = frozenset()) -> Request:
    who = UserRef("telegram", user)
    return Request(who, "", {}, GROUP, roles, f"M{user}", "fr", None, line)


async def main(joins: int, block: int) -> None:
    load_all()
    url = admin_url()
    name = f"solidaire_bench_{uuid.uuid4().hex[:8]}"
    await admin(url, f'CREATE DATABASE "{name}"')
    store = await open_store(url.set(database=name).render_as_string(hide_password=False))
    try:
        assert isinstance(store, AsyncEngineStore)
        core = Core(store, Clock(), CoreConfig(flood_limits=False), outbox=None)
        organizer = frozenset({Role.ORGANIZER})
        for line in ("/setup", '/schedule title="Banc" when="demain 18h" capacity=100000'):
            assert (await core.handle_text(said("1", line, organizer))).ok, line
        took: dict[bool, list[float]] = {True: [], False: []}
        cpu: dict[bool, list[float]] = {True: [], False: []}
        user = 10_000
        for n in range(-2, joins // block):  # the first two blocks warm up, not counted
            on = n % 2 == 0
            store.notices = "bench" if on else None
            wall, used = time.perf_counter(), time.process_time()
            for _ in range(block):
                user += 1
                assert (await core.handle_text(said(str(user), "/join 1"))).ok
            if n >= 0:
                took[on].append((time.perf_counter() - wall) / block)
                cpu[on].append((time.process_time() - used) / block)
        load = os.getloadavg()
        print(
            f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {joins} joins, blocks of {block}"
        )
        for on in (False, True):
            per = statistics.median(took[on])
            print(
                f"notices {'on ' if on else 'off'}: {1 / per:6.0f} joins/s (median block),"
                f" {statistics.median(cpu[on]) * 1e3:.2f} ms CPU a join here"
            )
        print("rerun: python bench/notice_cost.py --joins", joins, "--block", block)
    finally:
        await store.close()
        await admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--joins", type=int, default=2000)
    parser.add_argument("--block", type=int, default=100)
    parser.add_argument("--quick", action="store_true", help="400 joins")
    args = parser.parse_args()
    asyncio.run(main(400 if args.quick else args.joins, args.block))
