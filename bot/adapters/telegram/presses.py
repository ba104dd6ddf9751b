"""Button presses: stored first (the inbox), then the core's action, then the answer at once.

A press is read from Telegram's JSON (`people.Press`), not PTB's `Update`: see `people.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import timedelta

from bot.adapters.telegram.answers import Answers, is_toast
from bot.adapters.telegram.people import Press, ref, request_of, with_roles
from bot.adapters.telegram.receive import Receipts
from bot.adapters.telegram.roles import Roles
from bot.core import codec
from bot.core.dispatcher import Core
from bot.core.inbox import InboxItem
from bot.core.messages import OutMessage, Reply, Request, Text
from bot.core.ports import StoreUnavailable
from bot.domain.model import UserRef

log = logging.getLogger(__name__)
Follow = Callable[[], Awaitable[None]]  # what follows a press's answer (a message to send)
ANSWERABLE = timedelta(seconds=14)  # Telegram refuses callback answers after about 15 s


class Presses:
    """`known`: the adapter's set of members known to belong to a community (a press of
    "forget me" takes its member out of it)."""

    def __init__(
        self,
        core: Core,
        answers: Answers,
        roles: Roles,
        receipts: Receipts,
        known: set[UserRef],
    ) -> None:
        self.core, self.answers, self.roles = core, answers, roles
        self.receipts, self._known = receipts, known

    async def pressed(self, query: Press, item: InboxItem, *, told: bool) -> None:
        """`told`: the press was answered already, while the database was away (a press takes
        one answer only); its outcome then comes privately, at once."""
        user, data, chat = query.from_user, query.data or "", query.chat
        in_group = chat is not None and chat.type != "private"
        try:
            action: codec.Action | None = codec.decode(data)
        except codec.CodecError:
            action = None
        if action is not None and action.name == "forgetme":
            self._known.discard(ref(user))  # their memberships may be about to go
        req = request_of(user, chat, data, item)
        req = await with_roles(self.roles, req, action.name if action else None, chat, user)
        now = self.core.clock.now()
        late = told or now - item.received_at > ANSWERABLE
        if in_group and action is not None and action.name == "ask":
            return await self._ask_from_group(query, req, action, late)
        # A press whose effect is committed owes its answer in the ledger too (due when Telegram
        # stops taking answers): answered below, that copy is withdrawn; not answered (too late,
        # or the process died first), the sender delivers it privately.
        answer_by = now if told else item.received_at + ANSWERABLE
        reply = await self.core.handle_action(replace(req, answer_by=answer_by))
        still_down(reply)
        if not reply.messages:
            return
        owed = reply.ok  # a refusal changed nothing and owes nothing
        if late:
            if not owed and await self.answers.can_write(req.actor):
                await self.answers.privately(req.actor, _late(reply), key=f"reply:{item.id}")
            return
        answered, then = await self._answer(query, req, reply, action, in_group, item)
        if then is not None:
            await then()  # the owed copy stays until this too is done (a crash may come first)
        if answered and owed:
            self.receipts.answered(item.id)

    async def _answer(
        self,
        query: Press,
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
        self, query: Press, req: Request, action: codec.Action, late: bool
    ) -> None:
        """Questions are asked in the private chat: there if the bot can write, else one tap."""
        actor = req.actor
        if await self.answers.can_write(actor):
            reply = await self.core.guide(replace(req, space=None), "ask", action.args)
            still_down(reply)
            if await self.answers.privately(actor, reply, key=f"ask:{query.id}"):
                return await self._toast(
                    query, Text(reply.text.locale, "telegram.continue_private"), late
                )
        link = self.answers.link(codec.deep_link("ask", int(action.args["live"])))
        await self._toast(query, None, late, url=link)

    async def _toast(
        self, query: Press, text: Text | None, late: bool, *, url: str | None = None
    ) -> None:
        if late or not await self.answers.toast(query.id, text, url=url):
            log.info("button press of %s answered too late for Telegram", query.from_user.id)


def still_down(reply: Reply) -> Reply:
    """The core could not reach the database: the update is not done (see `adapter.handle`)."""
    if reply.store_down:
        raise StoreUnavailable("the core could not reach it")
    return reply


def _late(reply: Reply) -> Reply:
    """A press answered after Telegram's deadline: the private message says it came late."""
    note = OutMessage(Text(reply.text.locale, "telegram.late"))
    return replace(reply, messages=(note, *reply.messages))
