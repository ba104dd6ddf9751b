"""Updates in: stored in the inbox before Telegram is told they arrived, then handled once.

python-telegram-bot's own updater confirms a batch (the next `getUpdates` offset) and its webhook
answers 200 before any handler has run, so a crash loses whatever was fetched. Here the long-poll
loop asks for the next batch, which confirms the previous one, only once that one is committed to
the inbox, and the webhook answers 200 only after the commit. What is in the inbox is handled in
order for each member, members at once (no member waits for another's update), and marked handled
in the same transaction as the command's effects.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.adapters.telegram.http import AiohttpRequest, Form
from bot.adapters.telegram.platform import retry_seconds
from bot.core.dispatcher import Core
from bot.core.inbox import InboxItem
from bot.core.ports import Clock, Store, StoreUnavailable

log = logging.getLogger(__name__)
PLATFORM = "telegram"
ALLOWED = ["message", "callback_query", "my_chat_member", "chat_member"]
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
KEEP_HANDLED = timedelta(days=2)
KEEP_LEASES = 10.0  # seconds: a third of a lease (storage/lease.py), as the alarm clock's
AGAIN = 1.0  # seconds between tries while the database is away (not a spin, soon caught up)
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
    ) -> None:
        self._store, self._clock, self._handle = store, clock, handle
        self._keep_leases = keep_leases
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
                await self._store.run(lambda uow: uow.inbox.renew(self._clock.now()))
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


class Poller:
    """Long polling with our own loop: a batch is confirmed by the next request, made only
    after the batch is in the inbox.

    The batch is taken as Telegram's JSON, not as PTB's `Update` objects: the inbox stores JSON
    and the handler parses each update once. Through `Bot.get_updates` every update was parsed
    into objects, turned back into a dict and dumped, on the event loop, before it was even
    stored (and over httpx: see `http.py`); under a burst of presses that was CPU the presses
    waited for."""

    def __init__(self, bot: Bot, inbox: Inbox, *, timeout: int = 25) -> None:
        self._inbox, self._timeout = inbox, timeout
        self._url = f"{bot.base_url}/getUpdates"
        self._request = AiohttpRequest(connections=1, read_timeout=timeout + 10.0)
        self._task: asyncio.Task[None] | None = None
        self._offset: int | None = None
        # What the last getUpdates failed with, None once one succeeds (`/healthz` reads it).
        self.failing: str | None = None
        self._store_down = False  # said once per outage

    async def _get_updates(self) -> list[dict[str, Any]]:
        asked = {"timeout": str(self._timeout), "allowed_updates": json.dumps(ALLOWED)}
        if self._offset is not None:
            asked["offset"] = str(self._offset)
        found = await self._request.post(
            self._url,
            Form(asked),  # type: ignore[arg-type]  # what AiohttpRequest reads of RequestData
            read_timeout=self._timeout + 10,
        )
        return found if isinstance(found, list) else []

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        await self._request.initialize()
        try:
            await self._poll()
        finally:
            await self._request.shutdown()

    async def _poll(self) -> None:
        backoff = 1.0
        while True:
            try:
                updates = await self._get_updates()
                self.failing = None
                if updates:
                    await self._inbox.keep(updates)
                    self._offset = int(updates[-1]["update_id"]) + 1
                    if self._store_down:
                        log.warning("the database answers again: updates are stored")
                        self._store_down = False
                backoff = 1.0
            except asyncio.CancelledError:
                raise
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
            except StoreUnavailable as down:
                # Not stored, so not confirmed: the same offset brings the batch again.
                if not self._store_down:
                    log.warning("updates wait for the database (%s): not confirmed", down.kind)
                    self._store_down = True
                await asyncio.sleep(AGAIN)
                continue
            except Conflict as error:
                self.failing = "another process reads this bot's updates"
                log.error("another process reads this bot's updates (%s); retrying", error.message)
                await asyncio.sleep(5)
            except (NetworkError, TelegramError, OSError) as error:
                # The kind of failure only: /healthz may be read by anyone who reaches it.
                self.failing = f"getUpdates failed ({type(error).__name__})"
                log.warning("getUpdates failed (%s); retrying in %.0f s", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)
            except Exception:
                # The inbox could not store the batch: ask again (same offset) rather than lose it.
                log.exception("could not store the updates; asking again")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30)


class WebhookServer:
    """Our own webhook endpoint: 200 only once the update is committed, so Telegram sends again
    anything we could not store. A wrong secret gets 401 and changes nothing."""

    def __init__(
        self, inbox: Inbox, *, path: str, host: str, port: int, secret: str | None
    ) -> None:
        self._inbox, self._path, self._host, self._port = inbox, path or "/", host, port
        self._secret = secret
        self._runner: web.AppRunner | None = None
        self.port = port

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post(self._path, self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        sockets = getattr(site._server, "sockets", None)  # the bound port when 0 was asked
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        if self._secret is not None:
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self._secret.encode()):
                log.warning("webhook call with a wrong secret token from %s", request.remote)
                return web.Response(status=401)
        try:
            update = await request.json()
        except ValueError:
            return web.Response(status=400)
        if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
            return web.Response(status=400)
        try:
            await self._inbox.keep([update])
        except StoreUnavailable as down:
            log.warning("webhook update not stored (%s); Telegram will send it again", down.kind)
            return web.Response(status=503)
        except Exception:
            log.exception("could not store a webhook update; Telegram will send it again")
            return web.Response(status=500)
        return web.Response(status=200)


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
