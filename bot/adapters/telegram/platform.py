"""The outbound side on Telegram: sends and edits through python-telegram-bot's `Bot`.

A refusal comes back as a `SendResult`, never an exception: 429 carries `retry_after`, 403 (the
member never opened the chat, or blocked the bot) is permanent for that member, a network
failure is worth trying again. A message with a file goes as a document (a CSV) or a photo (a
chart), the text as its caption when it fits.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import timedelta

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.adapters.capabilities import TELEGRAM_CAPABILITIES
from bot.adapters.telegram.api import NO_PREVIEW, call
from bot.adapters.telegram.render import keyboard, markup, plain, to_html
from bot.core.messages import Attachment, Destination, OutMessage, SendResult
from bot.domain.model import UserRef

log = logging.getLogger(__name__)
Names = Callable[[Sequence[UserRef]], Awaitable[Mapping[UserRef, str]]]
CAPTION = 1024  # characters of a caption once its entities are parsed


class TelegramPlatform:
    name = "telegram"
    capabilities = TELEGRAM_CAPABILITIES

    def __init__(self, bot: Bot, names: Names | None = None) -> None:
        self.bot = bot
        self._names = names

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        """Every part of a long message is sent; the buttons go on the last one, whose id is
        kept (it is the one an announcement edit must find). Texts and edits go as raw calls
        (`api.py`): of Telegram's answer only the message id is read."""
        return await self._guarded(self._send(dest, message), key)

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        return await self._guarded(self._edit(dest, message_id, message), key)

    async def _send(self, dest: Destination, message: OutMessage) -> SendResult:
        if message.attachment is not None:
            return await self._send_file(dest, message, message.attachment)
        chunks = to_html(message, await self._names_of(message))
        sent: dict[str, object] = {}
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            sent = await call(
                self.bot,
                "sendMessage",
                {
                    "chat_id": dest.chat_id,
                    "text": chunk,
                    "parse_mode": ParseMode.HTML.value,
                    "reply_markup": markup(message.buttons) if last else None,
                    "link_preview_options": NO_PREVIEW,
                    "message_thread_id": dest.thread_id or None,
                },
            )
        return SendResult(True, message_id=str(sent["message_id"]))

    async def _send_file(
        self, dest: Destination, message: OutMessage, file: Attachment
    ) -> SendResult:
        """The text as the file's caption when it fits; else the text first, then the file.
        The buttons go on the file, the last message."""
        chunks = to_html(message, await self._names_of(message))
        caption: str | None = chunks[0]
        if len(chunks) > 1 or message.mentions or len(plain(message.text)) > CAPTION:
            await self._send(dest, replace(message, buttons=(), attachment=None))
            caption = None
        send = self.bot.send_photo if file.image else self.bot.send_document
        sent = await send(
            int(dest.chat_id),
            file.content,
            caption=caption,
            parse_mode=ParseMode.HTML if caption is not None else None,
            filename=file.filename,
            reply_markup=keyboard(message.buttons),
            message_thread_id=int(dest.thread_id) if dest.thread_id else None,
        )
        return SendResult(True, message_id=str(sent.message_id))

    async def _edit(self, dest: Destination, message_id: str, message: OutMessage) -> SendResult:
        # An announcement is short: only its first part is kept up to date.
        text = to_html(message, await self._names_of(message))[0]
        try:
            await call(
                self.bot,
                "editMessageText",
                {
                    "chat_id": dest.chat_id,
                    "message_id": message_id,
                    "text": text,
                    "parse_mode": ParseMode.HTML.value,
                    "reply_markup": markup(message.buttons),
                    "link_preview_options": NO_PREVIEW,
                },
            )
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return SendResult(True, message_id=message_id)

    async def _names_of(self, message: OutMessage) -> Mapping[UserRef, str]:
        if not message.mentions or self._names is None:
            return {}
        return await self._names(message.mentions)

    async def _guarded(self, call: Awaitable[SendResult], key: str) -> SendResult:
        try:
            return await call
        except RetryAfter as error:
            return SendResult(
                False, retry_after=retry_seconds(error), reason="429 too many requests"
            )
        except Forbidden as error:
            return SendResult(False, permanent=True, reason=f"403 {error.message}"[:200])
        except BadRequest as error:
            # Our request was wrong (chat gone, message deleted, bad markup): trying the same
            # request again cannot help.
            log.warning("telegram refused %s: %s", key, error.message)
            return SendResult(False, permanent=True, reason=f"400 {error.message}"[:200])
        except NetworkError as error:
            return SendResult(False, reason=f"network: {error.message}"[:200])
        except TelegramError as error:
            return SendResult(False, reason=f"telegram: {error.message}"[:200])


def retry_seconds(error: RetryAfter) -> float:
    """`retry_after` is an int or a timedelta depending on PTB's settings; seconds either way."""
    value = error.__reduce__()[1][0]  # the raw seconds, without PTB's deprecation warning
    return float(value.total_seconds() if isinstance(value, timedelta) else value)
