"""The Telegram adapter: updates in (through the inbox), requests to the core, answers out.

python-telegram-bot's `Bot` does the HTTP; the update loop, the webhook endpoint and the routing
are ours, so that nothing is confirmed to Telegram before it is stored (see `receive`).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace

from telegram import Bot, Chat, Message, Update, User

from bot.adapters.telegram.answers import Answers
from bot.adapters.telegram.outage import DownNotices
from bot.adapters.telegram.people import parse_press, ref, request_of, with_roles
from bot.adapters.telegram.presses import Presses, still_down
from bot.adapters.telegram.receive import Receipts
from bot.adapters.telegram.roles import Roles
from bot.core import codec, links
from bot.core.community.spaces import (
    enroll,
    is_known_member,
    platform_spaces,
    space_left,
    space_moved,
)
from bot.core.dispatcher import Core
from bot.core.inbox import InboxItem
from bot.core.messages import OutMessage, Reply, Request, Text
from bot.core.ports import StoreUnavailable
from bot.domain.commands import resolve
from bot.domain.model import Role, UserRef

log = logging.getLogger(__name__)
_COMMAND = re.compile(r"/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]+))?(?=\s|$)")


class TelegramAdapter:
    def __init__(
        self,
        core: Core,
        bot: Bot,
        answers: Answers,
        roles: Roles,
        receipts: Receipts,
        down: DownNotices | None = None,
    ) -> None:
        self.core, self.bot, self.answers, self.roles = core, bot, answers, roles
        self.receipts = receipts
        self.down = down or DownNotices(answers, core.config.language)
        self._known: set[UserRef] = set()  # members known to belong to a community
        self.presses = Presses(core, answers, roles, receipts, self._known)

    async def handle(self, item: InboxItem) -> None:
        """One stored update, start to finish; it is marked handled whatever happens, so a
        poisonous update is logged once rather than replayed forever. But not when the
        database was away: its sender is told, and it stays in the inbox (StoreUnavailable
        goes on to the inbox, which takes it up again once the database answers)."""
        try:
            raw = json.loads(item.payload)
            press = parse_press(raw)
            if press is not None:  # read from the JSON: see `people.py`
                told = self.down.told(press.update_id)
                await self.presses.pressed(press, item, told=told)
            else:
                await self._route(Update.de_json(raw, self.bot), item)
        except StoreUnavailable:
            await self.down.tell([json.loads(item.payload)])  # as stored (PTB may reshape it)
            raise
        except BaseException:
            self.receipts.handled(item.id)
            raise
        self.receipts.handled(item.id)

    async def _route(self, update: Update, item: InboxItem) -> None:
        if update.my_chat_member is not None:
            changed = update.my_chat_member
            if changed.new_chat_member.status in ("left", "kicked"):
                await space_left(self.core.store, "telegram", str(changed.chat.id))
        elif update.chat_member is not None:
            changed = update.chat_member
            self.roles.forget(changed.chat.id, changed.new_chat_member.user.id)
        elif update.message is not None:
            message = update.message
            if message.migrate_to_chat_id is not None:
                await space_moved(
                    self.core.store,
                    "telegram",
                    str(message.chat.id),
                    str(message.migrate_to_chat_id),
                )
            elif message.text and message.from_user and not message.from_user.is_bot:
                await self._typed(message, message.from_user, item)

    # --- typed text -------------------------------------------------------------------------

    async def _typed(self, message: Message, user: User, item: InboxItem) -> None:
        private = message.chat.type == Chat.PRIVATE
        text = message.text or ""
        found = _COMMAND.match(text)
        if found is None and not private:
            return  # group chatter is not for the bot
        if (
            found is not None
            and found.group(2)
            and found.group(2).lower() != self.answers.username.lower()
        ):
            return  # `/join@other_bot`
        name = found.group(1).lower() if found else None
        rest = text[found.end() :] if found else text
        if name == "start" and private:
            await self._introduce(user)
            reply = await self._deep_link(rest.strip(), request_of(user, message.chat, None, item))
            return await self._reply_typed(message, user, reply, item)
        spec = resolve(name) if name else None
        if (
            spec
            and spec.name in ("host", "unhost")
            and not rest.strip()
            and message.reply_to_message
        ):
            target = message.reply_to_message.from_user
            rest = f" {target.id}" if target is not None else rest  # the member replied to
        if private:
            await self._introduce(user)
        raw = f"/{name}{rest}" if name is not None else text
        req = request_of(user, message.chat, raw, item)
        req = await with_roles(self.roles, req, spec.name if spec else None, message.chat, user)
        reply = await self.core.handle_text(req)
        still_down(reply)
        if spec is not None and spec.name in ("setup", "link") and reply.ok and not private:
            reply = await self._with_own_rights(message.chat, reply)
        await self._reply_typed(message, user, reply, item)

    async def _with_own_rights(self, chat: Chat, reply: Reply) -> Reply:
        """`/setup` checks the bot's own rights where it was run and says what is missing: an
        admin bot can delete the short notes it leaves for members it cannot write to yet."""
        me = await self.bot.get_chat_member(chat.id, self.bot.id)
        if me.status in ("administrator", "creator"):
            return reply
        note = OutMessage(Text(reply.text.locale, "telegram.not_admin"))
        return replace(reply, messages=(*reply.messages, note))

    async def _introduce(self, user: User) -> None:
        """On Telegram a community's members are the people in its groups: someone writing
        privately whom the bot knows in no community yet is looked up in each group once."""
        member = ref(user)
        if member in self._known:  # asked once per process: every private message comes here
            return
        if await is_known_member(self.core.store, member):
            self._known.add(member)
            return
        found = []
        for community_id, chat_id in await platform_spaces(self.core.store, "telegram"):
            if community_id not in found and await self.roles.present(int(chat_id), user.id):
                found.append(community_id)
        if found:
            await enroll(self.core.store, member, user.full_name, found, self.core.clock.now())
            self._known.add(member)

    async def _deep_link(self, payload: str, req: Request) -> Reply:
        """`/start join_12`: the private chat opened from a group button, the action run."""
        try:
            action = codec.parse_deep_link(payload)
        except codec.CodecError:
            return still_down(await self.core.handle_text(replace(req, raw="/help")))
        return still_down(await links.follow(self.core, req, action))

    async def _reply_typed(
        self, message: Message, user: User, reply: Reply, item: InboxItem
    ) -> None:
        if not reply.messages:
            return
        chat_id = str(message.chat.id)
        key = f"reply:{item.id}"
        if message.chat.type == Chat.PRIVATE or reply.public:
            await self.answers.in_chat(chat_id, reply, key=key)
        elif not await self.answers.privately(ref(user), reply, key=key):
            locale = await self.core.locale_of(request_of(user, message.chat, None, item))
            await self.answers.fleeting(chat_id, locale, key=key)


__all__ = ["Role", "TelegramAdapter"]
