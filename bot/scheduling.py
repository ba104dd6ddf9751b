"""APScheduler 3 as the alarm clock only: it wakes the sender when the ledger says something is due.

Jobs live in memory and are rebuilt from the ledger at start, so a restart loses nothing; a wake-up
that comes late still runs (`misfire_grace_time=None`: APScheduler's default of 1 s would silently
drop it), and the sender then applies the lateness rules itself.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.delivery.outbox import Outbox
from bot.core.ports import Clock, Store

log = logging.getLogger(__name__)
JOB = "outbox"
AGAIN_AFTER = timedelta(seconds=1)  # the soonest a tick plans the next one


class Alarm:
    def __init__(
        self, outbox: Outbox, store: Store, clock: Clock, *, idle: timedelta = timedelta(minutes=5)
    ) -> None:
        self._outbox, self._store, self._clock, self._idle = outbox, store, clock, idle
        self._scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
        )
        self._next: datetime | None = None
        self._ticking: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Puts back in line what a crash left half-sent, then wakes up for what is due."""
        recovered = await self._store.run(lambda uow: uow.deliveries.recover(self._clock.now()))
        if recovered:
            log.warning(
                "%d deliveries were being sent when the process stopped: sending again", recovered
            )
        self._outbox.on_owed = self.wake_at
        self._scheduler.start()
        await self.tick()

    def wake_at(self, when: datetime) -> None:
        """Moves the next wake-up earlier if `when` comes first (never later: see `tick`)."""
        if self._stopping or (self._next is not None and self._next <= when):
            return
        self._next = when
        self._scheduler.add_job(self.tick, "date", run_date=when, id=JOB, replace_existing=True)

    async def tick(self) -> None:
        """Sends what is due, then sleeps until the next due row (or a while, as a safety net)."""
        if self._stopping:
            return  # a wake-up that fired as the clock was being stopped
        self._next = None
        self._ticking = asyncio.current_task()
        try:
            await self._tick()
        except asyncio.CancelledError:
            # Stopped mid-send: rows being sent are put back in line at the next start.
            log.info("the sender was stopped while sending")
        finally:
            self._ticking = None

    async def _tick(self) -> None:
        try:
            await self._outbox.flush()
        except Exception:
            log.exception("sending what was due failed; trying again at the next wake-up")
        upcoming = await self._store.run(
            lambda uow: uow.deliveries.next_due(self._outbox.platform_names)
        )
        now = self._clock.now()
        if self._scheduler.get_job(JOB) is None:
            # A wake-up asked for while this tick ran has fired, and APScheduler skipped it as
            # this tick still ran (max_instances=1): forget it, or later ones would wait behind it.
            self._next = None
        fallback = now + self._idle
        when = min(upcoming, fallback) if upcoming is not None else fallback
        # Still due now (owed during the flush, a retry): not at once, which APScheduler would
        # skip too while this tick is still counted as running, and not in a busy loop either.
        self.wake_at(max(when, now + AGAIN_AFTER))

    async def stop(self, grace: float = 5.0) -> None:
        """No more wake-ups; a send under way gets `grace` seconds to finish (and record what
        it sent) before it is cancelled, so the database closes after it."""
        self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        ticking = self._ticking
        if ticking is not None and not ticking.done():
            _, pending = await asyncio.wait({ticking}, timeout=grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
