"""The sending side of the delivery ledger: what is due is checked, claimed, sent and recorded.

At send time the sender decides what is still worth sending: nothing "before the start" once a
live has started, ended or been cancelled; of several overdue reminders for one member and live,
only the nearest to the start. A row whose chat is busy goes back in line for when it is free
(pacing.py); what leaves is claimed (a conditional update) and each send runs on its own, so
one slow chat or platform never holds back the others, and a crash can double at most the sends
in flight.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial

from bot.core.context import offers
from bot.core.delivery.acting import Acting
from bot.core.delivery.events import (
    thread_of,
)
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.pacing import HORIZON, Send, group, in_thread, needs_thread, pace
from bot.core.delivery.send_time import (
    claim,
    claim_worded,
    due_with_lives,
    expire_dropped,
)
from bot.core.delivery.staleness import stale
from bot.core.delivery.vocabulary import CORE_PLATFORM, Kind
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import Capabilities, ChatPlatform, Clock, Store, StoreUnavailable, UnitOfWork
from bot.core.qa.digests import claim_moderation
from bot.domain.model import Live

log = logging.getLogger(__name__)
CHUNK = 60  # rows a flush takes at a time: about two seconds of Telegram's 30 sends/s
# Sends a platform may have claimed and not yet done, in `concurrency`s: enough that its sends
# never wait for the alarm's next pass (woken once a `concurrency` of room is free, it reads and
# claims while the sends claimed before go on: at 2, one bot on a machine at load 9 left its
# sends idle during each pass, 0.38 of Telegram's 30/s), few enough that a process claims no
# more than it sends. Unbounded, each of 4 processes on one PostgreSQL booked Telegram's 30/s
# for itself (its limiter cannot know the others'), claimed four times what the shared budget
# let it send, and put the next 60 rows back in line every 50 ms pass (its own bookings full a
# second ahead); the rows it had claimed waited in its queue, which no other process could send
# from when it fell behind at the end (issue 17, bench/processes.py).
AHEAD = 4
AGAIN = 1.0  # seconds: a row whose action needed the database while it was away is due again


class Outbox(Acting):
    """Sends what the ledger says is due, through whichever platform each row names."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        platforms: Mapping[str, ChatPlatform],
        *,
        capabilities: Mapping[str, Capabilities] | None = None,
        concurrency: int = 8,
    ) -> None:
        self._store = store
        self._clock = clock
        self._platforms = dict(platforms)
        # What each platform offers by its name, as the composition root declared it (a host
        # told of a full calendar may read the bot on a platform this process does not run).
        self._capabilities = dict(capabilities or {})
        # Slots per platform: one platform's throttled sends (Telegram's 20 a minute in a group)
        # must not hold every slot while another platform's messages wait.
        self._concurrency = concurrency
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._ahead = AHEAD * concurrency
        self._claimed: dict[str, int] = {}  # platform -> sends claimed, not yet done
        self.on_auto_end: Callable[[int], Awaitable[None]] | None = None
        self.on_owed: Callable[[datetime], None] | None = None  # the alarm clock listens here
        self.on_sent: Callable[[str, str, SendResult], None] | None = None  # the metrics
        self._flushing = asyncio.Lock()
        self._tasks: set[asyncio.Task[int]] = set()  # sends under way
        self._threads: dict[tuple[int | None, Destination], str] = {}  # live's thread by channel
        self.inline = True  # send what is due right after the command (the shell, tests)
        # The bot's web address, when it has public pages to link from announcements.
        self.public_url: str | None = None

    def add_platform(self, platform: ChatPlatform) -> None:
        self._platforms[platform.name] = platform

    def _slot(self, platform: str) -> asyncio.Semaphore:
        slot = self._slots.get(platform)
        if slot is None:
            slot = self._slots[platform] = asyncio.Semaphore(self._concurrency)
        return slot

    @property
    def platform_names(self) -> list[str]:
        """The platforms this process sends on with room for more claims (`AHEAD`), and the
        rows it acts on itself: the alarm wakes for what these owe. A full platform's due rows
        are another process's to send meanwhile; this one wakes again once its sends made
        room (`_done`)."""
        return [*self._room(), CORE_PLATFORM]

    async def owed_at(self, when: datetime) -> None:
        """A use case planned a row due at `when`: send now, or make sure we wake up then."""
        # With a chat platform the command's answer must not wait for these sends (Telegram's
        # 15 s and Discord's 3 s to answer a press): the alarm clock sends them in the
        # background. Inline (the shell, tests) they are sent before the answer, after any
        # pass of the alarm under way (passes hold the flush's lock only to read and claim);
        # but not from inside a send (the automatic end owes its summary from one): that send
        # would wait for its own flush, and the alarm sends the summary instead.
        inside_a_send = asyncio.current_task() in self._tasks
        if when <= self._clock.now() and self.inline and not inside_a_send:
            await self.flush()
        elif self.on_owed is not None:
            self.on_owed(when)

    async def flush(self, limit: int = 500, chunk: int = CHUNK, *, wait: bool = True) -> int:
        """Starts the sends of the rows due now (at most `limit`); returns how many were
        delivered when `wait`, else 0 at once.

        A chunk at a time, asking the ledger again between chunks: an announcement edit or a
        late answer that falls due during a long fan-out waits for one chunk, not the fan-out.
        The alarm does not wait (`wait=False`): a row whose chat is busy goes back in line for
        when it is free, and the others leave on their own, each platform at its own pace.
        Waiting (commands in the shell, tests) books every send now and sees them all done."""
        horizon = HORIZON if not wait else math.inf
        delivered = seen = 0
        async with self._flushing:  # two flushes at once would only fight over the same rows
            while seen < limit:
                # Waiting, a chunk's sends are done before the next is read: none is capped.
                room = None if wait else self._room()
                names = [*(self._platforms if room is None else room), CORE_PLATFORM]
                now, size = self._clock.now(), min(chunk, limit - seen)
                if room:  # twice the room: enough to choose from, no more to read and word
                    size = min(size, 2 * sum(room.values()))
                due, lives = await self._store.run(
                    partial(due_with_lives, now=now, limit=size, platforms=names)
                )
                batches = await self._triage(due, lives, now)
                if room is not None:
                    batches = _within(batches, room)
                started = await self._start(batches, now, horizon)
                if wait:  # a chunk at a time: rows claimed never run far ahead of the sends
                    delivered += sum(await asyncio.gather(*started))
                seen += len(due)
                # The alarm's pass reads once: its sends made room meanwhile, and reading on
                # for it, a chunk for a few rows at a time, held a pass for seconds at load 7
                # while the sends claimed before ran out (one bot at 0.5 of the limit).
                if len(due) < size or room is not None:
                    break
        if wait and self._tasks:
            # And the sends the alarm started meanwhile: once this returns, what was due is sent.
            await asyncio.wait(set(self._tasks))
        return delivered

    async def drain(self, grace: float) -> None:
        """Gives the sends under way `grace` seconds to finish (and record), then cancels them
        (a row being sent is put back in line at the next start)."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=grace)
            for late in pending:
                late.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _triage(
        self, due: Sequence[Delivery], lives: Mapping[int, Live], now: datetime
    ) -> list[list[Delivery]]:
        """Expires what is no longer owed; groups the rest into sends (mentions batched)."""
        dropped: list[tuple[Delivery, str]] = []
        nearest: dict[tuple[int | None, int | None], Delivery] = {}
        keep: list[Delivery] = []
        for row in due:
            live = lives.get(row.live_id) if row.live_id is not None else None
            reason = stale(row, live, now)
            if reason:
                dropped.append((row, reason))
            elif row.kind == Kind.REMINDER:
                key = (row.live_id, row.member_id if row.member_id is not None else -row.id)
                previous = nearest.get(key)
                if previous is None or row.due_at > previous.due_at:
                    if previous is not None:
                        dropped.append((previous, "superseded by a nearer reminder"))
                    nearest[key] = row
                else:
                    dropped.append((row, "superseded by a nearer reminder"))
            else:
                keep.append(row)
        if dropped:
            await self._store.run(lambda uow: expire_dropped(uow, dropped, now))
        return group(keep, list(nearest.values()))

    async def _start(
        self, batches: list[list[Delivery]], now: datetime, horizon: float
    ) -> list[asyncio.Task[int]]:
        """Books the sends whose chats are free, puts the others back in line, claims and words
        what leaves (one transaction), and starts each send on its own."""
        await self._find_threads(batches)
        go, later = pace(batches, self._platforms, self._where, now, horizon)
        jobs = await self._store.run(lambda uow: self._prepare(uow, go, later, now))
        if later and self.on_owed is not None:
            self.on_owed(min(until for _, until in later))
        return [self._spawn(job) for job in jobs]

    async def _find_threads(self, batches: list[list[Delivery]]) -> None:
        """The threads of the lives these posts go in (Discord), remembered once found."""
        wanted = {
            (row.live_id, row.dest)
            for row in (batch[0] for batch in batches)
            if needs_thread(row, self._platforms.get(row.dest.platform))
            and (row.live_id, row.dest) not in self._threads
        }
        if not wanted:
            return

        async def read(uow: UnitOfWork) -> dict[tuple[int | None, Destination], str | None]:
            return {
                (live, dest): await thread_of(uow, live, dest)
                for live, dest in wanted
                if live is not None
            }

        found = await self._store.run(read)
        self._threads.update({k: v for k, v in found.items() if v is not None})

    def _where(self, row: Delivery) -> Destination:
        if needs_thread(row, self._platforms.get(row.dest.platform)):
            return in_thread(row.dest, self._threads.get((row.live_id, row.dest)))
        return row.dest

    async def _prepare(
        self,
        uow: UnitOfWork,
        go: list[Send],
        later: list[tuple[list[Delivery], datetime]],
        now: datetime,
    ) -> list[_Job]:
        # One statement per time, not per row (`pacing.DEFER_GRAIN`).
        waiting: dict[datetime, list[int]] = {}
        for rows, until in later:
            waiting.setdefault(until, []).extend(row.id for row in rows)
        for until, ids in waiting.items():
            await uow.deliveries.defer(ids, until)
        jobs = []
        for send in go:
            first = send.rows[0]
            if first.kind in ACTED_ON:
                jobs.append(_Job(await claim(uow, send.rows, now), send.dest, None))
            elif first.kind == Kind.MODERATION:
                caps = self._offers(first.dest.platform)
                won, message, digest = await claim_moderation(uow, send.rows, now, caps)
                jobs.append(_Job(won, send.dest, message, digest))
            else:
                worded = await claim_worded(uow, send.rows, now)
                message = worded[0][1] if worded else None
                if message is not None and (len(worded) > 1 or not first.dest.private):
                    mentions = tuple(m for _, each in worded for m in each.mentions)
                    message = replace(message, mentions=mentions)
                jobs.append(_Job([row for row, _ in worded], send.dest, message))
        return [job for job in jobs if job.rows]

    def _offers(self, platform: str) -> Capabilities:
        running = self._platforms.get(platform)
        return running.capabilities if running is not None else offers(self._capabilities, platform)

    def _room(self) -> dict[str, int]:
        """Sends each platform may still claim this pass (`AHEAD`); the full ones are left out
        (their due rows stay in the ledger, untouched, for whichever process has room)."""
        return {
            name: self._ahead - self._claimed.get(name, 0)
            for name in self._platforms
            if self._claimed.get(name, 0) < self._ahead
        }

    def _spawn(self, job: _Job) -> asyncio.Task[int]:
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        platform = job.rows[0].dest.platform
        self._claimed[platform] = self._claimed.get(platform, 0) + 1
        task.add_done_callback(partial(self._done, platform))
        return task

    def _done(self, platform: str, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        self._claimed[platform] -= 1
        # Half the room free again (not one send's: a pass a send would cost a read each): the
        # alarm, which left this platform out while it was full, wakes for its rows.
        if self._claimed[platform] == self._ahead // 2 and self.on_owed:
            self.on_owed(self._clock.now())
        if not task.cancelled() and task.exception() is not None:
            log.error("a send failed", exc_info=task.exception())

    async def _run(self, job: _Job) -> int:
        try:
            return await self._act(job)
        except StoreUnavailable as down:
            # What needed the database before its platform call (the automatic end, a refresh
            # reading the live) was not done: back in line, due again once the database answers.
            log.warning(
                "%s %s waits for the database (%s)", job.rows[0].kind, job.rows[0].id, down.kind
            )
            later = SendResult(False, retry_after=AGAIN, reason="database unavailable")
            await self._recorded(job.rows, later)
            return 0

    async def _act(self, job: _Job) -> int:
        first = job.rows[0]
        if first.kind == Kind.AUTO_END:
            return await self._auto_end(first)
        if first.kind == Kind.REFRESH:
            return await self._refresh(first)
        if first.kind == Kind.CARD_EDIT:
            return await self._edit_cards(first)
        platform = self._platforms[first.dest.platform]
        if first.kind == Kind.EVENT:
            return await self._create_event(first, platform)
        assert job.message is not None
        async with self._slot(first.dest.platform):
            result = await platform.send(job.dest, job.message, key=first.key)
            self._observe(first.dest.platform, first.kind, result)
            # A digest's rows keep no message id: deciding one of its questions must not edit
            # the digest (the next one strikes it).
            recorded = replace(result, message_id=None) if job.digest else result
            # Recorded inside the slot: at most `concurrency` sends a platform are in flight
            # unrecorded, so a crash doubles at most those (rows claimed but not yet sent are
            # sent once, after the restart).
            await self._recorded(job.rows, recorded)
        return len(job.rows) if result.delivered else 0


def _within(batches: list[list[Delivery]], room: Mapping[str, int]) -> list[list[Delivery]]:
    """The sends that fit in each platform's room; the core's rows all fit.

    In order, except among sends due alike (the kind and due time of the platform's first):
    those are interchangeable, and the room is filled with a random few of them. Processes
    reading the same chunk of a fan-out otherwise all tried to claim its first few rows, one
    won them, and the others claimed nothing that pass (measured with 4: bots idle for
    seconds at the fan-out's start, while one claimed)."""
    kept: list[list[Delivery]] = []
    mine: dict[str, list[int]] = {}
    for index, batch in enumerate(batches):
        platform = batch[0].dest.platform
        if platform == CORE_PLATFORM:
            kept.append(batch)
        else:
            mine.setdefault(platform, []).append(index)
    chosen: list[int] = []
    for platform, indexes in mine.items():
        fits = room.get(platform, 0)
        head = batches[indexes[0]][0]
        alike = [i for i in indexes if _alike(batches[i][0], head)]
        if len(alike) > fits:
            chosen += random.sample(alike, fits)
        else:
            chosen += indexes[:fits]
    return kept + [batches[i] for i in sorted(chosen)]


def _alike(row: Delivery, other: Delivery) -> bool:
    return row.kind == other.kind and row.due_at == other.due_at


ACTED_ON = (Kind.AUTO_END, Kind.REFRESH, Kind.CARD_EDIT, Kind.EVENT)  # claimed, then acted on


@dataclass(frozen=True)
class _Job:
    """Claimed rows and what to do with them: the message they send, where."""

    rows: list[Delivery]
    dest: Destination
    message: OutMessage | None
    digest: bool = False
