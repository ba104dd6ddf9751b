"""The use cases bound to the commands the spec declares (`bot.domain.commands`): one handler per
command (`@handles("join")`), one check per guided form that checks its answers as they come
(`@checks("schedule")`), and how a command's fields read in `/help` and in refusals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.core.context import Context
from bot.core.field_words import field_word
from bot.core.messages import Reply
from bot.domain.commands import COMMANDS, Command, Source

__all__ = [
    "FORM_CHECKS",
    "HANDLERS",
    "FormCheck",
    "Handler",
    "checks",
    "field_words",
    "handles",
    "usage",
]

Handler = Callable[[Context], Awaitable[Reply]]
FormCheck = Callable[[Context], Awaitable[None]]
Bound = TypeVar("Bound", bound=Callable[[Context], Awaitable[object]])

HANDLERS: dict[str, Handler] = {}
# What can be checked field by field, so a mistake is said right after its answer.
FORM_CHECKS: dict[str, FormCheck] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    """Binds a use case to the declared command `name` (`/join` and `/participer` alike)."""
    if name not in COMMANDS:
        raise LookupError(f"/{name} is not declared in bot.domain.commands")
    return _binder(HANDLERS, name)


def checks(name: str) -> Callable[[FormCheck], FormCheck]:
    """Binds the check of a guided form's answers to the command whose form says it is checked."""
    guided = COMMANDS[name].guided if name in COMMANDS else None
    if guided is None or not guided.checked:
        raise LookupError(f"/{name} declares no checked guided form in bot.domain.commands")
    return _binder(FORM_CHECKS, name)


def _binder(table: dict[str, Bound], name: str) -> Callable[[Bound], Bound]:
    def bind(function: Bound) -> Bound:
        bound = table.get(name)
        if bound is not None and bound is not function:
            raise ValueError(f"/{name} is bound twice: {bound!r} and {function!r}")
        table[name] = function
        return function

    return bind


def _named(spec: Command, *, positional_only: bool) -> list[tuple[str, bool]]:
    """The fields a person gives (not those of buttons), with whether each is required."""
    fields = [*spec.positional, *([spec.rest] if spec.rest else [])]
    if not positional_only:
        fields += sorted(spec.keys, key=lambda f: f.name)
    return [(f.name, f.required) for f in fields if f.source is not Source.BUTTON]


def field_words(spec: Command, locale: str) -> str:
    """`live, raison, série`: the fields a command takes, as a reader of `locale` names them."""
    shown = dict.fromkeys(field_word(n, locale) for n, _ in _named(spec, positional_only=False))
    return ", ".join(shown)


def usage(spec: Command, locale: str) -> str:
    """` <live> [raison]`: the positional arguments as the spec's table writes them, named in
    the reader's language."""
    shown = [
        f" <{field_word(name, locale)}>" if required else f" [{field_word(name, locale)}]"
        for name, required in _named(spec, positional_only=True)
    ]
    if spec.many and shown:
        shown.append(f" [{shown[-1].strip(' <>')} …]")
    return "".join(shown)
