"""Guided conversations: a bare `/schedule`, `/propose` or `/ask` asks for its fields one by one.

A pure state machine: it says what comes next (`Ask` a field, `Check` the answers so far, `Done`
with the values) and the dispatcher does the reading, checking and running. Which fields each
form asks is declared with its command (`bot.domain.commands`). State is kept in memory, per
person: a restart in the middle only means starting the form again.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core import codec
from bot.core.examples import example_when
from bot.core.messages import Button, OutMessage, Raw, Reply, Text
from bot.domain.commands import COMMANDS
from bot.domain.model import Role, UserRef

# command -> its fields in order, and whether each is required ("-" skips an optional one)
GUIDED: dict[str, tuple[tuple[str, bool], ...]] = {
    name: spec.guided.asks for name, spec in COMMANDS.items() if spec.guided is not None
}
SKIP = "-"


@dataclass(frozen=True)
class Ask:
    """Ask this field (`again`: a required one was skipped)."""

    command: str
    field: str
    required: bool
    locale: str
    zone: ZoneInfo  # the reader's: examples of dates are shown in it
    again: bool = False


@dataclass(frozen=True)
class Check:
    """Check the answers so far, then say `Conversations.checked`."""

    command: str
    values: Mapping[str, str]


@dataclass(frozen=True)
class Done:
    """Every field answered: run the command with these values, and the role facts found when
    the form began (an answer is plain text, for which an adapter that asks the platform for
    roles, Telegram, does not ask)."""

    command: str
    values: dict[str, str]
    facts: frozenset[Role]
    community_facts: Mapping[int, frozenset[Role]] | None


Step = Ask | Check | Done


@dataclass
class _Form:
    command: str
    locale: str
    zone: ZoneInfo
    facts: frozenset[Role]
    community_facts: Mapping[int, frozenset[Role]] | None
    values: dict[str, str] = field(default_factory=dict)
    step: int = 0
    answered: str | None = None  # the field whose answer waits for its check


class Conversations:
    def __init__(self) -> None:
        self._forms: dict[UserRef, _Form] = {}

    def can_guide(self, command: str) -> bool:
        return command in GUIDED

    def waiting(self, who: UserRef) -> bool:
        """Whether a guided form waits for this person's typed answer (the shell then takes a
        bare number as that answer, not as a button press)."""
        return who in self._forms

    def start(
        self,
        who: UserRef,
        command: str,
        values: Mapping[str, str],
        locale: str,
        zone: ZoneInfo,
        facts: frozenset[Role],
        community_facts: Mapping[int, frozenset[Role]] | None,
    ) -> Ask | Done:
        """A form for `command`; what `values` already give (an Ask button's live) is skipped."""
        form = _Form(command, locale, zone, facts, community_facts, dict(values))
        self._forms[who] = form
        return self._next(who, form)

    def answer(self, who: UserRef, line: str) -> Step | None:
        """What a typed line leads to; None when no form waits for it."""
        form = self._forms.get(who)
        if form is None:
            return None
        name, required = GUIDED[form.command][form.step]
        if line and line != SKIP:  # "-" skips an optional field; a required one is asked again
            form.values[name], form.answered = line, name
            return Check(form.command, dict(form.values))
        if required:
            return self._ask(form, again=True)
        form.step += 1
        return self._next(who, form)

    def checked(self, who: UserRef, ok: bool) -> Ask | Done:
        """After a `Check`: the next field, or (`ok` False) the same one again, its answer
        dropped: the mistake is said now, not after the last question."""
        form = self._forms[who]
        if not ok and form.answered is not None:
            del form.values[form.answered]
        else:
            form.step += 1
        form.answered = None
        return self._next(who, form)

    def stop(self, who: UserRef) -> bool:
        """Leaves the form; False when none was waiting."""
        return self._forms.pop(who, None) is not None

    def dump(self, who: UserRef) -> str | None:
        """`who`'s form as text to keep between two lines; None when none waits."""
        form = self._forms.get(who)
        if form is None:
            return None
        said = asdict(form) | {"zone": form.zone.key, "facts": sorted(form.facts)}
        if form.community_facts is not None:
            said["community_facts"] = {str(k): sorted(v) for k, v in form.community_facts.items()}
        return json.dumps(said, separators=(",", ":"), ensure_ascii=False)

    def restore(self, who: UserRef, state: str | None) -> None:
        """`who`'s form as kept (`dump`), replacing what this process knew; None: none waits.
        A state this version cannot read (a form changed since) is dropped."""
        self._forms.pop(who, None)
        if state is None:
            return
        try:
            said = json.loads(state)
            facts = said["community_facts"]
            form = _Form(
                said["command"],
                said["locale"],
                ZoneInfo(said["zone"]),
                frozenset(Role(r) for r in said["facts"]),
                None
                if facts is None
                else {int(k): frozenset(Role(r) for r in v) for k, v in facts.items()},
                dict(said["values"]),
                int(said["step"]),
                said["answered"],
            )
        except (ValueError, KeyError, TypeError):
            return
        if form.command in GUIDED and form.step <= len(GUIDED[form.command]):
            self._forms[who] = form

    def _next(self, who: UserRef, form: _Form) -> Ask | Done:
        fields = GUIDED[form.command]
        while form.step < len(fields) and fields[form.step][0] in form.values:
            form.step += 1
        if form.step < len(fields):
            return self._ask(form)
        del self._forms[who]
        return Done(form.command, form.values, form.facts, form.community_facts)

    def _ask(self, form: _Form, again: bool = False) -> Ask:
        name, required = GUIDED[form.command][form.step]
        return Ask(form.command, name, required, form.locale, form.zone, again)


def prompt(ask: Ask, now: datetime) -> Reply:
    """The question of `ask`, with a Stop button; a date to copy is a week from `now`."""
    key = f"guide.{ask.command}.{ask.field}"
    params = {"example": Raw(example_when(now, ask.zone))}  # `guide.schedule.when`
    text = Text(ask.locale, "guide.required" if ask.again else key, params)
    if not ask.required:
        text = Text(ask.locale, "guide.optional", {"prompt": Text(ask.locale, key, params)})
    stop = Button(Text(ask.locale, "button.stop"), codec.encode("stop"))
    return Reply((OutMessage(text, ((stop,),)),))
