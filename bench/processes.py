"""Sign-ups per second with 1, 2 and 4 bot processes on one PostgreSQL, and 1 on SQLite.

2,000 members (an even share per process) join one live of 500 seats, all arriving at once:
each process runs the real dispatcher on its own engine and fires its share in batches of 100
(a batch every 50 ms, as bench/signup_burst.py's crowd). Every join locks the live's row first
(LiveRepo.lock), so this also measures what that lock costs when processes compete for one live.
Printed: sign-ups per second from the common start to the last answer, and the seats given
(exactly 500 whatever the number of processes).

Not measured here: the reminder fan-out rate with several processes sharing one send budget
per token (`bot/storage/budget.py`); tests/integration/test_shared_budget.py checks that two
of them stay together within the platform's limits.

Run: python bench/processes.py [--members 2000] [--quick]
     (PostgreSQL from SOLIDAIRE_TEST_POSTGRES_URL, e.g. as .ci/run exports it)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Clock
from bot.core.context import CoreConfig
from bot.core.dispatcher import Core
from bot.core.messages import Request
from bot.core.usecases import load_all
from bot.domain.model import Role, SpaceRef, UserRef
from bot.storage.database import open_store

SPACE = SpaceRef("shell", "discord")
SEATS = 500
BATCH, EVERY = 100, 0.05


def request(who: str, line: str, facts: frozenset[Role] = frozenset()) -> Request:
    return Request(UserRef("shell", who), "", {}, SPACE, facts, who, None, who, line)


async def prepare(url: str) -> None:
    load_all()
    store = await open_store(url)
    try:
        core = Core(store, Clock(), CoreConfig(flood_limits=False), outbox=None)
        organizer = frozenset({Role.ORGANIZER})
        await core.handle_text(request("olga", "/setup", organizer))
        line = f'/schedule title="Bench" when="demain 18h" capacity={SEATS}'
        assert (await core.handle_text(request("olga", line, organizer))).ok
    finally:
        await store.close()


async def worker(url: str, first: int, count: int, start_at: float) -> None:
    """One process: its share of the crowd, from `start_at` (wall clock, shared)."""
    load_all()
    store = await open_store(url)
    try:
        core = Core(store, Clock(), CoreConfig(flood_limits=False), outbox=None)
        await core.handle_text(request("warm-up", "/lives"))  # connections and caches
        await asyncio.sleep(max(0.0, start_at - time.time()))
        seated = 0

        async def join(i: int) -> None:
            nonlocal seated
            reply = await core.handle_text(request(f"m{i}", "/join 1"))
            assert reply.ok, reply.messages[0].text.key
            seated += reply.messages[0].text.key == "signup.confirmed"

        tasks = []
        for offset in range(0, count, BATCH):
            ids = range(first + offset, first + min(offset + BATCH, count))
            tasks += [asyncio.create_task(join(i)) for i in ids]
            await asyncio.sleep(EVERY)
        await asyncio.gather(*tasks)
        print(json.dumps({"end": time.time(), "seated": seated}))
    finally:
        await store.close()


def run_processes(url: str, members: int, processes: int) -> tuple[float, int]:
    start_at = time.time() + 3.0  # every process connected and warm by then
    share = members // processes
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, str(p * share), str(share), str(start_at)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(processes)
    ]
    outs = [
        json.loads(child.communicate(timeout=600)[0].strip().splitlines()[-1]) for child in children
    ]
    assert all(child.returncode == 0 for child in children)
    end = max(out["end"] for out in outs)
    return share * processes / (end - start_at), sum(out["seated"] for out in outs)


async def admin(url: str, statement: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="400 members, a smoke run")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        url, first, count, start_at = args.worker
        asyncio.run(worker(url, int(first), int(count), float(start_at)))
        return
    members = 400 if args.quick else args.members
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        asyncio.run(prepare(url))
        rows.append(("SQLite (threaded), 1 process", *run_processes(url, members, 1)))
    server = os.environ.get("SOLIDAIRE_TEST_POSTGRES_URL")
    if not server:
        print("PostgreSQL skipped: SOLIDAIRE_TEST_POSTGRES_URL is not set")
    else:
        from sqlalchemy.engine import make_url

        for processes in (1, 2, 4):
            name = f"solidaire_bench_{uuid.uuid4().hex[:8]}"
            asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
            try:
                asyncio.run(prepare(url))
                label = f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
                rows.append((label, *run_processes(url, members, processes)))
            finally:
                asyncio.run(admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{members} members joining one live of {SEATS} seats, all at once")
    for label, rate, seated in rows:
        print(f"  {label:32} {rate:7.0f} sign-ups/s   seats given: {seated}")
    print(f"rerun: python bench/processes.py --members {members}")


if __name__ == "__main__":
    main()
