"""How updates arrive: our own long poll, or our own webhook endpoint.

Both hand each batch to the inbox (`receive.py`) and confirm it to Telegram only once it is
committed there: the long poll by asking for the next offset, the webhook by its 200. Telegram
sends again whatever was not confirmed, so nothing fetched is lost to a crash or an outage.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

from aiohttp import web
from telegram import Bot
from telegram.error import Conflict, NetworkError, RetryAfter, TelegramError

from bot.adapters.telegram.http import AiohttpRequest, Form
from bot.adapters.telegram.platform import retry_seconds
from bot.adapters.telegram.receive import AGAIN, ALLOWED, Inbox
from bot.core.ports import StoreUnavailable

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


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
