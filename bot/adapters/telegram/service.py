"""The Telegram adapter's life: built from the settings, started inside our event loop (never
`run_polling`, which would take the loop over), stopped in reverse."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import RetryAfter

from bot.adapters.limits import TELEGRAM, LimitProfile, RateLimitedPlatform
from bot.adapters.telegram.adapter import TelegramAdapter
from bot.adapters.telegram.answers import Answers
from bot.adapters.telegram.arrivals import Poller, WebhookServer
from bot.adapters.telegram.commands import register
from bot.adapters.telegram.http import AiohttpRequest
from bot.adapters.telegram.outage import DownNotices
from bot.adapters.telegram.platform import TelegramPlatform, retry_seconds
from bot.adapters.telegram.receive import ALLOWED, KEEP_LEASES, Inbox, Receipts
from bot.adapters.telegram.roles import Roles
from bot.core.community.spaces import display_names
from bot.core.delivery.outbox import Outbox
from bot.core.dispatcher import Core
from bot.core.ports import HeldLock, StoreUnavailable
from bot.settings import TelegramSettings
from bot.storage.budget import shared_budget
from bot.storage.inbox import shared_by_processes

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25
POLL_LOCK_RETRY = 3.0  # seconds between a waiting process's asks for the poller's lock
SEND_POOL = 32  # connections for sends and edits (the outbox sends 8 at a time per platform)
ANSWER_POOL = 16  # connections for answerCallbackQuery only
SET_WEBHOOK_TRIES = 10  # workers starting at once each set the webhook: Telegram says 429


class TelegramService:
    def __init__(
        self,
        settings: TelegramSettings,
        core: Core,
        outbox: Outbox,
        *,
        poll_timeout: int = POLL_TIMEOUT,
        limits: LimitProfile = TELEGRAM,
        keep_leases: float = KEEP_LEASES,
    ) -> None:
        assert settings.token is not None
        self.settings = settings
        base = settings.api_base_url or "https://api.telegram.org/bot"
        files = base.replace("/bot", "/file/bot", 1)
        self.bot = Bot(
            settings.token,
            base_url=base,
            base_file_url=files,
            request=AiohttpRequest(connections=SEND_POOL),
            # Not used for updates (the poller asks for them itself), only given to PTB.
            get_updates_request=AiohttpRequest(connections=1, read_timeout=poll_timeout + 10.0),
        )
        # Presses are answered on connections of their own, never queued behind the sends of
        # a fan-out for a free one, and through aiohttp: a fifth of httpx's CPU a call.
        self.answering = Bot(
            settings.token,
            base_url=base,
            base_file_url=files,
            request=AiohttpRequest(connections=ANSWER_POOL),
        )
        store = core.store

        async def names(refs):  # type: ignore[no-untyped-def]
            return await display_names(store, refs)

        self.platform = TelegramPlatform(self.bot, names)
        # On PostgreSQL the other processes of this bot share the budget (`storage/budget.py`).
        budget = shared_budget(store, settings.token)
        self.limited = RateLimitedPlatform(self.platform, limits, budget=budget)
        # The alarm starts first and sends what is due at once: those sends wait for `start`
        # (else each failed as a network error and was retried later, holding a slot of the
        # platform's window meanwhile: 62 of 300 reminders with two processes starting).
        self.limited.ready.clear()
        outbox.add_platform(self.limited)  # the ledger's sends go through the same limiter
        self.core = core
        self.roles = Roles(self.bot, store)
        self.answers: Answers | None = None
        self.adapter: TelegramAdapter | None = None
        self.inbox = Inbox(
            store,
            core.clock,
            self._handle,
            keep_leases=keep_leases,
            unstored=self._unstored,
            ordered=shared_by_processes(store),  # other processes share the inbox
        )
        self.down: DownNotices | None = None  # once started (it answers through `answers`)
        self.receipts = Receipts(core)
        self.poller: Poller | None = None
        self._polling: asyncio.Task[None] | None = None
        self._poll_lock: HeldLock | None = None
        self.webhook: WebhookServer | None = None
        self._poll_timeout = poll_timeout

    async def _handle(self, item):  # type: ignore[no-untyped-def]
        assert self.adapter is not None
        await self.adapter.handle(item)

    async def _unstored(self, updates):  # type: ignore[no-untyped-def]
        if self.down is not None:
            await self.down.tell(updates)

    async def start(self) -> None:
        await self.bot.initialize()  # getMe: the bot's username makes the one-tap links
        await self.answering.initialize()
        self.limited.ready.set()
        username = self.bot.username
        self.answers = Answers(
            self.bot, self.limited, self.core.store, username, answering=self.answering
        )
        self.receipts.start()
        self.down = DownNotices(self.answers, self.core.config.language)
        self.adapter = TelegramAdapter(
            self.core, self.bot, self.answers, self.roles, self.receipts, self.down
        )
        await register(self.bot, self.core.config.language)
        self.inbox.start()
        await self.inbox.resume()
        if self.settings.webhook_url:
            await self._start_webhook(self.settings.webhook_url)
        else:
            await self.bot.delete_webhook()  # getUpdates answers 409 while a webhook is set
            self._polling = asyncio.create_task(self._poll_once_held(), name="telegram poll lock")
        log.info(
            "Telegram adapter started as @%s (%s)",
            username,
            "webhook" if self.webhook else "long polling",
        )

    def problem(self) -> str | None:
        """What keeps this adapter from taking updates now (`/healthz`), None when it is up."""
        if self.adapter is None:
            return "not started"
        if self.webhook is None and (self.poller is None or self.poller.failing):
            return self.poller.failing if self.poller and self.poller.failing else "not polling"
        return None

    async def _start_webhook(self, url: str) -> None:
        host, port = self.settings.webhook_listen
        self.webhook = WebhookServer(
            self.inbox,
            path=urlsplit(url).path or "/",
            host=host,
            port=port,
            secret=self.settings.webhook_secret,
        )
        await self.webhook.start()
        await self._set_webhook(url)

    async def _set_webhook(self, url: str) -> None:
        """Every worker sets the same webhook at its start: setting it again with the same URL,
        secret and update types changes nothing (Telegram keeps the updates waiting), so no
        worker has to be the one that does. Workers starting together get a 429 (Telegram takes
        one setWebhook a second): each waits as told and sets it in turn."""
        for attempt in range(SET_WEBHOOK_TRIES):
            try:
                await self.bot.set_webhook(
                    url, secret_token=self.settings.webhook_secret, allowed_updates=ALLOWED
                )
                return
            except RetryAfter as error:
                if attempt == SET_WEBHOOK_TRIES - 1:
                    raise
                log.info("setWebhook: Telegram asks to wait %.0f s", retry_seconds(error))
                await asyncio.sleep(retry_seconds(error))

    async def _poll_once_held(self) -> None:
        """Long polling by exactly one process per bot: the one holding the database lock
        (Telegram answers 409 to a second reader). The others wait here and one takes over
        within POLL_LOCK_RETRY seconds of the poller's death; they still send and handle."""
        name = f"telegram-poller:{self.bot.id}"
        while True:
            waiting_said = False
            while (held := await self._try_hold(name)) is None:
                if not waiting_said:
                    log.info("another process polls Telegram for this bot; ready to take over")
                    waiting_said = True
                await asyncio.sleep(POLL_LOCK_RETRY)
            self._poll_lock = held
            if waiting_said:
                log.warning("the process that polled Telegram stopped: polling here now")
            self.poller = Poller(self.bot, self.inbox, timeout=self._poll_timeout)
            self.poller.start()
            await self._keep_lock(name)
            log.warning("another process took the poller's lock during the outage: it polls")
            await self.poller.stop()
            self.poller = None

    async def _keep_lock(self, name: str) -> None:
        """Returns once this process no longer holds the poller's lock. The lock lives on one
        connection: a database outage drops it, and the server lets the lock go. Polling goes
        on meanwhile (it still tells members the database is away; nobody else can take the
        lock while the database is away for all), and the lock is taken again as soon as the
        database answers; if another process took it first (the outage was this process's
        alone), this one stops polling."""
        while True:
            await asyncio.sleep(POLL_LOCK_RETRY)
            held = self._poll_lock
            if held is not None and await held.alive():
                continue
            try:
                again = await self.core.store.try_hold(name)
            except StoreUnavailable:
                continue
            if held is not None:
                await held.release()  # its connection is gone: closes what is left of it
            self._poll_lock = again
            if again is None:
                return
            log.warning("the poller's lock, lost with its database connection, is held again")

    async def _try_hold(self, name: str) -> HeldLock | None:
        try:
            return await self.core.store.try_hold(name)
        except StoreUnavailable as down:
            log.warning("the poller's lock waits for the database (%s)", down.kind)
            return None
        except Exception:
            log.exception("could not ask the database for the poller's lock")
            return None

    async def stop(self) -> None:
        """Stops taking updates first; what is stored and not handled waits for the next start."""
        if self._polling is not None:
            self._polling.cancel()
            await asyncio.gather(self._polling, return_exceptions=True)
        if self.poller is not None:
            await self.poller.stop()
        if self._poll_lock is not None:
            await self._poll_lock.release()
        if self.webhook is not None:
            await self.webhook.stop()
        await self.inbox.stop()
        await self.receipts.stop()
        if self.answers is not None:
            await self.answers.close()
        await self.answering.shutdown()
        await self.bot.shutdown()
