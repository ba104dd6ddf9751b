"""Reminders fanned out to many private chats through the outbox, the limiter and a strict fake.

(a) fan-out: N reminders due now, each to its own Telegram private chat. The outbox flushes until
    nothing is owed. Achieved send rate against Telegram's 30/s, 429s received, keys sent twice or
    never, longest event-loop stall.
(b) steady: reminders arriving under the limit (20 due at each whole second for 15 s, inserted
    ahead), the outbox woken every 100 ms: lateness (send time minus due time).

The fake (`tests/fakes/limited.py`) counts strict sliding windows and answers 429 past them.

Run: python bench/fanout.py [--members 2000] [--quick] [--concurrency 8] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Clock, StallMonitor, pct
from bot.adapters.limits import TELEGRAM, RateLimitedPlatform
from bot.core.messages import Destination, OutMessage, Raw, Text
from bot.core.outbox import Outbox
from bot.core.payload import dump_message
from bot.core.ports import Store, UnitOfWork
from bot.domain.model import LiveStatus, UserRef
from bot.storage.database import open_store
from tests.fakes.limited import StrictTelegram

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
PAYLOAD = dump_message(
    OutMessage(Text("fr", "signup.promoted", {"id": 1, "title": "Bench", "when": Raw("demain")}))
)
STEADY_PER_SECOND = 20
STEADY_SECONDS = 15


@dataclass(frozen=True)
class Row:
    key: str
    due: datetime
    member_id: int
    chat: int


async def prepare(store: Store, members: int) -> tuple[int, list[int]]:
    """A community, a live tomorrow and `members` Telegram members (reminders need both)."""

    async def work(uow: UnitOfWork) -> tuple[int, list[int]]:
        now = datetime.now(UTC)
        community = await uow.communities.create("Bench", "fr", "Europe/Paris", ["15m"], False)
        ids = []
        for i in range(members):
            member = await uow.members.upsert(
                UserRef("telegram", str(100000 + i)), f"m{i}", None, "fr", now
            )
            ids.append(member.id)
        live = await uow.lives.create(
            community.id, "Bench", "", now + timedelta(days=1), 60, None, None, [],
            LiveStatus.SCHEDULED, ids[0], None, now,
        )  # fmt: skip
        return live.id, ids

    return await store.run(work)


async def insert(store: Store, live_id: int, rows: list[Row]) -> None:
    async def work(uow: UnitOfWork) -> None:
        for row in rows:
            dest = Destination("telegram", str(row.chat), True)
            await uow.deliveries.add(
                row.key, "reminder", row.due, dest, PAYLOAD, row.member_id, live_id
            )

    await store.run(work)


async def owed(store: Store) -> bool:
    return bool(await store.run(lambda uow: uow.deliveries.due(FAR_FUTURE, 1)))


def check_keys(fake: StrictTelegram, rows: list[Row]) -> tuple[int, int]:
    """Keys sent more than once, and keys never sent."""
    sent = Counter(a.key for a in fake.accepted if a.key in {r.key for r in rows})
    duplicates = sum(1 for n in sent.values() if n > 1)
    lost = sum(1 for r in rows if r.key not in sent)
    return duplicates, lost


async def fanout(store: Store, live_id: int, ids: list[int], args: Any) -> None:
    fake = StrictTelegram(latency=args.latency, fail_rate=args.fail_rate, seed=1)
    limited = RateLimitedPlatform(fake, TELEGRAM)
    outbox = Outbox(store, Clock(), {"telegram": limited}, concurrency=args.concurrency)
    now = datetime.now(UTC)
    rows = [
        Row(f"reminder:live={live_id}:member={ids[i]}:offset=15m", now, ids[i], 100000 + i)
        for i in range(len(ids))
    ]
    await insert(store, live_id, rows)
    flushes = 0
    with StallMonitor() as stall:
        start = time.monotonic()
        while await owed(store):
            flushes += 1
            if not await outbox.flush():
                await asyncio.sleep(0.1)  # only retries left, not due yet
        elapsed = time.monotonic() - start
    times = [a.at for a in fake.accepted]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    limit = TELEGRAM.overall.count / TELEGRAM.overall.per
    duplicates, lost = check_keys(fake, rows)
    stats = limited.stats()
    print(f"(a) fan-out: {len(rows)} reminders due now, each to its own private chat")
    print(
        f"    sent {len(times)} in {elapsed:.1f} s ({flushes} flushes); "
        f"rate {rate:.2f}/s = {rate / limit:.3f} of the limit  (aim >= 0.95)"
    )
    reasons = Counter(reason for reason, _, _ in fake.refusals)
    print(
        f"    429s received {fake.rate_limited} {dict(reasons) or ''} (aim 0); "
        f"5xx injected {fake.failed}"
    )
    print(f"    duplicates {duplicates}, losses {lost}  (must be 0, 0)")
    print(f"    limiter: {stats}")
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")


async def steady(store: Store, live_id: int, ids: list[int], args: Any) -> None:
    fake = StrictTelegram(latency=args.latency, seed=2)
    limited = RateLimitedPlatform(fake, TELEGRAM)
    outbox = Outbox(store, Clock(), {"telegram": limited}, concurrency=args.concurrency)
    wall, mono = datetime.now(UTC), time.monotonic()
    first = 1.0  # seconds from now to the first due time: leaves time to insert
    rows = []
    due_mono: dict[str, float] = {}
    for second in range(STEADY_SECONDS):
        for j in range(STEADY_PER_SECOND):
            i = second * STEADY_PER_SECOND + j
            offset = first + second
            key = f"reminder:live={live_id}:member={ids[i]}:offset=24h"
            rows.append(Row(key, wall + timedelta(seconds=offset), ids[i], 200000 + i))
            due_mono[key] = mono + offset
    await insert(store, live_id, rows)
    with StallMonitor() as stall:
        end = mono + first + STEADY_SECONDS + 3
        while time.monotonic() < end and (await owed(store) or not fake.accepted):
            await outbox.flush()
            await asyncio.sleep(0.1)
    late = [a.at - due_mono[a.key] for a in fake.accepted]
    duplicates, lost = check_keys(fake, rows)
    print(
        f"(b) steady: {STEADY_PER_SECOND} reminders due at each whole second for "
        f"{STEADY_SECONDS} s, outbox woken every 100 ms"
    )
    print(
        f"    lateness p50 {pct(late, 0.5) * 1000:.0f} ms, p99 {pct(late, 0.99) * 1000:.0f} ms, "
        f"max {max(late) * 1000:.0f} ms  (aim p99 <= 1000 ms)"
    )
    print(f"    429s received {fake.rate_limited}; duplicates {duplicates}, losses {lost}")
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="300 members: a smoke run")
    parser.add_argument("--concurrency", type=int, default=8, help="the outbox's sends in flight")
    parser.add_argument("--latency", type=float, default=0.05, help="the fake's answer delay, s")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="fraction of 5xx answers")
    args = parser.parse_args()
    members = 300 if args.quick else args.members
    steady_members = STEADY_PER_SECOND * STEADY_SECONDS
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_store(f"sqlite:///{Path(tmp) / 'fanout.sqlite3'}")
        live_id, ids = await prepare(store, members + steady_members)
        await fanout(store, live_id, ids[:members], args)
        await steady(store, live_id, ids[members:], args)
        await store.close()
    print(
        f"rerun: python bench/fanout.py --members {members} --concurrency {args.concurrency} "
        f"--latency {args.latency} --fail-rate {args.fail_rate}"
    )


if __name__ == "__main__":
    asyncio.run(main())
