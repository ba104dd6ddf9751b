"""What the sender does with a claimed row besides sending it, and how it records outcomes:
announcements and moderation cards edited, a live's event created, the automatic end.

A mixin of `Outbox` (outbox.py), kept apart so each module stays readable; it uses the outbox's
store, clock, platforms and slots.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from bot.core.delivery.events import (
    EVENT_CAP,
    calendar_of,
    live_event,
    sync_events,
    tell_host_event_cap,
)
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.payloads import load_message
from bot.core.delivery.planning import EDIT_SPACING
from bot.core.delivery.send_time import reach_another_way, refresh_state
from bot.core.delivery.vocabulary import Kind
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import (
    Capabilities,
    ChatPlatform,
    Clock,
    Paced,
    Store,
    StoreUnavailable,
    UnitOfWork,
)

MAX_ATTEMPTS = 8
RECORD_AGAIN = 1.0  # seconds between tries to record an outcome while the database is away
log = logging.getLogger(__name__)


class Acting:
    _store: Store
    _clock: Clock
    _platforms: dict[str, ChatPlatform]
    _capabilities: dict[str, Capabilities]
    on_auto_end: Callable[[int], Awaitable[None]] | None
    on_owed: Callable[[datetime], None] | None
    # Told of every platform call's outcome (platform, row kind, result): the metrics count
    # them. Must return at once.
    on_sent: Callable[[str, str, SendResult], None] | None
    public_url: str | None

    def _observe(self, platform: str, kind: str, result: SendResult) -> None:
        if self.on_sent is not None:
            self.on_sent(platform, kind, result)

    def _slot(self, platform: str) -> asyncio.Semaphore:
        raise NotImplementedError

    async def _recorded(
        self, rows: list[Delivery], result: SendResult, again_at: datetime | None = None
    ) -> None:
        """Records what was done. The database not answering, tries again every
        RECORD_AGAIN seconds until it does: the platform call was made, and a row left
        "sending" would be made again at the next start (a double)."""
        said = False
        while True:
            try:
                await self._store.run(lambda uow: self._record(uow, rows, result, again_at))
            except StoreUnavailable as down:
                if not said:
                    log.warning("a send's outcome waits for the database (%s)", down.kind)
                    said = True
                await asyncio.sleep(RECORD_AGAIN)
            else:
                return

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
            lambda uow: refresh_state(uow, live_id, self.public_url)
        )
        edited = await self._edit_each(posted, message, row.key, row.kind)
        synced = await sync_events(self._platforms, events, live, row.key)
        outcome = edited if not edited.delivered else synced
        spaced = self._clock.now() + EDIT_SPACING
        await self._recorded(won, outcome, spaced)
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
            self._observe(row.dest.platform, row.kind, result)
        await self._recorded(won, result)
        return 0

    async def _edit_cards(self, row: Delivery) -> int:
        """Edits every posted moderation card of a decided question (the payload says how)."""
        won = [row]
        prefix = row.dest.chat_id  # the keys of the cards: see deliveries.edit_cards
        posted = await self._store.run(lambda uow: uow.deliveries.posted_under(prefix))
        outcome = await self._edit_each(posted, load_message(row.payload), row.key, row.kind)
        await self._recorded(won, outcome)
        return 0

    async def _edit_each(
        self,
        posted: Sequence[tuple[Destination, str]],
        message: OutMessage | None,
        key: str,
        kind: str,
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
            self._observe(dest.platform, kind, result)
            if not result.delivered and not result.permanent:
                outcome = result
        return outcome

    async def _auto_end(self, row: Delivery) -> int:
        """Not a message: the live is closed as if its host had run /end."""
        won = [row]
        if self.on_auto_end is not None and row.live_id is not None:
            await self.on_auto_end(row.live_id)
        ok = SendResult(True, message_id=None)
        await self._recorded(won, ok)
        return 0
