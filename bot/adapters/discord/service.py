"""The Discord adapter's life: built from the settings, started inside our event loop (login,
then the gateway as a task of ours: never `client.run`, which would take the loop over),
stopped in reverse.

Only the `guilds` intent is asked for: interactions need no intent, and the bot reads no
messages and no member lists (a member picked in an option comes resolved with the command).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import discord
import yarl

from bot.adapters.capabilities import DISCORD_CAPABILITIES
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.commands import sync
from bot.adapters.discord.platform import DiscordPlatform
from bot.adapters.discord.render import CommandMentions
from bot.adapters.discord.wire import WireGate, sweep_buckets_seldom
from bot.adapters.limits import DISCORD, LimitProfile, RateLimitedPlatform
from bot.core.delivery.outbox import Outbox
from bot.core.dispatcher import Core
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import LiveEvent
from bot.settings import DiscordSettings
from bot.storage.budget import shared_budget

log = logging.getLogger(__name__)
GUILD_READY_TIMEOUT = 2.0  # discord.py's default wait for the servers announced by READY
READY_WITHIN = 60.0
STOP_WITHIN = 10.0
NOT_CONNECTED = 5.0  # seconds before a send is tried again while the client is not ready


class DiscordService:
    def __init__(
        self,
        settings: DiscordSettings,
        core: Core,
        outbox: Outbox,
        *,
        limits: LimitProfile = DISCORD,
    ) -> None:
        assert settings.token is not None
        self.settings = settings
        self.core = core
        intents = discord.Intents.none()
        intents.guilds = True
        sharded = settings.shards or settings.shard_count is not None
        kind = discord.AutoShardedClient if sharded else discord.Client
        # This process's range of shards, when several processes share the bot (the others
        # run theirs; every process sends through the ledger whichever shard a guild is on).
        shard: dict[str, Any] = {}
        if settings.shard_count is not None:
            shard["shard_count"] = settings.shard_count
        if settings.shard_ids is not None:
            shard["shard_ids"] = list(settings.shard_ids)
        gate = WireGate()  # every REST request takes its global slot as it leaves
        self.client = kind(
            **shard,
            intents=intents,
            guild_ready_timeout=GUILD_READY_TIMEOUT,
            allowed_mentions=discord.AllowedMentions.none(),  # each send says whom it pings
            http_trace=gate.trace,
        )
        sweep_buckets_seldom(self.client.http)  # not a scan of every DM channel per new DM
        self.commands = CommandMentions()  # ids known once synced: see `_connect`
        self.platform = DiscordPlatform(self.client, core.config.language, self.commands)
        # On PostgreSQL the other processes of this bot share the budget (`storage/budget.py`).
        budget = shared_budget(core.store, settings.token)
        limited = RateLimitedPlatform(self.platform, limits, at_wire=True, budget=budget)
        gate.limited = limited
        self.limited = limited
        self.outbound = Outbound(self.client, limited, self.platform)
        outbox.add_platform(self.outbound)  # the ledger's sends go through the same limiter
        self.adapter = DiscordAdapter(core, self.commands)
        self._wire()
        self._gateway: asyncio.Task[None] | None = None
        self._saved: tuple[str, yarl.URL] | None = None

    def _wire(self) -> None:
        adapter, client = self.adapter, self.client

        async def on_interaction(interaction: discord.Interaction[discord.Client]) -> None:
            await adapter.on_interaction(interaction)

        async def on_guild_remove(guild: discord.Guild) -> None:
            await adapter.on_guild_remove(guild)

        # Buttons and pick lists of any message, before or after a restart, come through
        # `on_interaction` too: the adapter routes them by their custom ids.
        for handler in (on_interaction, on_guild_remove):
            client.event(handler)

    async def start(self) -> None:
        self._point_at_endpoints()
        try:
            await self._connect()
        except BaseException:
            await self.stop()  # a refused token or an unreachable Discord leaves nothing open
            raise
        log.info("Discord adapter started as %s", self.client.user)

    async def _connect(self) -> None:
        await self.client.login(self.settings.token or "")
        await sync(self.client, self.commands)
        # discord.py reconnects by itself; the task ends only on what it cannot get over (a
        # revoked token, an intent refused): said at once rather than found at stop.
        self._gateway = asyncio.create_task(self.client.connect(reconnect=True))
        self._gateway.add_done_callback(_gateway_ended)
        ready = asyncio.create_task(self.client.wait_until_ready())
        await asyncio.wait(
            {ready, self._gateway}, timeout=READY_WITHIN, return_when=asyncio.FIRST_COMPLETED
        )
        if not ready.done():
            ready.cancel()
            if self._gateway.done():
                await self._gateway  # raises what stopped the connection
            raise TimeoutError(f"Discord was not ready within {READY_WITHIN:.0f} s")

    def problem(self) -> str | None:
        """What keeps this adapter from taking interactions now (`/healthz`), None when it is
        connected: ready, and every gateway connection open (discord.py reconnects by itself)."""
        client = self.client
        if client.is_closed() or not client.is_ready():
            return "not connected to the gateway"
        if isinstance(client, discord.AutoShardedClient):
            down = [s.id for s in client.shards.values() if s.is_closed()]
            return f"shards {down} disconnected" if down else None
        if client.ws is None or not client.ws.open:
            return "gateway connection lost; reconnecting"
        return None

    def _point_at_endpoints(self) -> None:
        """`DISCORD_API_BASE_URL` / `DISCORD_GATEWAY_URL` (a proxy, a test server): discord.py
        reads both from class attributes, so they are set only when configured, and put back
        at stop."""
        self._saved = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
        if self.settings.api_base_url:
            discord.http.Route.BASE = self.settings.api_base_url.rstrip("/")
        if self.settings.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)

    async def stop(self) -> None:
        await self.client.close()
        if self._gateway is not None:
            # Its failure, if any, was logged when it happened.
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._gateway, STOP_WITHIN)
        if self._saved is not None:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = self._saved


def _gateway_ended(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the Discord gateway stopped for good", exc_info=task.exception())


class Outbound:
    """What the outbox holds for Discord: sends and edits through the process-wide limiter,
    the live's Scheduled Event straight to the platform (the limiter knows sends and edits
    only; discord.py follows the events' own route buckets). Until the client is ready,
    everything is "later", never a failure."""

    name = "discord"
    capabilities = DISCORD_CAPABILITIES  # a thread on each announcement, a calendar, DMs on opt-in

    def __init__(
        self, client: discord.Client, limited: RateLimitedPlatform, platform: DiscordPlatform
    ) -> None:
        self._client, self._limited, self._platform = client, limited, platform

    def _later(self) -> SendResult | None:
        if self._client.is_ready() and not self._client.is_closed():
            return None
        return SendResult(False, retry_after=NOT_CONNECTED, reason="discord not connected")

    def free_in(self, dest: Destination) -> float:
        """When the limiter lets a send to `dest` leave (the sender books, see `Paced`)."""
        return self._limited.free_in(dest)

    def book(self, dest: Destination) -> float:
        return self._limited.book(dest)

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        return self._later() or await self._limited.send(dest, message, key=key)

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        return self._later() or await self._limited.edit(dest, message_id, message, key=key)

    async def sync_event(
        self, space_id: str, event_id: str | None, event: LiveEvent, *, key: str
    ) -> SendResult:
        return self._later() or await self._platform.sync_event(space_id, event_id, event, key=key)
