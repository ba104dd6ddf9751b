"""Where an answer goes on Telegram.

Answers meant for one person stay private: a private message, or, when the bot cannot write to
that member yet, a one-tap link that opens the private chat (`answerCallbackQuery(url=...)` for a
button; for a command typed in a group, a short reply that the bot deletes after a minute). In a
group the bot posts only what everyone should see.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot
from telegram.error import BadRequest, TelegramError

from bot.adapters.telegram.api import call
from bot.adapters.telegram.render import plain
from bot.core.community.spaces import can_write_to, cannot_write_to
from bot.core.messages import Button, Destination, OutMessage, Reply, SendResult, Text
from bot.core.ports import ChatPlatform, Store
from bot.domain.model import UserRef

log = logging.getLogger(__name__)
TOAST_MAX = 200  # answerCallbackQuery text
SHORT_TOAST = 60  # beyond this a toast becomes an alert the member dismisses
ATTEMPTS = 3
FLEETING = 60.0  # seconds before a reply meant for one member disappears from the group


class Answers:
    """`answering` answers presses (its own connections); everything else goes through `out`,
    under the same limits as the reminders."""

    def __init__(
        self,
        bot: Bot,
        out: ChatPlatform,
        store: Store,
        username: str,
        *,
        answering: Bot | None = None,
    ) -> None:
        self.bot, self.out, self.store, self.username = bot, out, store, username
        self.answering = answering or bot
        self._pending: set[asyncio.Task[None]] = set()

    def link(self, payload: str | None = None) -> str:
        """`https://t.me/<bot>?start=join_12`: one tap opens the private chat (and runs it)."""
        base = f"https://t.me/{self.username}"
        return f"{base}?start={payload}" if payload else base

    async def can_write(self, user: UserRef) -> bool:
        return await can_write_to(self.store, user)

    async def privately(self, user: UserRef, reply: Reply, *, key: str) -> bool:
        """Sends the reply in the member's private chat; False when Telegram refused it (and
        the member is then known as unreachable there)."""
        dest = Destination("telegram", user.id, private=True)
        for index, message in enumerate(reply.messages):
            result = await self._send(dest, message, f"{key}:{index}")
            if not result.delivered:
                if result.permanent:
                    await cannot_write_to(self.store, user)
                log.info("private answer to %s not delivered: %s", user.id, result.reason)
                return False
        return True

    async def in_chat(self, chat_id: str, reply: Reply, *, key: str) -> None:
        dest = Destination("telegram", chat_id, private=False)
        for index, message in enumerate(reply.messages):
            result = await self._send(dest, message, f"{key}:{index}")
            if not result.delivered:
                log.warning("answer in %s not delivered: %s", chat_id, result.reason)
                return

    async def _send(self, dest: Destination, message: OutMessage, key: str) -> SendResult:
        """An answer is not in the ledger: a 429 or a network failure is tried again here a
        few times (after a 429 the limiter holds the chat for `retry_after`)."""
        result = await self.out.send(dest, message, key=key)
        for _ in range(ATTEMPTS - 1):
            if result.delivered or result.permanent:
                break
            if result.retry_after is None:  # a 429 has paused the chat in the limiter already
                await asyncio.sleep(1.0)
            result = await self.out.send(dest, message, key=key)
        return result

    async def fleeting(self, chat_id: str, locale: str, *, key: str) -> None:
        """In a group, for a member the bot cannot write to yet: a short note with the one-tap
        link, deleted after a minute (the answer itself may be private, like a /link code)."""
        note = OutMessage(
            Text(locale, "telegram.open_private"),
            ((Button(Text(locale, "telegram.button.open_private"), url=self.link()),),),
        )
        result = await self.out.send(Destination("telegram", chat_id, private=False), note, key=key)
        if result.delivered and result.message_id is not None:
            task = asyncio.create_task(self._delete_later(int(chat_id), int(result.message_id)))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    async def toast(
        self, query_id: str, text: Text | None = None, *, url: str | None = None
    ) -> bool:
        """Answers a button press; False when it is too old to answer (after ~15 s)."""
        shown = plain(text)[:TOAST_MAX] if text is not None else None
        alert = bool(shown and len(shown) > SHORT_TOAST)
        try:  # a raw call (`api.py`): Telegram's answer is `true`, no object to build
            await call(
                self.answering,
                "answerCallbackQuery",
                {"callback_query_id": query_id, "text": shown, "url": url, "show_alert": alert},
            )
        except BadRequest as error:
            if "too old" in error.message or "query id is invalid" in error.message:
                return False
            raise
        return True

    async def _delete_later(self, chat_id: int, message_id: int) -> None:
        await asyncio.sleep(FLEETING)
        try:
            await self.bot.delete_message(chat_id, message_id)
        except TelegramError as error:  # already deleted by an admin, or the bot left
            log.info("could not delete the fleeting reply %s: %s", message_id, error)

    async def close(self) -> None:
        """At stop: fleeting replies are deleted now rather than left behind."""
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)


def is_toast(reply: Reply) -> bool:
    """One short message without buttons or file fits in a callback answer."""
    return (
        len(reply.messages) == 1
        and not reply.messages[0].buttons
        and reply.messages[0].attachment is None
        and len(plain(reply.messages[0].text)) <= TOAST_MAX
    )
