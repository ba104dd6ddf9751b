"""The core's single entry: a request in, a reply out, every change in one transaction."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core import codec
from bot.core.community.repositories import Place
from bot.core.context import Context, CoreConfig, Refusal, locale_for
from bot.core.conversation import FORM_CHECKS, Conversations
from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message
from bot.core.delivery.planning import LATE_ANSWER, refresh_announcements, unplan_live
from bot.core.fields import FieldsError, parse_fields, parse_live_ref
from bot.core.flood import FloodGate
from bot.core.lives.pickers import command_meant, typed_as
from bot.core.messages import Destination, OutMessage, Reply, Request, Text
from bot.core.ports import Clock, Store, UnitOfWork
from bot.core.registry import COMMANDS, resolve
from bot.domain.model import Community, LiveStatus, Member, Role, UserRef
from bot.domain.policy import may
from bot.i18n.catalog import supported

log = logging.getLogger(__name__)
SYSTEM = UserRef("core", "solidaire")  # the bot itself, when it acts on its own schedule


class Core:
    """Dispatches requests to use cases; adapters hold a reference to it."""

    def __init__(
        self, store: Store, clock: Clock, config: CoreConfig, outbox: Outbox | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.outbox = outbox
        self.flood = FloodGate()
        self.conversations = Conversations()

    async def handle_text(self, req: Request) -> Reply:
        """A line typed by a person: `/command args`, or an answer in a guided conversation."""
        line = (req.raw or "").strip()
        if not line.startswith("/"):
            return await self.conversations.answer(self, req, line)
        word = line.split(maxsplit=1)[0]
        rest = line[len(word) :].lstrip(" \t")  # a newline stays: it starts a multi-line form
        spec = resolve(word)
        name = spec.name if spec else word.lstrip("/")
        if spec is not None and spec.name == "stop":
            return await self.conversations.stop(self, req)
        if spec is not None and not rest.strip() and self.conversations.can_guide(spec.name):
            return await self.guide(req, spec.name)
        return await self.handle(_with(req, command=name, raw=rest))

    async def guide(
        self, req: Request, command: str, values: dict[str, str] | None = None
    ) -> Reply:
        """Starts a guided form (`values` already known, e.g. the live of an Ask button)."""
        refused = await self._refuse_guide(req, command)
        return refused or await self.conversations.start(self, req, command, values)

    async def handle_action(self, req: Request) -> Reply:
        """A button press: `req.raw` holds the encoded action."""
        try:
            action = codec.decode(req.raw or "")
        except codec.CodecError:
            return await self.handle(_with(req, command="?button", raw=None))
        if action.name == "stop":
            return await self.conversations.stop(self, req)
        if action.name == "ask":  # the Ask button: the live is known, the question is asked for
            return await self.guide(req, "ask", action.args)
        return await self.handle(_with(req, command=action.name, raw=None, args=action.args))

    async def handle(self, req: Request) -> Reply:
        """Runs the use case in one transaction; a refusal rolls it back and is the answer."""
        try:
            reply, owed_at = await self.store.run(lambda uow: self._process(uow, req))
        except _AlreadyHandled:
            log.info("inbox item %s was handled already: not acting twice", req.receipt)
            return Reply(())
        except Refusal as said_no:
            reachable = await self._remember(req)
            return Reply((OutMessage(said_no.text),), ok=False, reachable=reachable)
        except Exception:
            log.exception("command %s failed", req.command)
            return Reply((OutMessage(Text(self.config.language, "error.internal")),), ok=False)
        if owed_at is not None and self.outbox is not None:
            await self.outbox.owed_at(owed_at)
        return reply

    async def _process(self, uow: UnitOfWork, req: Request) -> tuple[Reply, datetime | None]:
        """Inside the transaction: the use case, then the ledger rows of what it owes others."""
        # The inbox item is marked handled in the same transaction as its effects: after a
        # crash it is either done (and never replayed) or not done at all (and replayed).
        if req.receipt is not None and not await uow.inbox.done(req.receipt, self.clock.now()):
            raise _AlreadyHandled
        ctx = await self._context(uow, req)
        reply = replace(await self._run(ctx), reachable=not ctx.member.dm_unreachable)
        now = self.clock.now()
        if req.answer_by is not None and req.receipt is not None and reply.messages:
            await _owe_answer(uow, ctx, req, reply, req.answer_by)
        for notice in ctx.notices:
            await uow.deliveries.add(
                notice.key,
                notice.kind,
                now,
                notice.dest,
                dump_message(notice.message),
                notice.member_id,
                notice.live_id,
            )
        return reply, uow.deliveries.earliest

    async def check(self, req: Request, command: str, values: Mapping[str, str]) -> Text | None:
        """Checks the answers of a guided form so far: what is wrong with them, or None."""
        checker = FORM_CHECKS.get(command)
        if checker is None:
            return None

        async def work(uow: UnitOfWork) -> None:
            ctx = await self._context(uow, _with(req, command=command, args=values, raw=None))
            if req.space is None and ctx.arg("live"):
                await self._community_from_live(ctx)
            await checker(ctx)

        try:
            await self.store.run(work)
        except Refusal as said_no:
            return said_no.text
        return None

    async def _refuse_guide(self, req: Request, name: str) -> Reply | None:
        """Says no before the first question of a guided form rather than after its last answer."""
        spec = COMMANDS[name]
        ctx = await self.store.run(lambda uow: self._context(uow, req))
        # A form that names a live may find its community from it (in a private chat).
        if spec.needs_community and ctx.community is None and "live" not in spec.shape.allowed:
            key = "error.no_community"
        elif not may(name, ctx.roles):
            key = "error.forbidden"
        else:
            return None
        return Reply((OutMessage(ctx.t(key, command=name)),), ok=False)

    async def end_automatically(self, live_id: int) -> None:
        """Two hours after its planned end a live still open is closed as by /end; one that
        never went on air is simply marked ended."""
        closing = Request(SYSTEM, "end", {"live": str(live_id)}, None, frozenset({Role.ORGANIZER}))
        reply = await self.handle(closing)
        if reply.ok:
            log.info("live %s ended automatically", live_id)
            return
        now = self.clock.now()
        if await self.store.run(lambda uow: _close_unstarted(uow, live_id, now)):
            log.info("live %s never went on air: marked ended", live_id)
        else:
            log.warning("live %s could not be ended automatically: %s", live_id, reply.text.key)

    async def locale_of(self, req: Request) -> str:
        """The language to answer this person in, without changing anything."""
        member, community = await self.store.run(lambda uow: self._who(uow, req))
        if member is None:
            hinted = supported(req.locale)
            return hinted or (community.language if community else self.config.language)
        return locale_for(member, community, self.config)

    async def _who(self, uow: UnitOfWork, req: Request) -> tuple[Member | None, Community | None]:
        member = await uow.members.by_ref(req.actor)
        if req.space is None:
            return member, None
        # The same lookup every command makes; member id 0 matches no host grant (ids start at 1).
        place = await uow.communities.place(
            req.space.platform, req.space.id, member.id if member else 0
        )
        return member, place.community if place else None

    async def _run(self, ctx: Context) -> Reply:
        req = ctx.req
        if (
            req.actor != SYSTEM  # the bot's own schedule is never a flood
            and self.config.flood_limits
            and not self.flood.allow(req.actor, ctx.clock.now())
        ):
            ctx.refuse("error.flood_commands")
        spec = COMMANDS.get(req.command)
        if spec is None:
            meant = command_meant(req.command) if req.raw is not None else None  # typed
            if meant is not None:
                suggestion = typed_as(meant, req.raw or "", ctx.locale)
                ctx.refuse(
                    "error.unknown_command_suggest", command=req.command, suggestion=suggestion
                )
            ctx.refuse("error.unknown_command", command=req.command[:32])
        if req.raw is not None:
            try:
                ctx.req = _with(req, args=parse_fields(req.raw, spec.shape))
            except FieldsError as bad:
                ctx.refuse(f"error.fields.{bad.code}", detail=bad.detail, command=spec.name)
        if req.space is None and ctx.arg("live"):
            # In a private chat the live named decides the community (whatever the member's
            # memberships); never in a group that is not linked: its role facts describe that
            # group, and must not open another community's live to its admins.
            await self._community_from_live(ctx)
        if spec.needs_community and ctx.community is None:
            ctx.refuse("error.no_community")
        if not may(spec.name, ctx.roles):
            ctx.refuse("error.forbidden", command=spec.name)
        return await spec.handler(ctx)

    async def _community_from_live(self, ctx: Context) -> None:
        """In a private chat, the live named decides which community we are talking about."""
        live_id = parse_live_ref(ctx.arg("live") or "")
        live = await ctx.uow.lives.get(live_id) if live_id is not None else None
        if live is None:
            return
        ctx.community = await ctx.uow.communities.get(live.community_id)
        ctx.roles = await self._roles(ctx.uow, ctx.req, ctx.community, ctx.member.id)

    async def _remember(self, req: Request) -> bool | None:
        """A refusal rolls the command back, but not the fact that the bot has seen this person
        (else `/host bob` right after bob's refused command would not know bob), nor that the
        inbox item was handled (a refusal changed nothing, so answering it again is harmless).
        Returns whether a private message reaches them (None if that could not be read)."""
        try:
            return await self.store.run(lambda uow: self._seen_refused(uow, req))
        except Exception:
            log.exception("could not record %s after a refusal", req.actor)
            return None

    async def _seen_refused(self, uow: UnitOfWork, req: Request) -> bool:
        member, _ = await self._seen(uow, req)
        if req.receipt is not None:
            await uow.inbox.done(req.receipt, self.clock.now())
        return not member.dm_unreachable

    async def settle(self, answered: Sequence[int], handled: Sequence[int]) -> None:
        """In one transaction: presses the platform took an answer for in time (the private
        copy owed for safety is withdrawn), and inbox items handled without a use case (a
        refusal, a guided prompt); marking an item twice is harmless."""
        now = self.clock.now()

        async def work(uow: UnitOfWork) -> None:
            for receipt in answered:
                await uow.deliveries.expire_key(_answer_key(receipt), "answered", now)
            for receipt in handled:
                await uow.inbox.done(receipt, now)

        # First in line: under a burst, a press answered but not yet marked is told twice if
        # the process dies; this small unit must not wait behind the presses queued after it.
        await self.store.run(work, first=True)

    async def _seen(self, uow: UnitOfWork, req: Request) -> tuple[Member, Place | None]:
        """Records the person (and their membership of the place's community); returns both."""
        now = self.clock.now()
        member = await uow.members.upsert(
            req.actor, req.display_name or req.actor.id, req.username, req.locale, now, req.dm
        )
        place = None
        if req.space is not None:
            place = await uow.communities.place(req.space.platform, req.space.id, member.id)
        if place is not None and not place.member:  # a known member is not written again
            await uow.communities.add_membership(place.community.id, member.id, now)
        return member, place

    async def _context(self, uow: UnitOfWork, req: Request) -> Context:
        member, place = await self._seen(uow, req)
        if place is not None:
            granted = {Role.HOST} if place.granted_host else set()
            roles = frozenset(req.facts | {Role.MEMBER} | granted)
            return Context(
                req, uow, self.clock, self.config, member, place.space, place.community, roles
            )
        community: Community | None = None
        if req.space is None:  # a private chat; a group not linked belongs to no community
            mine = await uow.communities.communities_of(member.id)
            if len(mine) == 1:
                community = await uow.communities.get(mine[0])
        roles = await self._roles(uow, req, community, member.id)
        return Context(req, uow, self.clock, self.config, member, None, community, roles)

    async def _roles(
        self, uow: UnitOfWork, req: Request, community: Community | None, member_id: int
    ) -> frozenset[Role]:
        facts = req.facts
        if req.community_facts is not None:
            facts = req.community_facts.get(community.id, frozenset()) if community else frozenset()
        roles = set(facts) | {Role.MEMBER}
        if community is not None and await uow.communities.is_granted_host(community.id, member_id):
            roles.add(Role.HOST)
        return frozenset(roles)


async def _close_unstarted(uow: UnitOfWork, live_id: int, now: datetime) -> bool:
    """A live that never went on air, two hours after its planned end: ended, owing nothing."""
    if not await uow.lives.set_status(live_id, [LiveStatus.SCHEDULED], LiveStatus.ENDED, now):
        return False
    live = await uow.lives.get(live_id)
    assert live is not None
    await unplan_live(uow, live, "ended", now)
    await refresh_announcements(uow, live, now)
    return True


def _answer_key(receipt: int) -> str:
    return f"answer:inbox={receipt}"


async def _owe_answer(
    uow: UnitOfWork, ctx: Context, req: Request, reply: Reply, due: datetime
) -> None:
    """The answer, owed privately once the platform's deadline has passed (unless answered)."""
    first = reply.messages[0]
    late = OutMessage(Text(ctx.locale, "answer.late", {"answer": first.text}), first.buttons)
    dest = Destination(req.actor.platform, req.actor.id, private=True)
    await uow.deliveries.add(
        _answer_key(req.receipt or 0),
        LATE_ANSWER,
        due,
        dest,
        dump_message(late),
        ctx.member.id,
        None,
    )


class _AlreadyHandled(Exception):
    """The inbox item was handled by an earlier run: nothing must happen twice."""


_KEEP = "\x00keep"


def _with(
    req: Request,
    *,
    command: str | None = None,
    raw: str | None = _KEEP,
    args: Mapping[str, str] | None = None,
) -> Request:
    return replace(
        req,
        command=command if command is not None else req.command,
        args=dict(args) if args is not None else dict(req.args),
        raw=req.raw if raw == _KEEP else raw,
    )


__all__ = ["Core", "UserRef"]
