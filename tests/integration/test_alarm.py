"""The alarm clock with the real APScheduler and the real clock: it wakes the outbox when the
ledger says something is due, rebuilds its wake-ups at start, and never drops a late one."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, SendResult, Text
from bot.scheduling import Alarm
from bot.storage.database import SqlStore, open_store
from tests.fakes.platform import FakePlatform

WAIT = 5.0  # seconds a wait for a send may take before the test fails


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class Bench:
    store: SqlStore
    clock: SystemClock
    platform: FakePlatform
    outbox: Outbox
    alarm: Alarm

    async def owe(self, key: str, due: datetime, *, tell: bool = True) -> None:
        """A row owed as a use case owes it: written, then the outbox told when it is due."""
        message = dump_message(OutMessage(Text("fr", "reminder.soon", {"id": 1, "title": key})))
        dest = Destination(self.platform.name, "space", False)
        async with self.store.unit() as uow:
            assert await uow.deliveries.plan(key, "announce", due, dest, message, None, None)
        if tell:
            await self.outbox.owed_at(due)

    async def sent(self, key: str) -> bool:
        """Waits (a bounded time) until that key was sent."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if any(s.key == key for s in self.platform.sent):
                return True
            await asyncio.sleep(0.02)
        return False


@pytest.fixture
async def bench(tmp_path: Path) -> AsyncIterator[Bench]:
    store = await open_store(f"sqlite:///{tmp_path / 'alarm.db'}")
    clock = SystemClock()
    platform = FakePlatform(name="telegram")
    outbox = Outbox(store, clock, {"telegram": platform})
    alarm = Alarm(outbox, store, clock)
    try:
        yield Bench(store, clock, platform, outbox, alarm)
    finally:
        await alarm.stop()
        await store.close()


async def test_a_row_due_soon_is_sent_by_the_alarm_without_any_flush(bench: Bench) -> None:
    await bench.alarm.start()
    await bench.owe("soon", bench.clock.now() + timedelta(seconds=0.3))
    assert await bench.sent("soon"), "the alarm never sent the row"
    assert [s.key for s in bench.platform.sent] == ["soon"]


async def test_start_rebuilds_the_wake_up_from_the_ledger(bench: Bench) -> None:
    await bench.owe("owed-before-start", bench.clock.now() + timedelta(seconds=0.3), tell=False)
    await bench.alarm.start()
    assert bench.platform.sent == []  # not due yet at start
    assert await bench.sent("owed-before-start")


async def test_start_puts_back_what_a_crash_left_being_sent(bench: Bench) -> None:
    past = bench.clock.now() - timedelta(minutes=1)
    await bench.owe("half-sent", past, tell=False)
    async with bench.store.unit() as uow:
        (row,) = await uow.deliveries.due(bench.clock.now(), 10)
        assert await uow.deliveries.claim(row.id, past)  # the crash came after this
        assert await uow.deliveries.due(bench.clock.now(), 10) == []
    await bench.alarm.start()
    assert await bench.sent("half-sent")
    async with bench.store.unit() as uow:
        assert await uow.deliveries.counts() == {"sent": 1}


async def test_a_wake_up_planned_in_the_past_still_runs(bench: Bench) -> None:
    await bench.alarm.start()  # nothing owed: the next wake-up is minutes away
    late = bench.clock.now() - timedelta(seconds=30)
    await bench.owe("late", late, tell=False)
    bench.alarm.wake_at(late)  # APScheduler's default grace of 1 s would drop it
    assert await bench.sent("late"), "a wake-up planned in the past was dropped"


class SlowPlatform(FakePlatform):
    """Each send takes a while, so that other rows are owed while the alarm is sending."""

    def __init__(self) -> None:
        super().__init__(name="telegram")
        self.sending = asyncio.Event()

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        self.sending.set()
        await asyncio.sleep(0.6)
        return await super().send(dest, message, key=key)


async def test_a_wake_up_asked_for_while_the_alarm_sends_is_not_lost(bench: Bench) -> None:
    slow = SlowPlatform()
    bench.outbox.add_platform(slow)
    bench.platform = slow
    await bench.alarm.start()
    await bench.owe("first", bench.clock.now() + timedelta(seconds=0.2))
    await asyncio.wait_for(slow.sending.wait(), WAIT)
    # Owed while the first send is under way: its wake-up comes while the alarm is still busy.
    await bench.owe("second", bench.clock.now() + timedelta(seconds=0.1))
    assert await bench.sent("first")
    assert await bench.sent("second"), "a wake-up that came while sending was lost for good"


async def test_a_row_owed_for_now_during_a_send_is_sent_soon_after(bench: Bench) -> None:
    """A command answered during a fan-out owes its notices for now: the alarm, busy sending,
    must still come back for them once it is done."""
    slow = SlowPlatform()
    bench.outbox.add_platform(slow)
    bench.platform = slow
    await bench.alarm.start()
    await bench.owe("fan-out", bench.clock.now() + timedelta(seconds=0.1))
    await asyncio.wait_for(slow.sending.wait(), WAIT)
    await bench.owe("notice", bench.clock.now())  # due at once, while the outbox is busy
    assert await bench.sent("fan-out")
    assert await bench.sent("notice"), "a row owed for now during a send was never sent"
