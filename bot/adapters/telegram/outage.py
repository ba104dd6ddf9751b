"""While the database is away: the member who pressed or typed is told so at once, and their
update waits (in Telegram, not confirmed; or in the inbox, not marked handled) to be handled
once the database is back.

Nothing here reads the database: the language is the one Telegram says the member's app uses,
and the answer goes out without the private-chat bookkeeping (that needs the database). Each
update is told once, however often it comes again while the database is away.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from telegram.error import TelegramError

from bot.adapters.telegram.answers import Answers
from bot.core.messages import Destination, OutMessage, Text
from bot.i18n.catalog import supported

log = logging.getLogger(__name__)
KEY = "error.store_unavailable_kept"
REMEMBERED = 10_000  # update ids told, at most (the oldest are forgotten first)


class DownNotices:
    def __init__(self, answers: Answers, language: str) -> None:
        self._answers, self._language = answers, language
        self._told: OrderedDict[int, None] = OrderedDict()

    def told(self, update_id: int) -> bool:
        """Whether this update's sender was told already (a press was answered then)."""
        return update_id in self._told

    async def tell(self, updates: Sequence[dict[str, Any]]) -> None:
        """Answers each press, and each private message or command, not told yet."""
        for update in updates:
            update_id = update.get("update_id")
            if not isinstance(update_id, int) or update_id in self._told:
                continue
            self._told[update_id] = None
            if len(self._told) > REMEMBERED:
                self._told.popitem(last=False)
            try:
                await self._tell_one(update)
            except TelegramError as error:  # a courtesy: the update itself is kept
                log.info("could not tell update %s's sender: %s", update_id, error)

    async def _tell_one(self, update: dict[str, Any]) -> None:
        query = update.get("callback_query")
        if isinstance(query, dict):
            said = Text(self._locale(query.get("from")), KEY)
            with contextlib.suppress(TelegramError):
                await self._answers.toast(str(query["id"]), said)
            return
        message = update.get("message")
        if not isinstance(message, dict):
            return  # membership changes: nobody is waiting for an answer
        sender, chat = message.get("from") or {}, message.get("chat") or {}
        text = message.get("text")
        if not isinstance(text, str) or sender.get("is_bot"):
            return
        private = chat.get("type") == "private"
        if not private and not text.startswith("/"):
            return  # group chatter is not for the bot
        # A command typed in a group is answered privately, as its answer would have been;
        # a member the bot cannot write to yet is not told (nothing to read it with).
        to = str(chat.get("id")) if private else str(sender.get("id"))
        said = OutMessage(Text(self._locale(sender), KEY))
        dest = Destination("telegram", to, private=True)
        await self._answers.out.send(dest, said, key=f"down:{update['update_id']}")

    def _locale(self, sender: Any) -> str:
        code = sender.get("language_code") if isinstance(sender, dict) else None
        return supported(code if isinstance(code, str) else None) or self._language
