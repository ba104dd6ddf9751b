"""The slash commands: every command of the spec (`bot.domain.commands`) with its fields as
options, the JSON Discord wants (with French names and descriptions from the catalogs), and a
sync made only when it changed.

Option names are the core's field names, so an interaction's options become the `Request`'s
arguments as they are; English is the default on the wire, French the `fr` localisation (the
fields' French names are the core's own, from `field_words`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import AppCommandOptionType as Kind

from bot.adapters.discord.render import CommandMentions
from bot.core.field_words import field_word
from bot.core.messages import Text
from bot.domain import commands as spec
from bot.domain.automod import fold
from bot.domain.commands import LiveKind, word_for
from bot.i18n.catalog import render

log = logging.getLogger(__name__)
FRENCH = "fr"  # Discord's locale for French
MANAGE_GUILD = str(discord.Permissions(manage_guild=True).value)
IN_GUILDS, IN_BOT_DMS = 0, 1  # interaction contexts
GUILD_INSTALL = 0
# Descriptions written for Discord where the shared help text speaks of `key=value` fields.
OWN_ABOUT = frozenset({"schedule", "edit", "ask"})


@dataclass(frozen=True)
class Option:
    name: str
    kind: Kind
    required: bool = False
    lives: LiveKind | None = None  # autocompleted with these lives
    choices: tuple[str, ...] = ()
    choice_key: str = ""  # catalog prefix naming each choice: `repeat` -> `repeat.weekly`
    low: int | None = None
    high: int | None = None
    about: str = ""  # catalog key of its description


@dataclass(frozen=True)
class Slash:
    name: str
    options: tuple[Option, ...] = ()
    in_dms: bool = False  # usable in the bot's private messages, not only in a server
    organizer: bool = False  # shown by default to Manage Server holders only

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


# How each kind of field is picked in a slash command's form.
KINDS = {
    spec.Kind.TEXT: Kind.string,
    spec.Kind.INTEGER: Kind.integer,
    spec.Kind.BOOLEAN: Kind.boolean,
    spec.Kind.LIVE: Kind.integer,  # its number, with autocomplete
    spec.Kind.QUESTION: Kind.string,  # `Q45`
    spec.Kind.MEMBER: Kind.user,
    spec.Kind.CHANNEL: Kind.channel,
    spec.Kind.ROLE: Kind.role,
}
# Bounds Discord checks as the member types: a number's range. A text's length stays ours to
# check, so that the refusal names the field and its limit in the member's words.
BOUNDED = frozenset({spec.Kind.INTEGER, spec.Kind.LIVE})


def option(field: spec.Field) -> Option:
    """A declared field as a slash command's option."""
    bounded = field.kind in BOUNDED
    return Option(
        field.name,
        KINDS[field.kind],
        field.required,
        lives=field.lives,
        choices=field.choices,
        choice_key=field.choice_words or f"discord.choice.{field.name}",
        low=field.low if bounded else None,
        high=field.high if bounded else None,
        about=f"discord.option.{field.about or field.name}",
    )


def slash(command: spec.Command) -> Slash:
    """A declared command as a slash command: the fields a person gives, as options (those of
    the bot's buttons, those typed only, and those filled from the server are not offered)."""
    fields = [f for f in command.fields if f.source is spec.Source.PERSON]
    return Slash(
        command.name,
        tuple(option(f) for f in fields),
        in_dms=command.private,
        organizer=command.roles == spec.ORGANIZERS,
    )


# Every command a person runs, except those only typed in a chat (`/stop` leaves a guided
# form; Discord asks with forms of its own).
SLASH: tuple[Slash, ...] = tuple(
    slash(c) for c in spec.COMMANDS.values() if not c.button_only and not c.typed_only
)
BY_NAME = {command.name: command for command in SLASH}
TEXT_CHANNELS = [discord.ChannelType.text.value, discord.ChannelType.news.value]


def _worded(locale: str, key: str) -> str:
    said = render(Text(locale, key))
    return said[:1].upper() + said[1:]


def _described(key: str) -> dict[str, Any]:
    return {
        "description": _worded("en", key)[:100],
        "description_localizations": {FRENCH: _worded("fr", key)[:100]},
    }


def definition(command: Slash) -> dict[str, Any]:
    """The command as Discord's bulk overwrite takes it."""
    about = f"discord.about.{command.name}" if command.name in OWN_ABOUT else f"help.{command.name}"
    options = sorted(command.options, key=lambda o: not o.required)  # required ones first
    return {
        "type": 1,
        "name": command.name,
        "name_localizations": {FRENCH: word_for(command.name, "fr")},
        **_described(about),
        "options": [_option(o) for o in options],
        "contexts": [IN_GUILDS, IN_BOT_DMS] if command.in_dms else [IN_GUILDS],
        "integration_types": [GUILD_INSTALL],
        "default_member_permissions": MANAGE_GUILD if command.organizer else None,
        "nsfw": False,
    }


def _option(option: Option) -> dict[str, Any]:
    out: dict[str, Any] = {
        "type": option.kind.value,
        "name": option.name,
        # Discord wants lowercase names; ours keep no accent, as typed on any keyboard.
        "name_localizations": {FRENCH: fold(field_word(option.name, FRENCH))},
        **_described(option.about),
        "required": option.required,
    }
    if option.lives is not None:
        out["autocomplete"] = True
    if option.choices:
        out["choices"] = [
            {
                "name": render(Text("en", f"{option.choice_key}.{value}"))[:100],
                "name_localizations": {
                    FRENCH: render(Text("fr", f"{option.choice_key}.{value}"))[:100]
                },
                "value": value,
            }
            for value in option.choices
        ]
    if option.kind is Kind.channel:
        out["channel_types"] = TEXT_CHANNELS
    if option.low is not None:
        out["min_value"] = option.low
    if option.high is not None:
        out["max_value"] = option.high
    return out


def definitions() -> list[dict[str, Any]]:
    return [definition(command) for command in SLASH]


async def sync(client: discord.Client, mentions: CommandMentions | None = None) -> bool:
    """Uploads the commands only when Discord holds different ones (a bulk overwrite at every
    start meets Discord's rate limits); returns whether it uploaded. `mentions` learns each
    command's id, for the messages that name one."""
    app_id = client.application_id
    assert app_id is not None, "login() first: it reads the application id"
    wanted = definitions()
    route = discord.http.Route(
        "GET", "/applications/{application_id}/commands", application_id=app_id
    )
    # Without this flag Discord answers with names in one language only.
    current = await client.http.request(route, params={"with_localizations": "true"})
    if _canonical(current) == _canonical(wanted):
        log.info("slash commands unchanged: not synced")
        _learn(mentions, current)
        return False
    uploaded = await client.http.bulk_upsert_global_commands(app_id, payload=wanted)
    _learn(mentions, uploaded)
    log.info("slash commands synced (%d)", len(wanted))
    return True


def _learn(mentions: CommandMentions | None, commands: Any) -> None:
    if mentions is not None:
        mentions.ids = {str(c["name"]): str(c["id"]) for c in commands if c.get("type", 1) == 1}


_COMMAND_DEFAULTS: dict[str, Any] = {
    "type": 1, "name": None, "name_localizations": None, "description": "",
    "description_localizations": None, "options": None, "contexts": None,
    "integration_types": None, "default_member_permissions": None, "nsfw": False,
}  # fmt: skip
_OPTION_DEFAULTS: dict[str, Any] = {
    "type": None, "name": None, "name_localizations": None, "description": "",
    "description_localizations": None, "required": False, "autocomplete": False,
    "choices": None, "channel_types": None, "min_value": None, "max_value": None,
    "min_length": None, "max_length": None, "options": None,
}  # fmt: skip


def _canonical(commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What decides a command's behaviour, with Discord's defaults filled in and its own
    bookkeeping (ids, versions) left out, so that "unchanged" compares equal."""
    return sorted((_canon(c, _COMMAND_DEFAULTS) for c in commands), key=lambda c: c["name"])


def _canon(node: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, default in defaults.items():
        value = node.get(key, default)
        if value in ({}, []):
            value = default  # Discord sends empty collections and nulls alike
        if key == "options" and value:
            value = [_canon(o, _OPTION_DEFAULTS) for o in value]
        out[key] = value
    return out
