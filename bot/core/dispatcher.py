"""The core's single entry: a request in, a reply out, every change in one transaction."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import caller, codec
from bot.core.changes import of_request
from bot.core.context import Context, CoreConfig, Refusal
from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message
from bot.core.delivery.planning import close_unstarted, owe_late_answer
from bot.core.delivery.vocabulary import late_answer_key
from bot.core.fields import FieldsError, parse_fields
from bot.core.flood import FloodGate
from bot.core.guided_forms import GuidedForms
from bot.core.messages import CommandRef, OutMessage, Raw, Reply, Request, Text, rebuilt
from bot.core.ports import AUTO_END, Change, Clock, Store, StoreUnavailable, UnitOfWork
from bot.core.registry import HANDLERS, field_words
from bot.core.typos import refuse_unknown
from bot.domain.commands import COMMANDS, resolve
from bot.domain.model import Role, UserRef
from bot.domain.policy import may
from bot.i18n.catalog import supported

log = logging.getLogger(__name__)
_QUESTION_ARGS = frozenset({"question", "into"})
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
        self.forms = GuidedForms(store, clock, config, self.handle, self.locale_of, self.zone_of)
        self.conversations = self.forms.conversations  # who waits on which form (the shell)
        # Told each change once committed (the live console refreshes what it shows, the pages
        # forget what they kept), this process's and, through a ChangeFeed, the others' (each
        # unit tells them itself, in its transaction: `uow.changes`); a
        # watcher must return at once.
        self.watchers: list[Callable[[Change], None]] = []
        # Told how long each request took (command name, seconds, answered ok): the metrics'
        # latency histogram. Must return at once.
        self.timers: list[Callable[[str, float, bool], None]] = []

    async def handle_text(self, req: Request) -> Reply:
        """A line typed by a person: `/command args`, or an answer in a guided conversation."""
        try:
            return await self._handle_text(req)
        except StoreUnavailable as down:  # read before the use case (a guided form's checks)
            return self.unavailable(req, down)

    async def _handle_text(self, req: Request) -> Reply:
        line = (req.raw or "").strip()
        if not line.startswith("/"):
            return await self.forms.answer(req, line)
        word = line.split(maxsplit=1)[0]
        rest = line[len(word) :].lstrip(" \t")  # a newline stays: it starts a multi-line form
        spec = resolve(word)
        name = spec.name if spec else word.lstrip("/")
        if spec is not None and spec.name == "stop":
            return await self.forms.stop(req)
        if spec is not None and not rest.strip() and self.conversations.can_guide(spec.name):
            return await self.forms.start(req, spec.name)
        return await self.handle(rebuilt(req, command=name, raw=rest))

    async def guide(
        self, req: Request, command: str, values: dict[str, str] | None = None
    ) -> Reply:
        """Starts a guided form (`values` already known, e.g. the live of an Ask button)."""
        try:
            return await self.forms.start(req, command, values)
        except StoreUnavailable as down:
            return self.unavailable(req, down)

    async def handle_action(self, req: Request) -> Reply:
        """A button press: `req.raw` holds the encoded action."""
        try:
            return await self._handle_action(req)
        except StoreUnavailable as down:
            return self.unavailable(req, down)

    async def _handle_action(self, req: Request) -> Reply:
        try:
            action = codec.decode(req.raw or "")
        except codec.CodecError:
            return await self.handle(rebuilt(req, command="?button", raw=None))
        if action.name == "stop":
            return await self.forms.stop(req)
        if action.name == "ask":  # the Ask button: the live is known, the question is asked for
            return await self.forms.start(req, "ask", action.args)
        # A button names a question by its id: `Q45`, never a bare number that a moderation
        # space's digests would read as one of their numbers.
        args = {k: f"Q{v}" if k in _QUESTION_ARGS else v for k, v in action.args.items()}
        # First in line for the database: a member is waiting on the button (Telegram's 15 s,
        # Discord's 3 s), while the sender's claims and records queued with it wait for nobody.
        return await self.handle(rebuilt(req, command=action.name, raw=None, args=args), first=True)

    async def handle(self, req: Request, *, first: bool = False) -> Reply:
        """Runs the use case in one transaction; a refusal rolls it back and is the answer.
        `first`: the unit goes ahead of the units waiting for the database (a press)."""
        started = time.perf_counter()
        reply = await self._handle(req, first)
        took = time.perf_counter() - started
        for timer in self.timers:
            timer(req.command, took, reply.ok)
        return reply

    async def _handle(self, req: Request, first: bool = False) -> Reply:
        try:
            reply, owed_at, change = await self.store.run(
                lambda uow: self._process(uow, req), first=first
            )
        except _AlreadyHandled:
            log.info("inbox item %s was handled already: not acting twice", req.receipt)
            return Reply(())
        except Refusal as said_no:
            reachable = await self._remember(req)
            return Reply((OutMessage(said_no.text),), ok=False, reachable=reachable)
        except StoreUnavailable as down:  # rolled back whole, or never begun
            return self.unavailable(req, down)
        except Exception:
            log.exception("command %s failed", req.command)
            return Reply((OutMessage(Text(self.config.language, "error.internal")),), ok=False)
        if owed_at is not None and self.outbox is not None:
            await self.outbox.owed_at(owed_at)
        if reply.ok and change is not None:  # told to the other processes by the unit itself
            self.changed(change)
        return reply

    def changed(self, change: Change) -> None:
        """Tells every watcher about a committed change (made here, or heard from elsewhere)."""
        for watcher in self.watchers:
            watcher(change)

    async def _process(
        self, uow: UnitOfWork, req: Request
    ) -> tuple[Reply, datetime | None, Change | None]:
        """Inside the transaction: the use case, then the ledger rows of what it owes others."""
        # The inbox item is marked handled in the same transaction as its effects: after a
        # crash it is either done (and never replayed) or not done at all (and replayed).
        if req.receipt is not None and not await uow.inbox.done(req.receipt, self.clock.now()):
            raise _AlreadyHandled
        if req.actor in self.forms.finishing:  # a guided form's command: the form goes with it
            await uow.conversations.drop(req.actor)
        ctx = await caller.context(uow, req, self.clock, self.config)
        reply = replace(await self._run(ctx), reachable=not ctx.member.dm_unreachable)
        now = self.clock.now()
        if req.answer_by is not None and req.receipt is not None and reply.messages:
            await owe_late_answer(uow, req, reply, ctx.locale, ctx.member.id, req.answer_by)
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
        change = of_request(ctx.req, ctx.community.id if ctx.community else None)
        if change is not None and reply.ok:
            # In the transaction: the other processes hear of it when, and only if, it commits.
            await uow.changes.tell(change)
        return reply, uow.deliveries.earliest, change

    async def end_automatically(self, live_id: int) -> None:
        """Two hours after its planned end a live still open is closed as by /end; one that
        never went on air is simply marked ended."""
        closing = Request(SYSTEM, "end", {"live": str(live_id)}, None, frozenset({Role.ORGANIZER}))
        reply = await self.handle(closing)
        if reply.ok:
            log.info("live %s ended automatically", live_id)
            return
        now = self.clock.now()
        ended = Change(AUTO_END, live_id=live_id)

        async def close(uow: UnitOfWork) -> bool:
            closed = await close_unstarted(uow, live_id, now)
            if closed:
                await uow.changes.tell(ended)
            return closed

        if await self.store.run(close):
            log.info("live %s never went on air: marked ended", live_id)
            self.changed(ended)
        else:
            log.warning("live %s could not be ended automatically: %s", live_id, reply.text.key)

    async def locale_of(self, req: Request) -> str:
        """The language to answer this person in, without changing anything."""
        return await caller.locale_of(self.store, req, self.config)

    async def zone_of(self, req: Request) -> ZoneInfo:
        """The time zone to show this person dates in, without changing anything."""
        return await caller.zone_of(self.store, req, self.config)

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
            refuse_unknown(ctx, req.command, req.raw)
        handler = HANDLERS.get(spec.name)
        if handler is None:  # declared, but its module was not loaded (`usecases.load_all`)
            raise LookupError(f"/{spec.name} has no handler")
        if req.raw is not None:
            try:
                ctx.req = rebuilt(req, args=parse_fields(req.raw, spec.shape))
            except FieldsError as bad:
                ctx.refuse(
                    f"error.fields.{bad.code}",
                    detail=bad.detail,
                    command=CommandRef(spec.name),
                    fields=Raw(field_words(spec, ctx.locale)),
                    example=ctx.example(spec.name),
                )
        if req.space is None and ctx.arg("live"):
            # In a private chat the live named decides the community (whatever the member's
            # memberships); never in a group that is not linked: its role facts describe that
            # group, and must not open another community's live to its admins.
            await caller.community_from_live(ctx)
        if spec.needs_community and ctx.community is None:
            ctx.refuse("error.no_community")
        if not may(spec.name, ctx.roles):
            ctx.refuse("error.forbidden", command=CommandRef(spec.name))
        return await handler(ctx)

    def unavailable(self, req: Request, down: StoreUnavailable) -> Reply:
        """The database does not answer: said in the person's language as far as it is known
        without it (their platform's), and never as an internal error. An update kept in an
        inbox (`receipt`) is handled once the database is back, and the words say so."""
        log.warning(
            "%s not done: the database is unavailable (%s)", req.command or "request", down.kind
        )
        locale = supported(req.locale) or self.config.language
        key = (
            "error.store_unavailable_kept" if req.receipt is not None else "error.store_unavailable"
        )
        return Reply((OutMessage(Text(locale, key)),), ok=False, store_down=True)

    async def _remember(self, req: Request) -> bool | None:
        """A refusal rolls the command back, but not the fact that the bot has seen this person
        (else `/host bob` right after bob's refused command would not know bob), nor that the
        inbox item was handled (a refusal changed nothing, so answering it again is harmless).
        Returns whether a private message reaches them (None if that could not be read)."""
        try:
            return await self.store.run(lambda uow: self._seen_refused(uow, req))
        except StoreUnavailable as down:
            log.warning("could not record %s after a refusal (%s)", req.actor, down.kind)
            return None
        except Exception:
            log.exception("could not record %s after a refusal", req.actor)
            return None

    async def _seen_refused(self, uow: UnitOfWork, req: Request) -> bool:
        member, _ = await caller.seen(uow, req, self.clock.now())
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
                await uow.deliveries.expire_key(late_answer_key(receipt), "answered", now)
            for receipt in handled:
                await uow.inbox.done(receipt, now)

        # First in line: under a burst, a press answered but not yet marked is told twice if
        # the process dies; this small unit must not wait behind the presses queued after it.
        await self.store.run(work, first=True)


class _AlreadyHandled(Exception):
    """The inbox item was handled by an earlier run: nothing must happen twice."""


__all__ = ["Core", "UserRef"]
