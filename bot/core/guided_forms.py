"""The dispatcher's side of a guided form: the person's form read and kept in the database,
each answer checked as it comes, and the finished command run through the core.

Why apart from the dispatcher: `conversation` is a pure state machine that says what comes
next; this is the reading, checking and keeping around it (a form lives in the database so
that any process, e.g. several webhook workers, takes the next line), which the dispatcher only
routes to. The finished command itself goes back through the core's `handle`, one transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.core import caller
from bot.core.context import CoreConfig, Refusal
from bot.core.conversation import Ask, Check, Conversations, Done, prompt
from bot.core.conversation_repo import FORM_TTL
from bot.core.messages import CommandRef, OutMessage, Reply, Request, Text, rebuilt
from bot.core.ports import Clock, Store, StoreUnavailable, UnitOfWork
from bot.core.registry import FORM_CHECKS
from bot.core.typos import not_an_answer
from bot.domain.commands import COMMANDS
from bot.domain.model import UserRef
from bot.domain.policy import may

Handle = Callable[[Request], Awaitable[Reply]]
Read = Callable[[Request], Awaitable[str]]
ReadZone = Callable[[Request], Awaitable[ZoneInfo]]


class GuidedForms:
    """Starts, answers, stops and finishes each person's guided form."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        config: CoreConfig,
        handle: Handle,
        locale_of: Read,
        zone_of: ReadZone,
    ) -> None:
        self.store, self.clock, self.config = store, clock, config
        self._handle, self._locale_of, self._zone_of = handle, locale_of, zone_of
        self.conversations = Conversations()
        # Whose form's command is running: its unit forgets the kept form (the dispatcher's
        # `_process`), in the command's own transaction.
        self.finishing: set[UserRef] = set()

    async def start(
        self, req: Request, command: str, values: dict[str, str] | None = None
    ) -> Reply:
        """The form's first question (`values` already known, e.g. the live of an Ask button)."""
        if refused := await self._refuse(req, command):
            return refused
        locale, zone = await self._locale_of(req), await self._zone_of(req)
        step = self.conversations.start(
            req.actor, command, values or {}, locale, zone, req.facts, req.community_facts
        )
        await self._keep(req.actor)
        return await self._step(req, step)

    async def answer(self, req: Request, line: str) -> Reply:
        """A line typed with no slash: the answer a guided form waits for, else not a command."""
        await self._recall(req.actor)
        step = self.conversations.answer(req.actor, line)
        if step is None:
            return not_an_answer(line, req.space is None, await self._locale_of(req))
        problem = None
        if isinstance(step, Check):
            problem = await self._check(req, step.command, step.values)
            step = self.conversations.checked(req.actor, ok=problem is None)
        if isinstance(step, Done):
            return await self._finish(req, step)
        await self._keep(req.actor)
        if problem is not None:  # said now, not after the last
            asked = prompt(step, self.clock.now())
            return Reply((OutMessage(problem), *asked.messages), ok=False)
        return await self._step(req, step)

    async def stop(self, req: Request) -> Reply:
        """`/stop` or the Stop button: the form is dropped, and the person told either way."""
        await self._recall(req.actor)
        stopped = self.conversations.stop(req.actor)
        if stopped:
            await self._keep(req.actor)
        key = "guide.stopped" if stopped else "guide.nothing_to_stop"
        return Reply((OutMessage(Text(await self._locale_of(req), key)),))

    async def waiting(self, who: UserRef) -> bool:
        """Whether a form waits for this person's typed answer, as the database keeps it (the
        shell takes a bare number as that answer, not as a button press, after a restart too)."""
        await self._recall(who)
        return self.conversations.waiting(who)

    async def _finish(self, req: Request, done: Done) -> Reply:
        """The form's command, whose unit forgets the kept form in its own transaction
        (`_process`): if the database was away the form stays as it was, and the same last
        answer (typed again, or the update handled again) finishes it; once it is done no
        stale form is left to take a later line for its last answer."""
        self.finishing.add(req.actor)
        try:
            reply = await self._step(req, done)
        finally:
            self.finishing.discard(req.actor)
        if not reply.ok and not reply.store_down:  # refused or failed: rolled back, form too
            with contextlib.suppress(StoreUnavailable):  # then its last question comes again
                await self._keep(req.actor)
        return reply

    async def _recall(self, who: UserRef) -> None:
        """The form waiting for this person as the database keeps it: started, or last
        answered, on whichever process (several webhook workers share the members)."""
        since = self.clock.now() - FORM_TTL
        self.conversations.restore(
            who, await self.store.run(lambda uow: uow.conversations.get(who, since))
        )

    async def _keep(self, who: UserRef) -> None:
        """Saves this person's form for their next line, wherever it arrives; or forgets it
        once done or stopped."""
        state, now = self.conversations.dump(who), self.clock.now()

        async def work(uow: UnitOfWork) -> None:
            if state is None:
                await uow.conversations.drop(who)
            else:
                await uow.conversations.put(who, state, now)

        await self.store.run(work)

    async def _step(self, req: Request, step: Ask | Done) -> Reply:
        if isinstance(step, Ask):
            return prompt(step, self.clock.now())
        done = replace(req, facts=step.facts, community_facts=step.community_facts)
        return await self._handle(rebuilt(done, command=step.command, args=step.values, raw=None))

    async def _check(self, req: Request, command: str, values: Mapping[str, str]) -> Text | None:
        """Checks the answers of a guided form so far: what is wrong with them, or None."""
        checker = FORM_CHECKS.get(command)
        if checker is None:
            return None

        async def work(uow: UnitOfWork) -> None:
            asked = rebuilt(req, command=command, args=values, raw=None)
            ctx = await caller.context(uow, asked, self.clock, self.config)
            if req.space is None and ctx.arg("live"):
                await caller.community_from_live(ctx)
            await checker(ctx)

        try:
            await self.store.run(work)
        except Refusal as said_no:
            return said_no.text
        return None

    async def _refuse(self, req: Request, name: str) -> Reply | None:
        """Says no before the first question of a guided form rather than after its last answer."""
        spec = COMMANDS[name]
        ctx = await self.store.run(lambda uow: caller.context(uow, req, self.clock, self.config))
        # A form that names a live may find its community from it (in a private chat).
        if spec.needs_community and ctx.community is None and "live" not in spec.shape.allowed:
            key = "error.no_community"
        elif not may(name, ctx.roles):
            key = "error.forbidden"
        else:
            return None
        return Reply((OutMessage(ctx.t(key, command=CommandRef(name))),), ok=False)
