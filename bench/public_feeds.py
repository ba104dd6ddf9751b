"""Calendar feeds and public pages under a big community: how fast the bot's web server answers.

A SQLite file holds one public community with `--lives` lives (default 10,000: one an hour from
now on, plus 300 in the last 30 days), each with its host and a few sign-ups, and a member
signed up for `--signups` of them (default 200) with their own reminders. The bot's own web
server (aiohttp, `bot/adapters/web/calendars.py`) serves them on 127.0.0.1; a client on the same
event loop fetches, one request at a time, over real HTTP:

- the community's feed (`/c/1.ics`, 500 events at most) and the member's feed
  (`/cal/<token>.ics`): cold (the kept feed forgotten first: read, written with `icalendar` in a
  worker thread, kept) and from the cache (a cheap key query, then the kept bytes; and the same
  with If-None-Match, answered 304);
- the schedule page (`/c/1`, 20 lives a page) and a live's page (`/c/1/<id>`): kept (the page
  as written less than 30 s ago) and written (read and written again, as after any command).

"Cached" feeds are answered from the kept bytes and a kept key; "key re-read" is the same
right after any command, which forgets the kept keys: the key is read from the database again
(one aggregate), the bytes are still the kept ones. Feeds are written in a worker process.

Printed: p50 / p99 / max per case in milliseconds (aim: from cache p99 under 50 ms), the longest
event-loop stall while the cold feeds were written (`bench/measure.py`), and the feeds' sizes.
Tests never assert time: this is where speed is looked at.

Run: python bench/public_feeds.py [--lives 10000] [--signups 200] [--runs 300] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import aiohttp
from icalendar import Calendar
from sqlalchemy import insert
from sqlalchemy.engine import Connection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import StallMonitor, pct
from bot.adapters.web.calendars import Calendars
from bot.adapters.web.console import Console
from bot.adapters.web.server import WebServer
from bot.core.calendar.links import new_token
from bot.core.ports import UnitOfWork
from bot.domain.model import LiveStatus, SpaceRole, UserRef
from bot.storage import tables
from tests.adapters.web.conftest import free_port
from tests.chat import Chat

QUICK = {"lives": 10_000, "signups": 200, "runs": 100, "cold": 3}
PAST = 300  # lives in the last 30 days


async def populate(chat: Chat, lives: int, signups: int) -> str:
    """One public community, its lives, their hosts and sign-ups (written in bulk: the bench is
    about reading them); returns the member's token."""
    now = chat.clock.now()

    async def people(uow: UnitOfWork) -> tuple[int, int, int, list[int]]:
        community = await uow.communities.create("Atelier", "fr", "Europe/Paris", ("24h",), True)
        await uow.communities.update(community.id, public=True)
        await uow.communities.attach_space(
            community.id, "shell", "discord", SpaceRole.ANNOUNCE, "discord"
        )
        host = await uow.members.upsert(UserRef("shell", "hugo"), "Hugo", None, None, now)
        ann = await uow.members.upsert(UserRef("shell", "ann"), "Ann", None, None, now)
        others = [
            (await uow.members.upsert(UserRef("shell", f"m{i}"), f"M{i}", None, None, now)).id
            for i in range(4)
        ]
        await uow.members.update(ann.id, reminders="2h,10m")
        await uow.communities.add_membership(community.id, ann.id, now)
        return community.id, host.id, ann.id, others

    community, host, ann, others = await chat.store.run(people)
    step = max(1, (lives - PAST) // signups)
    rows, hosts, seats = [], [], []
    for i in range(lives):
        live_id = i + 1
        if i < PAST:
            starts, status = now - timedelta(hours=2 * (PAST - i)), LiveStatus.ENDED
        else:
            starts, status = now + timedelta(hours=i - PAST + 1), LiveStatus.SCHEDULED
        rows.append({
            "id": live_id, "community_id": community, "title": f"Live n°{i}",
            "description": "Une description de quelques mots.", "starts_at": starts,
            "duration_min": 60, "capacity": 30, "tags": "vélo", "status": str(status),
            "created_by": host, "created_at": now,
        })  # fmt: skip
        hosts.append({"live_id": live_id, "member_id": host})
        who = others[: i % 5]
        if i >= PAST and (i - PAST) % step == 0 and (i - PAST) // step < signups:
            who = [*who, ann]
        seats += [
            {"live_id": live_id, "member_id": m, "status": "confirmed", "created_at": now,
             "queued_at": now}
            for m in who
        ]  # fmt: skip

    def write(conn: Connection) -> None:
        conn.execute(insert(tables.lives), rows)
        conn.execute(insert(tables.live_hosts), hosts)
        conn.execute(insert(tables.signups), seats)

    await chat.store.run_sync(write)
    token = new_token()
    await chat.store.run(lambda uow: uow.calendars.set_token(ann, token, now))
    return token


async def timed(
    fetch: Callable[[], Awaitable[int]], runs: int, before: Callable[[], None]
) -> list[float]:
    out = []
    for _ in range(runs):
        before()
        started = time.perf_counter()
        status = await fetch()
        out.append((time.perf_counter() - started) * 1000)
        assert status in (200, 304), status
    return out


async def main(lives: int, signups: int, runs: int, cold_runs: int) -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        chat = await Chat.open(Path(folder), web=True, public_url=base)
        started = time.perf_counter()
        token = await populate(chat, lives, signups)
        print(
            f"populated {lives:,} lives, {signups} sign-ups in {time.perf_counter() - started:.1f} s"
        )
        server = WebServer(("127.0.0.1", port))
        Console(chat.core, server)
        calendars = Calendars(chat.core, server)
        await server.start()
        try:
            async with aiohttp.ClientSession() as client:
                await report(client, base, token, calendars, runs, cold_runs)
        finally:
            await server.stop()
            await chat.close()


async def report(
    client: aiohttp.ClientSession, base: str, token: str, calendars: Calendars, runs: int,
    cold_runs: int,
) -> None:  # fmt: skip
    async def get(path: str, etag: str | None = None) -> int:
        headers = {"If-None-Match": etag} if etag else {}
        async with client.get(base + path, headers=headers) as got:
            await got.read()
            return got.status

    async def body(path: str) -> tuple[bytes, str]:
        async with client.get(base + path) as got:
            return await got.read(), got.headers["ETag"]

    def forget() -> None:
        calendars.cache._entries.clear()

    def nothing() -> None:
        return None

    def changed() -> None:  # what any command does: the kept keys and pages are forgotten
        calendars._kept.clear()

    await get("/c/1/400.ics")  # the writer's process starts (once, about two seconds)
    with StallMonitor() as idle:  # the machine's own noise: the loop with nothing to do
        await asyncio.sleep(2)
    feeds = {
        "community feed /c/1.ics": "/c/1.ics",
        "member feed /cal/<token>.ics": f"/cal/{token}.ics",
    }
    rows = []
    with StallMonitor() as stall:
        for name, path in feeds.items():
            rows.append((f"{name}, cold", await timed(lambda p=path: get(p), cold_runs, forget)))
    cold_stall = stall.worst
    sizes = {}
    for name, path in feeds.items():
        data, etag = await body(path)
        events = len(Calendar.from_ical(data).walk("VEVENT"))
        sizes[name] = (len(data), events)
        rows.append((f"{name}, cached", await timed(lambda p=path: get(p), runs, nothing)))
        rows.append(
            (f"{name}, cached, key re-read", await timed(lambda p=path: get(p), runs, changed))
        )
        rows.append(
            (f"{name}, cached, 304", await timed(lambda p=path, e=etag: get(p, e), runs, nothing))
        )
    for name, path in {"schedule page /c/1": "/c/1", "live page /c/1/400": "/c/1/400"}.items():
        rows.append((f"{name}, kept", await timed(lambda p=path: get(p), runs, nothing)))
        rows.append((f"{name}, written", await timed(lambda p=path: get(p), runs, changed)))
    width = max(len(name) for name, _ in rows)
    print(f"{'case':<{width}}  {'runs':>5}  {'p50 ms':>8}  {'p99 ms':>8}  {'max ms':>8}")
    for name, values in rows:
        print(
            f"{name:<{width}}  {len(values):>5}  {pct(values, 0.5):>8.1f}  "
            f"{pct(values, 0.99):>8.1f}  {max(values):>8.1f}"
        )
    for name, (size, events) in sizes.items():
        print(f"{name}: {events} events, {size / 1024:.0f} KiB")
    print(
        f"longest event-loop stall while cold feeds were written: {cold_stall * 1000:.0f} ms"
        f" (idle, same machine, 2 s before: {idle.worst * 1000:.0f} ms)"
    )
    print(f"feeds written: {calendars.cache.writings}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lives", type=int, default=10_000)
    parser.add_argument("--signups", type=int, default=200)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--cold", type=int, default=10, help="cold runs per feed")
    parser.add_argument("--quick", action="store_true", help="a small run for CI (under a minute)")
    args = parser.parse_args()
    if args.quick:
        args.lives, args.signups, args.runs, args.cold = (
            QUICK["lives"], QUICK["signups"], QUICK["runs"], QUICK["cold"],
        )  # fmt: skip
    asyncio.run(main(args.lives, args.signups, args.runs, args.cold))
    print(
        "rerun: python bench/public_feeds.py"
        + (
            " --quick"
            if args.quick
            else f" --lives {args.lives} --signups {args.signups} --runs {args.runs}"
        )
    )
