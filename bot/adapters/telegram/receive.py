"""Updates in: stored in the inbox before Telegram is told they arrived, then handled once.

python-telegram-bot's own updater confirms a batch (the next `getUpdates` offset) and its webhook
answers 200 before any handler has run, so a crash loses whatever was fetched. Here the long-poll
loop asks for the next batch, which confirms the previous one, only once that one is committed to
the inbox, and the webhook answers 200 only after the commit. What is in the inbox is handled in
order for each member, members at once (no member waits for another's update), and marked handled
in the same transaction as the command's effects. With several processes on one inbox (webhook
workers behind a proxy), a member's update waits while an earlier one of theirs, stored by
another process, is still unhandled: their updates keep their order whichever worker got them.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from bot.core.dispatcher import Core
from bot.core.inbox import InboxItem
from bot.core.ports import Clock, Store, StoreUnavailable

log = logging.getLogger(__name__)
PLATFORM = "telegram"
ALLOWED = ["message", "callback_query", "my_chat_member", "chat_member"]
KEEP_HANDLED = timedelta(days=2)
KEEP_LEASES = 10.0  # seconds: a third of a lease (storage/lease.py), as the alarm clock's
AGAIN = 1.0  # seconds between tries while the database is away (not a spin, soon caught up)
ORDER_POLL = 0.05  # seconds between two looks at whether a member's earlier update is handled
Handle = Callable[[InboxItem], Awaitable[None]]
Unstored = Callable[[Sequence[dict[str, Any]]], Awaitable[None]]


class Inbox:
    """The adapter's side of the inbox table: keep what arrived, hand it to the handler.

    Each member's updates are handled one after the other, in order; different members' at
    once. There were 16 lanes, a member's updates always in the same one: a press then waited
    for whatever held its lane, another member's answer sent through the limits that the
    reminders share among them (measured: three quarters of a press's 1.3 s under a fan-out).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        handle: Handle,
        *,
        keep_leases: float = KEEP_LEASES,
        unstored: Unstored | None = None,
        ordered: bool = False,
    ) -> None:
        """`ordered`: other processes store and handle updates in the same inbox, so a
        member's update first waits for their earlier ones handled elsewhere (at most a lease
        and a little: a dead process's are taken over by then)."""
        self._store, self._clock, self._handle = store, clock, handle
        self._keep_leases = keep_leases
        self._ordered = ordered
        self._order_wait = 3 * keep_leases + 5.0
        # Told of updates that could not be stored (the database is away), to answer their
        # senders meanwhile; Telegram sends them again and they are handled then.
        self._unstored = unstored
        self._keeper: asyncio.Task[None] | None = None
        self._again: asyncio.Task[None] | None = None  # takes up again what an outage stopped
        self._chains: dict[str, deque[InboxItem]] = {}  # a member's updates not yet handled
        self._held: set[int] = set()  # ids of the updates in the chains
        self._tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def start(self) -> None:
        """A member's updates get a task when they come; one more keeps the leases."""
        self._keeper = asyncio.create_task(self._keep(), name="telegram inbox leases")

    async def resume(self, *, mine: bool = True) -> int:
        """At start: what this process stored before it stopped but never handled goes first,
        in order, with what any other process left unhandled when it died (lease expired).
        Another live process's updates are its own to handle."""
        # Handled updates older than Telegram's 24 h of redelivery can never come again.
        now = self._clock.now()
        await self._store.run(lambda uow: uow.inbox.prune(now - KEEP_HANDLED))
        items = await self._store.run(lambda uow: uow.inbox.take(PLATFORM, now, 100_000, mine=mine))
        items = [item for item in items if item.id not in self._held]  # being handled already
        for item in items:
            self._dispatch(item, _who(json.loads(item.payload)))
        if items:
            log.warning(
                "%d updates stored before a stop were not handled yet: handling them"
                if mine
                else "%d updates of a process that stopped were not handled yet: handling them",
                len(items),
            )
        return len(items)

    async def _keep(self) -> None:
        """Renews the leases on the updates this process holds; takes over those of a process
        that died. An update handled twice is not acted on twice (`done` is conditional)."""
        while True:
            await asyncio.sleep(self._keep_leases)
            try:
                # First in line (on PostgreSQL a connection of its own): under a burst a
                # renewal queued behind the presses lets another process take them over.
                await self._store.run(lambda uow: uow.inbox.renew(self._clock.now()), first=True)
                await self.resume(mine=False)
            except StoreUnavailable as down:
                log.warning("the inbox's leases wait for the database (%s)", down.kind)
            except Exception:
                log.exception("keeping the inbox's leases failed; trying again in a moment")

    async def keep(self, updates: Sequence[dict[str, Any]]) -> None:
        """Commits the updates (one transaction) and only then hands them on."""
        now = self._clock.now()
        rows = [(str(u["update_id"]), json.dumps(u, separators=(",", ":"))) for u in updates]
        # First in line: the next long poll (and so every update after these) waits for it.
        try:
            added = await self._store.run(
                lambda uow: uow.inbox.add(PLATFORM, rows, now), first=True
            )
        except StoreUnavailable:
            if self._unstored is not None:
                try:
                    await self._unstored(updates)
                except Exception:  # telling them is a courtesy: the updates come again
                    log.exception("could not tell the senders that the database is away")
            raise
        # Updates Telegram sent again (stored, not yet confirmed) are skipped by their key.
        payloads = dict(rows)
        who = {str(u["update_id"]): _who(u) for u in updates}
        for external_id, item_id in added:
            self._dispatch(InboxItem(item_id, payloads[external_id], now), who[external_id])

    def _dispatch(self, item: InboxItem, who: str) -> None:
        chain = self._chains.get(who)
        if chain is not None:  # that member's earlier update is being handled: this one next
            self._held.add(item.id)
            chain.append(item)
            return
        self._held.add(item.id)
        self._chains[who] = deque([item])
        self._idle.clear()
        task = asyncio.create_task(self._follow(who))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _follow(self, who: str) -> None:
        """Handles one member's updates until none is left."""
        chain = self._chains[who]
        try:
            while chain:
                item = chain[0]
                try:
                    if self._ordered:
                        item = await self._after_earlier(chain, who)
                    await self._handle(item)
                except StoreUnavailable as down:
                    # Not handled (the handler marks nothing): this update and the member's
                    # next ones stay stored, and are taken up again, in order, once the
                    # database answers.
                    log.warning("update %s waits for the database (%s)", item.id, down.kind)
                    self._held.difference_update(i.id for i in chain)
                    chain.clear()
                    self._take_up_again()
                    break
                except Exception:
                    log.exception("update %s could not be handled", item.id)
                self._held.discard(item.id)
                chain.popleft()
        finally:
            self._held.difference_update(i.id for i in chain)
            del self._chains[who]  # cancelled: what is left stays stored for the next start
            if not self._chains:
                self._idle.set()

    async def _after_earlier(self, chain: deque[InboxItem], who: str) -> InboxItem:
        """The member's next update to handle, once none of theirs stored before it is still
        unhandled in another process's hands. One of theirs taken over from a dead process
        joins the chain after later ones: the chain goes by the order they were stored."""
        deadline = time.monotonic() + self._order_wait
        while True:
            ordered = sorted(chain, key=lambda i: i.id)
            if ordered != list(chain):
                chain.clear()
                chain.extend(ordered)
            item = chain[0]
            if not await self._store.run(
                lambda uow, first=item.id: uow.inbox.earlier(PLATFORM, first, who)
            ):
                return item
            if time.monotonic() > deadline:
                log.warning("update %s handled before an earlier one of its member", item.id)
                return item
            await asyncio.sleep(ORDER_POLL)

    def _take_up_again(self) -> None:
        if self._again is None or self._again.done():
            self._again = asyncio.create_task(self._until_back(), name="telegram inbox again")

    async def _until_back(self) -> None:
        """Every AGAIN seconds, takes the updates stored and not handled (this process's own,
        those in hand excepted) until the database answers."""
        while True:
            await asyncio.sleep(AGAIN)
            try:
                await self.resume(mine=True)
            except StoreUnavailable:
                continue
            return

    async def drain(self) -> None:
        """Waits until every update handed on has been handled (tests, shutdown)."""
        while self._chains:
            await self._idle.wait()

    async def stop(self) -> None:
        for task in (self._keeper, self._again):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        await self.drain()


def _who(update: dict[str, Any]) -> str:
    """The member an update comes from (updates of one member stay in order)."""
    for kind in ("message", "callback_query", "my_chat_member", "chat_member"):
        if kind in update:
            sender = update[kind].get("from") or {}
            return str(sender.get("id", kind))
    return "?"


class Receipts:
    """Marks handled updates and answered presses in batches: one unit of work every few tens
    of milliseconds instead of two per press, which under a burst freed the single database
    writer for the presses themselves. A crash before a batch only means an update replayed
    (its effects are marked with them, so nothing happens twice) or a late answer sent although
    Telegram took the first."""

    def __init__(self, core: Core, *, every: float = 0.05) -> None:
        self._core, self._every = core, every
        self._answered: list[int] = []
        self._handled: list[int] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def answered(self, receipt: int) -> None:
        self._answered.append(receipt)
        self._wake.set()

    def handled(self, receipt: int) -> None:
        self._handled.append(receipt)
        self._wake.set()

    async def flush(self) -> None:
        answered, handled = self._answered, self._handled
        self._answered, self._handled = [], []
        if answered or handled:
            try:
                await self._core.settle(answered, handled)
            except StoreUnavailable:
                # Kept for the next batch: lost, the updates would be handled again at the
                # next start and the answered presses told twice.
                self._answered[:0], self._handled[:0] = answered, handled
                raise

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        try:
            await self.flush()
        except StoreUnavailable as down:  # stopped during an outage: replayed, never re-applied
            log.warning("handled updates not recorded at stop (%s): seen again at start", down.kind)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._every)  # let the batch fill
            self._wake.clear()
            try:
                await self.flush()
            except StoreUnavailable as down:
                log.warning("handled updates wait for the database (%s)", down.kind)
                await asyncio.sleep(AGAIN)
                self._wake.set()
            except Exception:
                log.exception("could not record handled updates; they may be replayed")
