"""Guided conversations: a bare `/schedule`, `/propose` or `/ask` asks for its fields one by one.

State is kept in memory, per person: a restart in the middle only means starting the form again.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bot.core import codec
from bot.core.messages import Button, OutMessage, Reply, Request, Text
from bot.domain.model import UserRef

if TYPE_CHECKING:
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


@dataclass
class _Form:
    command: str
    locale: str
    values: dict[str, str] = field(default_factory=dict)
    step: int = 0


class Conversations:
    def __init__(self) -> None:
        self._forms: dict[UserRef, _Form] = {}

    def can_guide(self, command: str) -> bool:
        return command in GUIDED

    async def start(
        self, core: Core, req: Request, command: str, values: dict[str, str] | None = None
    ) -> Reply:
        """Asks the first field not given in `values` (an Ask button already names its live)."""
        locale = await core.locale_of(req)
        form = _Form(command, locale, dict(values or {}))
        fields = GUIDED[command]
        while form.step < len(fields) and fields[form.step][0] in form.values:
            form.step += 1
        self._forms[req.actor] = form
        return self._prompt(form)

    async def answer(self, core: Core, req: Request, line: str) -> Reply:
        form = self._forms.get(req.actor)
        if form is None:
            return Reply((OutMessage(Text(await core.locale_of(req), "guide.none")),), ok=False)
        name, required = GUIDED[form.command][form.step]
        if line and line != SKIP:  # "-" skips an optional field; a required one is asked again
            form.values[name] = line
        elif required:
            return self._prompt(form, again=True)
        form.step += 1
        if form.step < len(GUIDED[form.command]):
            return self._prompt(form)
        del self._forms[req.actor]
        return await core.handle(replace(req, command=form.command, args=form.values, raw=None))

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
