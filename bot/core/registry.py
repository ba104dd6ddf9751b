"""The command registry: every command's name, French alias, argument shape and use case."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.core.field_words import field_word
from bot.core.fields import CommandShape

if TYPE_CHECKING:
    from bot.core.context import Context
    from bot.core.messages import Reply

Handler = Callable[["Context"], Awaitable["Reply"]]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    alias: str | None
    shape: CommandShape
    handler: Handler
    needs_community: bool = True
    button_only: bool = False


COMMANDS: dict[str, CommandSpec] = {}
ALIASES: dict[str, str] = {}


def command(
    name: str,
    *,
    alias: str | None = None,
    positional: tuple[str, ...] = (),
    rest: str | None = None,
    keys: tuple[str, ...] = (),
    needs_community: bool = True,
    button_only: bool = False,
) -> Callable[[Handler], Handler]:
    """Registers a use case under a command name (and its French alias)."""

    def register(handler: Handler) -> Handler:
        shape = CommandShape(positional=positional, rest=rest, keys=frozenset(keys))
        COMMANDS[name] = CommandSpec(
            name, alias, shape, handler, needs_community=needs_community, button_only=button_only
        )
        if alias:
            ALIASES[alias] = name
        return handler

    return register


def resolve(word: str) -> CommandSpec | None:
    """`/participer` and `/join` (any case, without the slash) -> the join command."""
    name = word.lower().lstrip("/").split("@")[0]
    spec = COMMANDS.get(ALIASES.get(name, name))
    return spec


def word_for(name: str, locale: str) -> str:
    """The command as a member of that language types it: `/participer` for French readers."""
    spec = COMMANDS.get(name)
    return spec.alias if spec is not None and spec.alias and locale == "fr" else name


OPTIONAL = frozenset(
    {"reason", "replay", "tag", "length", "period", "role", "code", "comment", "command"}
)
INTERNAL = frozenset({"confirm", "field", "value", "page", "rating"})  # filled by buttons
MANY = frozenset({"approve"})  # commands whose last argument may be repeated: `/approve Q1 Q2`


def field_words(spec: CommandSpec, locale: str) -> str:
    """`live, raison, série`: the fields a command takes, as a reader of `locale` names them."""
    shape = spec.shape
    names = [*shape.positional, *([shape.rest] if shape.rest else []), *sorted(shape.keys)]
    shown = dict.fromkeys(field_word(n, locale) for n in names if n not in INTERNAL)
    return ", ".join(shown)


def usage(spec: CommandSpec, locale: str) -> str:
    """` <live> [raison]`: the positional arguments as the spec's table writes them, named in
    the reader's language."""
    names = [*spec.shape.positional, *([spec.shape.rest] if spec.shape.rest else [])]
    shown = [
        f" [{field_word(n, locale)}]" if n in OPTIONAL else f" <{field_word(n, locale)}>"
        for n in names
        if n not in INTERNAL
    ]
    if spec.name in MANY and shown:
        shown.append(f" [{shown[-1].strip(' <>')} …]")
    return "".join(shown)
