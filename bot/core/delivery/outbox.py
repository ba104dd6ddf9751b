"""The sending side of the delivery ledger: what is due is checked, claimed, sent and recorded.

At send time the sender decides what is still worth sending: nothing "before the start" once a
live has started, ended or been cancelled; of several overdue reminders for one member and live,
only the nearest to the start. Each row is claimed (a conditional update) just before its send,
so a crash can double at most the sends in flight.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial

from bot.core.delivery.events import (
    EVENT_CAP,
    calendar_of,
    live_event,
    sync_events,
    tell_host_event_cap,
    thread_of,
)
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.payloads import load_message
from bot.core.delivery.planning import EDIT_SPACING, IN_THREAD
from bot.core.delivery.send_time import (
    claim,
    claim_worded,
    due_with_lives,
    expire_dropped,
    reach_another_way,
    refresh_state,
)
from bot.core.delivery.staleness import mention_batches, stale
from bot.core.delivery.vocabulary import CORE_PLATFORM, Kind
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import Capabilities, ChatPlatform, Clock, Store, UnitOfWork
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
        """The platforms this process sends on, and the rows it acts on itself."""
        return [*self._platforms, CORE_PLATFORM]

    async def owed_at(self, when: datetime) -> None:
        """A use case planned a row due at `when`: send now, or make sure we wake up then."""
        # Not while a flush runs: the automatic end owes its summary from inside one, and waiting
        # for the lock that flush holds would wait forever; the alarm (or the next flush) sends it.
        # With a chat platform the command's answer must not wait for these sends (Telegram's
        # 15 s and Discord's 3 s to answer a press): the alarm clock sends them in the background.
        if when <= self._clock.now() and self.inline and not self._flushing.locked():
            await self.flush()
        elif self.on_owed is not None:
            self.on_owed(when)

    async def flush(self, limit: int = 500, chunk: int = CHUNK) -> int:
        """Sends the rows due now (at most `limit`) once; returns how many were delivered.

        A chunk at a time, asking the ledger again between chunks: an announcement edit or a
        late answer that falls due during a long fan-out waits for one chunk, not the fan-out."""
        delivered = seen = 0
        names = self.platform_names
        async with self._flushing:  # two flushes at once would only fight over the same rows
            while seen < limit:
                now, size = self._clock.now(), min(chunk, limit - seen)
                due, lives = await self._store.run(
                    partial(due_with_lives, now=now, limit=size, platforms=names)
                )
                batches = await self._triage(due, lives, now)
                delivered += sum(await asyncio.gather(*(self._deliver(b) for b in batches)))
                seen += len(due)
                if len(due) < size:
                    break
        return delivered

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
        return [[row] for row in keep] + mention_batches(list(nearest.values()))

    async def _deliver(self, batch: list[Delivery]) -> int:
        first = batch[0]
        if first.kind == Kind.AUTO_END:
            return await self._auto_end(first)
        if first.kind == Kind.REFRESH:
            return await self._refresh(first)
        if first.kind == Kind.CARD_EDIT:
            return await self._edit_cards(first)
        platform = self._platforms.get(first.dest.platform)
        if platform is None:
            return 0  # that platform is not running in this process: the rows wait for it
        if first.kind == Kind.EVENT:
            return await self._create_event(first, platform)
        dest = first.dest
        if first.kind in IN_THREAD and first.live_id is not None and _threads(platform, dest):
            live_id = first.live_id
            thread = await self._store.run(lambda uow: thread_of(uow, live_id, dest))
            dest = replace(dest, thread_id=thread) if thread is not None else dest
        async with self._slot(first.dest.platform):
            worded = await self._store.run(lambda uow: claim_worded(uow, batch, self._clock.now()))
            if not worded:
                return 0
            won = [row for row, _ in worded]
            message = worded[0][1]
            if len(won) > 1 or not first.dest.private:
                mentions = tuple(m for _, each in worded for m in each.mentions)
                message = replace(message, mentions=mentions)
            result = await platform.send(dest, message, key=first.key)
            # Recorded inside the slot: rows "sending" never outnumber the slots, so a crash
            # doubles at most `concurrency` messages.
            await self._store.run(lambda uow: self._record(uow, won, result))
        return len(won) if result.delivered else 0

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

    async def _refresh(self, row: Delivery) -> int:
        """Edits every posted announcement of the live to read as it should now."""
        won = await self._store.run(lambda uow: claim(uow, [row], self._clock.now()))
        if not won or row.live_id is None:
            return 0
        live_id = row.live_id
        message, posted, events, live = await self._store.run(
            lambda uow: refresh_state(uow, live_id, self.public_url)
        )
        edited = await self._edit_each(posted, message, row.key)
        synced = await sync_events(self._platforms, events, live, row.key)
        outcome = edited if not edited.delivered else synced
        spaced = self._clock.now() + EDIT_SPACING
        await self._store.run(lambda uow: self._record(uow, won, outcome, spaced))
        return 0

    async def _create_event(self, row: Delivery, platform: ChatPlatform) -> int:
        """The live's event in a space's own calendar; its id is kept like a message id."""
        won = await self._store.run(lambda uow: claim(uow, [row], self._clock.now()))
        live_id = row.live_id
        live = await self._store.run(lambda uow: uow.lives.get(live_id)) if live_id else None
        calendar = calendar_of(platform)
        if not won or live is None:
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
        won = await self._store.run(lambda uow: claim(uow, [row], self._clock.now()))
        if not won:
            return 0
        prefix = row.dest.chat_id  # the keys of the cards: see deliveries.edit_cards
        posted = await self._store.run(lambda uow: uow.deliveries.posted_under(prefix))
        outcome = await self._edit_each(posted, load_message(row.payload), row.key)
        await self._store.run(lambda uow: self._record(uow, won, outcome))
        return 0

    async def _edit_each(
        self, posted: Sequence[tuple[Destination, str]], message: OutMessage | None, key: str
    ) -> SendResult:
        """Edits each posted message; one failing for now makes the whole row try again
        later (edits are idempotent)."""
        outcome = SendResult(True)
        for dest, message_id in posted:
            platform = self._platforms.get(dest.platform)
            if platform is None or message is None:
                continue
            async with self._slot(dest.platform):
                result = await platform.edit(dest, message_id, message, key=key)
            if not result.delivered and not result.permanent:
                outcome = result
        return outcome

    async def _auto_end(self, row: Delivery) -> int:
        """Not a message: the live is closed as if its host had run /end."""
        won = await self._store.run(lambda uow: claim(uow, [row], self._clock.now()))
        if not won:
            return 0
        if self.on_auto_end is not None and row.live_id is not None:
            await self.on_auto_end(row.live_id)
        ok = SendResult(True, message_id=None)
        await self._store.run(lambda uow: self._record(uow, won, ok))
        return 0


def _threads(platform: ChatPlatform, dest: Destination) -> bool:
    """Whether the post goes in the thread opened on the live's announcement (Discord)."""
    return not dest.private and dest.thread_id is None and platform.capabilities.threads
