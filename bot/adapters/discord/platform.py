"""The outbound side on Discord: sends and edits through discord.py, and the live's Scheduled
Event kept in step (see `events`).

A refusal comes back as a `SendResult`, never an exception: a member who refuses DMs (50007), a
channel or message gone, a permission missing are permanent; a 429 discord.py could not absorb
carries `retry_after`; a server error or a network failure is worth trying again. discord.py
itself waits out 429s and follows the per-route buckets it reads from the headers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import aiohttp
import discord

from bot.adapters.capabilities import DISCORD_CAPABILITIES
from bot.adapters.discord.events import sync_event
from bot.adapters.discord.render import CommandMentions, Part, parts
from bot.core import codec
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import LiveEvent

log = logging.getLogger(__name__)
DM_REFUSED = 50007
THREAD_EXISTS = 160004
ARCHIVE_AFTER: Literal[10080] = (
    10080  # minutes: a week without messages before the live's thread is archived
)
EVENT_CAP = 30038  # the server holds 100 scheduled or active events already


class DiscordPlatform:
    """`ChatPlatform` and `EventCalendar` on one client."""

    name = "discord"
    capabilities = DISCORD_CAPABILITIES

    def __init__(
        self, client: discord.Client, default_locale: str, commands: CommandMentions | None = None
    ) -> None:
        self.client = client
        self.default_locale = default_locale
        self.commands = commands or CommandMentions()
        # Opening a DM channel is a request of its own (its global slot is taken at the wire,
        # see `wire.py`). Channels opened are kept for the process's life (discord.py keeps
        # only the last 128), so a fan-out opens each member's once.
        self._dm_channels: dict[int, int] = {}

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        """Every part of a long message is sent, each with a nonce derived from the ledger key
        (a send retried after a crash shows once); the buttons go on the last part, whose id is
        kept. An announcement gets its thread (titled `thread_title`) on that message."""
        return await guarded(lambda: self._send(dest, message, key), key)

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        return await guarded(lambda: self._edit(dest, message_id, message), key)

    async def sync_event(
        self, space_id: str, event_id: str | None, event: LiveEvent, *, key: str
    ) -> SendResult:
        """See `EventCalendar`: the server's cap of 100 events is `reason="event_cap"`."""
        return await guarded(
            lambda: sync_event(self.client, space_id, event_id, event, self.default_locale), key
        )

    async def _send(self, dest: Destination, message: OutMessage, key: str) -> SendResult:
        channel = await self._channel(dest)
        sent: discord.Message | None = None
        for index, part in enumerate(parts(message, self.commands.write)):
            sent = await channel.send(
                part.content,
                view=part.view(),  # type: ignore[arg-type]  # None: no buttons
                allowed_mentions=part.allowed,
                nonce=codec.nonce(key if index == 0 else f"{key}:{index}"),
            )
        assert sent is not None
        if message.thread_title and not dest.private and dest.thread_id is None:
            await _open_thread(sent, message.thread_title)
        return SendResult(True, message_id=str(sent.id))

    async def _edit(self, dest: Destination, message_id: str, message: OutMessage) -> SendResult:
        # An announcement or a card is short: its first part is the message kept up to date,
        # with the message's buttons.
        first = parts(message, self.commands.write)[0]
        part = Part(first.content, message.buttons, first.allowed)
        channel = await self._channel(dest)
        # Every channel the bot posts in (text, thread, DM) has get_partial_message.
        await channel.get_partial_message(int(message_id)).edit(  # type: ignore[attr-defined]
            content=part.content, view=part.view(), allowed_mentions=part.allowed
        )
        return SendResult(True, message_id=message_id)

    async def _dm(self, user_id: int) -> discord.abc.Messageable:
        known = self._dm_channels.get(user_id)
        if known is not None:
            return self.client.get_partial_messageable(known, type=discord.ChannelType.private)
        channel = await self.client.create_dm(discord.Object(user_id))
        self._dm_channels[user_id] = channel.id
        return channel

    async def _channel(self, dest: Destination) -> discord.abc.Messageable:
        if dest.private:  # a member: their DM channel, opened once
            return await self._dm(int(dest.chat_id))
        if dest.thread_id:
            try:
                return await self._text_channel(int(dest.thread_id))
            except discord.NotFound:
                # The live's thread was deleted, or never opened (the bot could not): the
                # message goes to the announcement's channel rather than nowhere.
                log.info("thread %s is gone: posting in %s", dest.thread_id, dest.chat_id)
        return await self._text_channel(int(dest.chat_id))

    async def _text_channel(self, channel_id: int) -> discord.abc.Messageable:
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise NotMessageable(f"channel {channel_id} takes no messages")
        return channel


class NotMessageable(Exception):
    """The space names a channel that takes no messages (a category, a forum)."""


async def _open_thread(message: discord.Message, title: str) -> None:
    """The live's thread takes the announcement's id (Discord's rule for a thread started from
    a message), so the core finds it without being told. Failing to open it does not undo the
    announcement: it is logged and the post stands."""
    try:
        await message.create_thread(name=title[:100], auto_archive_duration=ARCHIVE_AFTER)
    except discord.HTTPException as error:
        if error.code == THREAD_EXISTS:
            return  # the same announcement sent again after a crash: its thread is there
        log.warning("could not open the thread of message %s: %s", message.id, error)


async def guarded(call: Callable[[], Awaitable[SendResult]], key: str) -> SendResult:
    try:
        return await call()
    except discord.RateLimited as error:
        return SendResult(False, retry_after=error.retry_after, reason="429 too many requests")
    except discord.Forbidden as error:
        if error.code != DM_REFUSED:  # a member's choice, not our mistake
            log.warning("discord refused %s: %s", key, error)
        return SendResult(False, permanent=True, reason=f"403 {error.code} {error.text}"[:200])
    except discord.NotFound as error:
        log.warning("discord does not know the target of %s: %s", key, error)
        return SendResult(False, permanent=True, reason=f"404 {error.code} {error.text}"[:200])
    except discord.DiscordServerError as error:
        return SendResult(False, reason=f"{error.status} discord server error"[:200])
    except discord.HTTPException as error:
        if error.status == 429:  # discord.py gave up waiting
            return SendResult(False, retry_after=_retry_after(error), reason=_scope(error))
        if error.code == EVENT_CAP:
            return SendResult(False, permanent=True, reason="event_cap")
        # Our request was wrong (a bad body): sending the same one again cannot help.
        log.warning("discord refused %s: %s", key, error)
        return SendResult(False, permanent=True, reason=f"{error.status} {error.text}"[:200])
    except NotMessageable as error:
        log.warning("cannot send %s: %s", key, error)
        return SendResult(False, permanent=True, reason=str(error))
    except (aiohttp.ClientError, TimeoutError, OSError) as error:
        return SendResult(False, reason=f"network: {error!r}"[:200])


def _retry_after(error: discord.HTTPException) -> float:
    headers = getattr(error.response, "headers", {})
    try:
        return float(headers.get("Retry-After", 1.0))
    except ValueError:
        return 1.0


def _scope(error: discord.HTTPException) -> str:
    headers = getattr(error.response, "headers", {})
    return "global" if headers.get("X-RateLimit-Global") == "true" else "429 too many requests"
