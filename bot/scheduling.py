"""The alarm clock: one asyncio task that wakes the sender when the ledger says something is due.

It runs passes: send what is due (`Outbox.flush`), read when the next row falls due, sleep until
then. It sleeps until the earliest of three times: the ledger's next due row, the earliest
wake-up asked for (`wake_at`, which the outbox calls each time a use case owes a row) since the
pass read the ledger, and a safety tick (`idle`). An earlier wake-up asked for during the sleep
ends it at once (an asyncio.Event); one asked for during a pass is kept and counts when the pass
plans its sleep. Nothing is lost: a row written before a pass starts is in the ledger the pass
reads, and a row written after is in `_asked`. So a row due at T is reached at T, or as soon as
the pass under way at T has read and claimed its chunk: a pass starts its sends and does not wait
for them (issue 13), and a row whose chat is busy goes back in line for when the chat is free.
Any further lateness comes from that chat's or that platform's limits only.
Jobs live nowhere but in the ledger: at start the clock puts back in line what a crash left
half-sent and reads its first wake-up from the ledger, so a restart loses nothing.

Why not APScheduler 3 (the alarm clock until issue 12): its model fights this design, and it
lost wake-ups under load for good. Each wake-up was a date job of one id with `max_instances=1`;
APScheduler counts a coroutine job as running until a done-callback that runs one event-loop turn
after the job has returned, and it handles a new job one turn after `add_job` (`wakeup` goes
through `call_soon`). So: a tick runs; a command owes a row due now and its `wake_at` adds a job;
in that same turn the tick ends, finds the job still planned, keeps `_next` at its time and drops
its own later wake-up as "not earlier"; next turn APScheduler sees the job due while the tick
still counts as running, skips it ("maximum number of running instances reached (1)") and, a
date job having no next run, deletes it. Nothing was planned any more (not even the five-minute
safety tick) and `_next` held a time in the past, so every later `wake_at` was ignored: nothing
was sent until a restart. Traced under the stress test of `tests/integration/test_alarm.py`,
which failed that way in 13 runs of 20 with both cores busy (9 of 20 idle). Even when nothing was lost, a
wake-up skipped during a tick was planned again a full second after it (APScheduler would skip
an earlier one too): a row owed during a send was reached 1.5 s late. The clock needs "run again
once done", and never "skip"; an Event and a deadline say exactly that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from functools import partial

from bot.core.delivery.outbox import Outbox
from bot.core.ports import Clock, Store, StoreUnavailable, UnitOfWork

log = logging.getLogger(__name__)
# Passes start at most this often: a row the sender leaves due (a bug) must not spin the loop;
# small next to the 1 s guarantee. A row whose chat is busy is not left due: the sender puts it
# back in line for when its chat is free, and the pass's sends run on their own, so a pass
# takes as long as reading and claiming a chunk, never as long as its slowest send.
SPACING = timedelta(seconds=0.05)
AGAIN_AFTER = timedelta(seconds=1)  # after a failed pass (the database, a send that raised)
# How often a live process renews its leases on the rows it sends and takes over those of a
# process that died: a third of the lease (storage/lease.py), so one late renewal loses nothing.
KEEP_LEASES = 10.0


class Alarm:
    def __init__(
        self,
        outbox: Outbox,
        store: Store,
        clock: Clock,
        *,
        idle: timedelta = timedelta(minutes=5),
        keep_leases: float = KEEP_LEASES,
    ) -> None:
        self._outbox, self._store, self._clock, self._idle = outbox, store, clock, idle
        self._keep_leases = keep_leases
        self._keeper: asyncio.Task[None] | None = None
        self._woken = asyncio.Event()
        self._asked: datetime | None = None  # the earliest wake-up asked for during this pass
        self._sleeping_until: datetime | None = None  # None while a pass runs
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._unavailable: str | None = None  # the kind of outage under way, said once

    async def start(self) -> None:
        """Puts back in line what a crash left half-sent (this process's own, and any other's
        whose lease expired), sends what is due (before returning, so the shell's greeting
        comes first), then keeps waking up for what falls due, and keeps its leases."""
        recovered = await self._store.run(lambda uow: uow.deliveries.recover(self._clock.now()))
        if recovered:
            log.warning(
                "%d deliveries were being sent when the process stopped: sending again", recovered
            )
        self._outbox.on_owed = self.wake_at
        wake = await self._pass()
        self._task = asyncio.create_task(self._run(wake), name="solidaire alarm clock")
        self._keeper = asyncio.create_task(self._keep(), name="solidaire leases")

    async def _keep(self) -> None:
        """Renews this process's leases; takes over, and sends again, the rows of a process
        that died (their leases expired)."""
        while not self._stopping:
            await asyncio.sleep(self._keep_leases)
            now = self._clock.now()
            try:
                # First in line (its own connections on PostgreSQL): late under a burst, the
                # leases would run out and another process take this one's sends over.
                await self._store.run(partial(_renew, now=now), first=True)
                taken = await self._store.run(partial(_take_over, now=now))
            except StoreUnavailable as down:
                self._down(down)
                continue
            except Exception:
                log.exception("keeping the leases failed; trying again in a moment")
                continue
            if taken:
                log.warning("%d deliveries of a stopped process: sending them", taken)
                self.wake_at(now)

    def _down(self, down: StoreUnavailable) -> None:
        """Said once per outage, not once a second."""
        if self._unavailable is None:
            log.warning("the database is unavailable (%s): sending waits for it", down.kind)
        self._unavailable = down.kind

    def wake_at(self, when: datetime) -> None:
        """Makes sure a pass starts by `when` (a row owed then was written just before)."""
        if self._stopping:
            return
        if self._sleeping_until is None:  # a pass runs: it counts this when it plans its sleep
            self._asked = when if self._asked is None else min(self._asked, when)
        elif when < self._sleeping_until:
            self._woken.set()
        # Else the sleep ends before `when`, and the pass then reads the row from the ledger.

    async def _run(self, wake: datetime) -> None:
        while not self._stopping:
            await self._sleep_until(wake)
            if self._stopping:
                return
            wake = await self._pass()

    async def _sleep_until(self, wake: datetime) -> None:
        self._sleeping_until = wake
        try:
            delay = (wake - self._clock.now()).total_seconds()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._woken.wait(), delay)
        finally:
            # From here to the pass's first line nothing awaits: no wake-up falls in between.
            self._sleeping_until = None
            self._woken.clear()

    async def _pass(self) -> datetime:
        """Sends what is due, then says when to wake up next."""
        self._asked = None  # what is asked for from now on may be missing from the read below
        started, failed = self._clock.now(), False
        try:
            await self._outbox.flush(wait=False)
            upcoming = await self._store.run(
                lambda uow: uow.deliveries.next_due(self._outbox.platform_names)
            )
        except StoreUnavailable as down:
            # Nothing was claimed that is not recorded (each unit is whole): what fell due is
            # sent once the database answers, late but once; a pass a second meanwhile.
            self._down(down)
            upcoming, failed = None, True
        except Exception:
            log.exception("sending what was due failed; trying again in a moment")
            upcoming, failed = None, True
        else:
            if self._unavailable is not None:
                log.warning("the database answers again: sending what fell due meanwhile")
                self._unavailable = None
        now = self._clock.now()
        wake = min(t for t in (upcoming, self._asked, now + self._idle) if t is not None)
        return max(wake, now + AGAIN_AFTER if failed else started + SPACING)

    async def stop(self, grace: float = 5.0) -> None:
        """No more wake-ups; a pass under way gets `grace` seconds to finish (and record what
        it sent) before it is cancelled, so the database closes after it."""
        self._stopping = True
        self._woken.set()  # a sleep ends at once
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)
        task = self._task
        if task is not None and not task.done():
            _, pending = await asyncio.wait({task}, timeout=grace)
            for late in pending:
                # Rows being sent are put back in line at the next start.
                log.info("the sender was stopped while sending")
                late.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._outbox.drain(grace)  # the sends the passes started


async def _renew(uow: UnitOfWork, *, now: datetime) -> int:
    return await uow.deliveries.renew(now)


async def _take_over(uow: UnitOfWork, *, now: datetime) -> int:
    return await uow.deliveries.recover(now, mine=False)
