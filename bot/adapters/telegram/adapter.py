"""The Telegram adapter: updates in (through the inbox), requests to the core, answers out.

python-telegram-bot's `Bot` does the HTTP; the update loop, the webhook endpoint and the routing
are ours, so that nothing is confirmed to Telegram before it is stored (see `receive`).
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from telegram import Bot, CallbackQuery, Chat, Message, Update, User

from bot.adapters.telegram.answers import Answers, is_toast
from bot.adapters.telegram.outage import DownNotices
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
from bot.domain.model import Role, SpaceRef, UserRef
from bot.domain.policy import ROLE_BLIND

log = logging.getLogger(__name__)
Follow = Callable[[], Awaitable[None]]  # what follows a press's answer (a message to send)
ANSWERABLE = timedelta(seconds=14)  # Telegram refuses callback answers after about 15 s
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

    async def handle(self, item: InboxItem) -> None:
        """One stored update, start to finish; it is marked handled whatever happens, so a
        poisonous update is logged once rather than replayed forever. But not when the
        database was away: its sender is told, and it stays in the inbox (StoreUnavailable
        goes on to the inbox, which takes it up again once the database answers)."""
        try:
            update = Update.de_json(_lean(json.loads(item.payload)), self.bot)
            await self._route(update, item)
        except StoreUnavailable:
            await self.down.tell([json.loads(item.payload)])  # whole: `_lean` trims a press
            raise
        except BaseException:
            self.receipts.handled(item.id)
            raise
        self.receipts.handled(item.id)

    async def _route(self, update: Update, item: InboxItem) -> None:
        if update.callback_query is not None:
            told = self.down.told(update.update_id)
            await self._pressed(update.callback_query, item, told=told)
        elif update.my_chat_member is not None:
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
            reply = await self._deep_link(
                rest.strip(), self._request(user, message.chat, None, item)
            )
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
        req = self._request(user, message.chat, raw, item)
        req = await self._with_roles(req, spec.name if spec else None, message.chat, user)
        reply = await self.core.handle_text(req)
        _still_down(reply)
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
        ref = _ref(user)
        if ref in self._known:  # asked once per process: every private message comes here
            return
        if await is_known_member(self.core.store, ref):
            self._known.add(ref)
            return
        found = []
        for community_id, chat_id in await platform_spaces(self.core.store, "telegram"):
            if community_id not in found and await self.roles.present(int(chat_id), user.id):
                found.append(community_id)
        if found:
            await enroll(self.core.store, ref, user.full_name, found, self.core.clock.now())
            self._known.add(ref)

    async def _deep_link(self, payload: str, req: Request) -> Reply:
        """`/start join_12`: the private chat opened from a group button, the action run."""
        try:
            action = codec.parse_deep_link(payload)
        except codec.CodecError:
            return _still_down(await self.core.handle_text(replace(req, raw="/help")))
        return _still_down(await links.follow(self.core, req, action))

    async def _reply_typed(
        self, message: Message, user: User, reply: Reply, item: InboxItem
    ) -> None:
        if not reply.messages:
            return
        chat_id = str(message.chat.id)
        key = f"reply:{item.id}"
        if message.chat.type == Chat.PRIVATE or reply.public:
            await self.answers.in_chat(chat_id, reply, key=key)
        elif not await self.answers.privately(_ref(user), reply, key=key):
            locale = await self.core.locale_of(self._request(user, message.chat, None, item))
            await self.answers.fleeting(chat_id, locale, key=key)

    # --- buttons ----------------------------------------------------------------------------

    async def _pressed(self, query: CallbackQuery, item: InboxItem, *, told: bool) -> None:
        """`told`: the press was answered already, while the database was away (a press takes
        one answer only); its outcome then comes privately, at once."""
        user, data = query.from_user, query.data or ""
        chat = query.message.chat if query.message is not None else None
        in_group = chat is not None and chat.type != Chat.PRIVATE
        try:
            action: codec.Action | None = codec.decode(data)
        except codec.CodecError:
            action = None
        if action is not None and action.name == "forgetme":
            self._known.discard(_ref(user))  # their memberships may be about to go
        req = self._request(user, chat, data, item)
        req = await self._with_roles(req, action.name if action else None, chat, user)
        now = self.core.clock.now()
        late = told or now - item.received_at > ANSWERABLE
        if in_group and action is not None and action.name == "ask":
            return await self._ask_from_group(query, req, action, late)
        # A press whose effect is committed owes its answer in the ledger too (due when Telegram
        # stops taking answers): answered below, that copy is withdrawn; not answered (too late,
        # or the process died first), the sender delivers it privately.
        answer_by = now if told else item.received_at + ANSWERABLE
        reply = await self.core.handle_action(replace(req, answer_by=answer_by))
        _still_down(reply)
        if not reply.messages:
            return
        owed = reply.ok  # a refusal changed nothing and owes nothing
        if late:
            if not owed and await self.answers.can_write(req.actor):
                await self.answers.privately(req.actor, _late(reply), key=f"reply:{item.id}")
            return
        answered, then = await self._answer_press(query, req, reply, action, in_group, item)
        if then is not None:
            await then()  # the owed copy stays until this too is done (a crash may come first)
        if answered and owed:
            self.receipts.answered(item.id)

    async def _answer_press(
        self,
        query: CallbackQuery,
        req: Request,
        reply: Reply,
        action: codec.Action | None,
        in_group: bool,
        item: InboxItem,
    ) -> tuple[bool, Follow | None]:
        """Answers the press at once: its answer never waits for the send limits that reminders
        share (Telegram puts none on answerCallbackQuery). What is sent as a message (privately
        or in the chat) is returned, to follow the answer. False when Telegram said the press
        is already too old."""
        key = f"reply:{item.id}"
        if not in_group or reply.public:
            where = req.space.id if req.space is not None and reply.public else req.actor.id
            if not await self.answers.toast(query.id):
                return False, None
            return True, lambda: self.answers.in_chat(where, reply, key=key)
        # Read with the command itself; asked again only for a reply that did not say.
        writable = reply.reachable
        if writable is None:
            writable = await self.answers.can_write(req.actor)
        live = action.args.get("live") if action is not None else None
        if action is not None and action.name == "join" and reply.ok and not writable and live:
            # Signed up; one tap on the link opens the private chat so reminders can come there.
            link = self.answers.link(codec.deep_link("join", int(live)))
            return await self.answers.toast(query.id, url=link), None
        if is_toast(reply):
            return await self.answers.toast(query.id, reply.text), None
        if writable:
            said = Text(reply.text.locale, "telegram.sent_private")
            if not await self.answers.toast(query.id, said):
                return False, None
            return True, lambda: self._privately_or_note(req, reply, key)
        url = self.answers.link(codec.deep_link("live", int(live))) if live else None
        return await self.answers.toast(query.id, reply.text, url=url), None

    async def _privately_or_note(self, req: Request, reply: Reply, key: str) -> None:
        """The private message announced by the answer; refused (the member blocked the bot
        since), a short note in the group with the one-tap link tells them where to look."""
        if not await self.answers.privately(req.actor, reply, key=key) and req.space is not None:
            await self.answers.fleeting(req.space.id, reply.text.locale, key=key)

    async def _ask_from_group(
        self, query: CallbackQuery, req: Request, action: codec.Action, late: bool
    ) -> None:
        """Questions are asked in the private chat: there if the bot can write, else one tap."""
        ref = req.actor
        if await self.answers.can_write(ref):
            reply = await self.core.guide(replace(req, space=None), "ask", action.args)
            _still_down(reply)
            if await self.answers.privately(ref, reply, key=f"ask:{query.id}"):
                return await self._toast(
                    query, Text(reply.text.locale, "telegram.continue_private"), late
                )
        link = self.answers.link(codec.deep_link("ask", int(action.args["live"])))
        await self._toast(query, None, late, url=link)

    async def _toast(
        self, query: CallbackQuery, text: Text | None, late: bool, *, url: str | None = None
    ) -> None:
        if late or not await self.answers.toast(query.id, text, url=url):
            log.info("button press of %s answered too late for Telegram", query.from_user.id)

    # --- requests -----------------------------------------------------------------------------

    def _request(self, user: User, chat: Chat | None, raw: str | None, item: InboxItem) -> Request:
        group = chat is not None and chat.type != Chat.PRIVATE
        return Request(
            actor=_ref(user),
            command="",
            args={},
            space=SpaceRef("telegram", str(chat.id)) if group and chat else None,
            display_name=user.full_name,
            locale=user.language_code,
            username=user.username,
            raw=raw,
            dm=not group,  # a private update proves the bot may write back
            receipt=item.id,
        )

    async def _with_roles(
        self, req: Request, command: str | None, chat: Chat | None, user: User
    ) -> Request:
        """Asks Telegram for roles only when the command's outcome depends on them."""
        if command is None or command in ROLE_BLIND:
            return req
        if req.space is not None and chat is not None:
            return replace(req, facts=await self.roles.in_group(chat.id, user.id))
        return replace(req, community_facts=await self.roles.per_community(user.id))


def _ref(user: User) -> UserRef:
    return UserRef("telegram", str(user.id))


_PRESSED_ON = ("message_id", "date", "chat")  # what a press's handling reads of its message


def _lean(update: dict[str, Any]) -> dict[str, Any]:
    """A press carries the whole message its button is on (an announcement: its text, entities
    and keyboard); only where it was is read. PTB parses the press without it in 0.19-0.31 ms
    of CPU against 0.31-0.44 ms with it (measured on the shared machine), on the event loop."""
    query = update.get("callback_query")
    message = query.get("message") if isinstance(query, dict) else None
    if isinstance(message, dict):
        query["message"] = {k: message[k] for k in _PRESSED_ON if k in message}
    return update


def _still_down(reply: Reply) -> Reply:
    """The core could not reach the database: the update is not done (see `handle`)."""
    if reply.store_down:
        raise StoreUnavailable("the core could not reach it")
    return reply


def _late(reply: Reply) -> Reply:
    """A press answered after Telegram's deadline: the private message says it came late."""
    note = OutMessage(Text(reply.text.locale, "telegram.late"))
    return replace(reply, messages=(note, *reply.messages))


__all__ = ["Role", "TelegramAdapter"]
