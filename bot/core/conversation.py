"""Guided conversations: a bare `/schedule`, `/propose` or `/ask` asks for its fields one by one.

State is kept in memory, per person: a restart in the middle only means starting the form again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.core import codec
from bot.core.lives.fields import read_fields
from bot.core.lives.pickers import command_meant, typed_as
from bot.core.lives.signups import refuse_closed
from bot.core.messages import Button, OutMessage, Reply, Request, Text
from bot.domain.model import Role, UserRef

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.dispatcher import Core

# command -> its fields in order, and whether each is required ("-" skips an optional one)
GUIDED: dict[str, tuple[tuple[str, bool], ...]] = {
    "schedule": (
        ("title", True),
        ("when", True),
        ("duration", False),
        ("description", False),
        ("link", False),
        ("capacity", False),
    ),
    "propose": (("title", True), ("description", True)),
    "ask": (("live", True), ("question", True), ("anonymous", False)),
}
SKIP = "-"


async def _check_live_fields(ctx: Context) -> None:
    read_fields(ctx)


async def _check_ask(ctx: Context) -> None:
    if ctx.arg("live") is not None:
        refuse_closed(ctx, await ctx.live_arg())


# What can be checked field by field, so a mistake is said right after its answer.
FORM_CHECKS: dict[str, Callable[[Context], Awaitable[None]]] = {
    "schedule": _check_live_fields,
    "ask": _check_ask,
}


@dataclass
class _Form:
    command: str
    locale: str
    values: dict[str, str] = field(default_factory=dict)
    step: int = 0
    # The roles found when the form began: an answer is plain text, for which an adapter that
    # asks the platform for roles (Telegram) does not ask.
    facts: frozenset[Role] = frozenset()
    community_facts: Mapping[int, frozenset[Role]] | None = None


class Conversations:
    def __init__(self) -> None:
        self._forms: dict[UserRef, _Form] = {}

    def can_guide(self, command: str) -> bool:
        return command in GUIDED

    def waiting(self, who: UserRef) -> bool:
        """Whether a guided form waits for this person's typed answer (the shell then takes a
        bare number as that answer, not as a button press)."""
        return who in self._forms

    async def start(
        self, core: Core, req: Request, command: str, values: dict[str, str] | None = None
    ) -> Reply:
        """Asks the first field not given in `values` (an Ask button already names its live)."""
        locale = await core.locale_of(req)
        form = _Form(command, locale, dict(values or {}), 0, req.facts, req.community_facts)
        fields = GUIDED[command]
        while form.step < len(fields) and fields[form.step][0] in form.values:
            form.step += 1
        self._forms[req.actor] = form
        return self._prompt(form)

    async def answer(self, core: Core, req: Request, line: str) -> Reply:
        form = self._forms.get(req.actor)
        if form is None:
            return await _not_an_answer(core, req, line)
        name, required = GUIDED[form.command][form.step]
        if line and line != SKIP:  # "-" skips an optional field; a required one is asked again
            form.values[name] = line
            problem = await core.check(req, form.command, form.values)
            if problem is not None:  # said now, not after the last question
                del form.values[name]
                again = self._prompt(form)
                return Reply((OutMessage(problem), *again.messages), ok=False)
        elif required:
            return self._prompt(form, again=True)
        form.step += 1
        if form.step < len(GUIDED[form.command]):
            return self._prompt(form)
        del self._forms[req.actor]
        done = replace(
            req,
            command=form.command,
            args=form.values,
            raw=None,
            facts=form.facts,
            community_facts=form.community_facts,
        )
        return await core.handle(done)

    async def stop(self, core: Core, req: Request) -> Reply:
        locale = await core.locale_of(req)
        key = "guide.stopped" if self._forms.pop(req.actor, None) else "guide.nothing_to_stop"
        return Reply((OutMessage(Text(locale, key)),))

    def _prompt(self, form: _Form, again: bool = False) -> Reply:
        name, required = GUIDED[form.command][form.step]
        key = f"guide.{form.command}.{name}"
        text = Text(form.locale, "guide.required" if again else key)
        if not required:
            text = Text(form.locale, "guide.optional", {"prompt": Text(form.locale, key)})
        stop = Button(Text(form.locale, "button.stop"), codec.encode("stop"))
        return Reply((OutMessage(text, ((stop,),)),))


async def _not_an_answer(core: Core, req: Request, line: str) -> Reply:
    """A plain line when no form waits. Privately, a command typed without its slash (`join 3`)
    is pointed at; in a group plain text is the members' own conversation (the platforms keep it
    from the bot; only the shell's simulated groups pass it on), so no guess is made there."""
    word, rest = [*line.split(maxsplit=1), "", ""][:2]
    meant = command_meant(word) if req.space is None else None
    locale = await core.locale_of(req)
    if meant is None:
        return Reply((OutMessage(Text(locale, "guide.none")),), ok=False)
    said = Text(locale, "guide.did_you_mean", {"suggestion": typed_as(meant, rest, locale)})
    return Reply((OutMessage(said),), ok=False)
