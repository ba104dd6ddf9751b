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
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial

from bot.core.context import offers
from bot.core.delivery.events import (
    EVENT_CAP,
    calendar_of,
    live_event,
    sync_events,
    tell_host_event_cap,
    thread_of,
)
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.pacing import HORIZON, Send, group, in_thread, needs_thread, pace
from bot.core.delivery.payloads import load_message
from bot.core.delivery.planning import EDIT_SPACING
from bot.core.delivery.send_time import (
    claim,
    claim_worded,
    due_with_lives,
    expire_dropped,
    reach_another_way,
    refresh_state,
)
from bot.core.delivery.staleness import stale
from bot.core.delivery.vocabulary import CORE_PLATFORM, Kind
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import Capabilities, ChatPlatform, Clock, Paced, Store, UnitOfWork
from bot.core.qa.digests import claim_moderation
from bot.domain.model import Live

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
CHUNK = 60  # rows a flush takes at a time: about two seconds of Telegram's 30 sends/s


class Outbox:
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
        self.on_auto_end: Callable[[int], Awaitable[None]] | None = None
        self.on_owed: Callable[[datetime], None] | None = None  # the alarm clock listens here
        self._flushing = asyncio.Lock()
        self._tasks: set[asyncio.Task[int]] = set()  # sends under way
        self._threads: dict[tuple[int | None, Destination], str] = {}  # live's thread by channel
        self.inline = True  # send what is due right after the command (the shell, tests)

    def add_platform(self, platform: ChatPlatform) -> None:
        self._platforms[platform.name] = platform

    def _slot(self, platform: str) -> asyncio.Semaphore:
        slot = self._slots.get(platform)
        if slot is None:
            slot = self._slots[platform] = asyncio.Semaphore(self._concurrency)
        return slot

    @property
    def platform_names(self) -> list[str]:
        """The platforms this process sends on, and the rows it acts on itself."""
        return [*self._platforms, CORE_PLATFORM]

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
        names = self.platform_names
        async with self._flushing:  # two flushes at once would only fight over the same rows
            while seen < limit:
                now, size = self._clock.now(), min(chunk, limit - seen)
                due, lives = await self._store.run(
                    partial(due_with_lives, now=now, limit=size, platforms=names)
                )
                started = await self._start(await self._triage(due, lives, now), now, horizon)
                if wait:  # a chunk at a time: rows claimed never run far ahead of the sends
                    delivered += sum(await asyncio.gather(*started))
                seen += len(due)
                if len(due) < size:
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
        for rows, until in later:
            await uow.deliveries.defer([row.id for row in rows], until)
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

    def _spawn(self, job: _Job) -> asyncio.Task[int]:
        task = asyncio.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[int]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("a send failed", exc_info=task.exception())

    async def _run(self, job: _Job) -> int:
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
            # A digest's rows keep no message id: deciding one of its questions must not edit
            # the digest (the next one strikes it).
            recorded = replace(result, message_id=None) if job.digest else result
            # Recorded inside the slot: at most `concurrency` sends a platform are in flight
            # unrecorded, so a crash doubles at most those (rows claimed but not yet sent are
            # sent once, after the restart).
            await self._store.run(lambda uow: self._record(uow, job.rows, recorded))
        return len(job.rows) if result.delivered else 0

    async def _record(
        self,
        uow: UnitOfWork,
        rows: list[Delivery],
        result: SendResult,
        again_at: datetime | None = None,
    ) -> None:
        now = self._clock.now()
        for row in rows:
            if result.delivered:
                await uow.deliveries.finish(
                    row.id, "sent", now, message_id=result.message_id, retry_at=again_at
                )
            elif result.permanent or (
                result.retry_after is None and row.attempts + 1 >= MAX_ATTEMPTS
            ):  # a 429 is the platform saying "later", not a failure: it never gives up
                await uow.deliveries.finish(row.id, "refused", now, reason=result.reason)
                if result.permanent and row.dest.private and row.member_id is not None:
                    await reach_another_way(uow, row, now, self._capabilities)
                if row.kind == Kind.EVENT and result.reason == EVENT_CAP:
                    await tell_host_event_cap(uow, row, now, self._capabilities)
            else:
                wait = result.retry_after or min(2 ** (row.attempts + 1), 300)
                retry = now + timedelta(seconds=wait)
                await uow.deliveries.finish(
                    row.id, "pending", now, reason=result.reason, retry_at=retry
                )
                if self.on_owed is not None:  # the alarm may sleep past it otherwise
                    self.on_owed(retry)

    async def _refresh(self, row: Delivery) -> int:
        """Edits every posted announcement of the live to read as it should now."""
        won = [row]
        if row.live_id is None:
            return 0
        live_id = row.live_id
        message, posted, events, live = await self._store.run(
            lambda uow: refresh_state(uow, live_id)
        )
        edited = await self._edit_each(posted, message, row.key)
        synced = await sync_events(self._platforms, events, live, row.key)
        outcome = edited if not edited.delivered else synced
        spaced = self._clock.now() + EDIT_SPACING
        await self._store.run(lambda uow: self._record(uow, won, outcome, spaced))
        return 0

    async def _create_event(self, row: Delivery, platform: ChatPlatform) -> int:
        """The live's event in a space's own calendar; its id is kept like a message id."""
        won = [row]
        live_id = row.live_id
        live = await self._store.run(lambda uow: uow.lives.get(live_id)) if live_id else None
        calendar = calendar_of(platform)
        if live is None:
            return 0
        if calendar is None:
            result = SendResult(False, permanent=True, reason="no calendar on this platform")
        else:
            async with self._slot(row.dest.platform):
                result = await calendar.sync_event(
                    row.dest.chat_id, None, live_event(live), key=row.key
                )
        await self._store.run(lambda uow: self._record(uow, won, result))
        return 0

    async def _edit_cards(self, row: Delivery) -> int:
        """Edits every posted moderation card of a decided question (the payload says how)."""
        won = [row]
        prefix = row.dest.chat_id  # the keys of the cards: see deliveries.edit_cards
        posted = await self._store.run(lambda uow: uow.deliveries.posted_under(prefix))
        outcome = await self._edit_each(posted, load_message(row.payload), row.key)
        await self._store.run(lambda uow: self._record(uow, won, outcome))
        return 0

    async def _edit_each(
        self, posted: Sequence[tuple[Destination, str]], message: OutMessage | None, key: str
    ) -> SendResult:
        """Edits each posted message; one failing for now makes the whole row try again
        later (edits are idempotent). Each edit books its chat's next slot and waits for it
        in the platform's limiter, outside the sender's slots (an edit is owed to messages
        already posted, in several chats at once: it cannot wait in line in one)."""
        outcome = SendResult(True)
        for dest, message_id in posted:
            platform = self._platforms.get(dest.platform)
            if platform is None or message is None:
                continue
            if isinstance(platform, Paced):
                platform.book(dest)
                result = await platform.edit(dest, message_id, message, key=key)
            else:
                async with self._slot(dest.platform):
                    result = await platform.edit(dest, message_id, message, key=key)
            if not result.delivered and not result.permanent:
                outcome = result
        return outcome

    async def _auto_end(self, row: Delivery) -> int:
        """Not a message: the live is closed as if its host had run /end."""
        won = [row]
        if self.on_auto_end is not None and row.live_id is not None:
            await self.on_auto_end(row.live_id)
        ok = SendResult(True, message_id=None)
        await self._store.run(lambda uow: self._record(uow, won, ok))
        return 0


ACTED_ON = (Kind.AUTO_END, Kind.REFRESH, Kind.CARD_EDIT, Kind.EVENT)  # claimed, then acted on


@dataclass(frozen=True)
class _Job:
    """Claimed rows and what to do with them: the message they send, where."""

    rows: list[Delivery]
    dest: Destination
    message: OutMessage | None
    digest: bool = False
