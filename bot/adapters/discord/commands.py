"""The slash commands: one table of every command and its options, the JSON Discord wants (with
French names and descriptions from the catalogs), and a sync made only when it changed.

Option names are the core's field names, so an interaction's options become the `Request`'s
arguments as they are; English is the default on the wire, French the `fr` localisation (the
fields' French names are the core's own, from `vocabulary`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import discord
from discord import AppCommandOptionType as Kind

from bot.adapters.discord.render import CommandMentions
from bot.core.field_words import field_word
from bot.core.lives.pickers import LiveKind
from bot.core.messages import Text
from bot.core.registry import word_for
from bot.domain.automod import fold
from bot.domain.series import Repeat
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
    about: str = ""  # catalog key of its description, when not `discord.option.<name>`


@dataclass(frozen=True)
class Slash:
    name: str
    options: tuple[Option, ...] = ()
    in_dms: bool = False  # usable in the bot's private messages, not only in a server
    organizer: bool = False  # shown by default to Manage Server holders only

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if o.name == name), None)


def live(kind: LiveKind) -> Option:
    return Option("live", Kind.integer, True, lives=kind, low=1)


def text(name: str, required: bool = False) -> Option:
    return Option(name, Kind.string, required)


def number(name: str, low: int, high: int) -> Option:
    return Option(name, Kind.integer, low=low, high=high)


def flag(name: str) -> Option:
    return Option(name, Kind.boolean)


def person(name: str, required: bool = True) -> Option:
    return Option(name, Kind.user, required)


def pick(name: str, key: str, values: tuple[str, ...], required: bool = False) -> Option:
    return Option(name, Kind.string, required, choices=values, choice_key=key)


UPCOMING, HOSTED, RECENT = LiveKind.UPCOMING, LiveKind.HOSTED, LiveKind.RECENT
ON_AIR = LiveKind.ON_AIR


def question(about: str = "discord.option.question_id") -> Option:
    """A question by its number (`Q45`), where `ask`'s `question` is the question's text."""
    return Option("question", Kind.string, True, about=about)


LANGUAGE = pick("language", "language", ("fr", "en"))
SERIES = pick("series", "discord.choice.series", ("one", "all"))
EXPORTS = ("lives", "signups", "questions")
LIVE_FIELDS = (
    text("description"),
    text("link"),
    number("capacity", 1, 100_000),
    text("tags"),
)
SLASH: tuple[Slash, ...] = (
    Slash("lives", (text("tag"),), in_dms=True),
    Slash("live", (live(UPCOMING),), in_dms=True),
    Slash("questions", (live(UPCOMING),), in_dms=True),
    Slash("join", (live(UPCOMING),), in_dms=True),
    Slash("leave", (live(UPCOMING),), in_dms=True),
    Slash("here", (live(ON_AIR),), in_dms=True),
    Slash("ask", (live(UPCOMING), text("question", True), flag("anonymous")), in_dms=True),
    Slash("myschedule", in_dms=True),
    Slash("settings", (LANGUAGE, text("timezone"), text("reminders"), flag("dms")), in_dms=True),
    Slash("propose", (text("title", True), text("description"))),
    Slash("forgetme", in_dms=True),
    Slash(
        "schedule",
        (
            text("title", True),
            text("when", True),
            number("duration", 5, 600),
            *LIVE_FIELDS,
            pick("repeat", "repeat", tuple(r.value for r in Repeat)),
            number("count", 2, 52),
        ),
    ),
    Slash("publish", (live(HOSTED),)),
    Slash(
        "edit",
        (
            live(HOSTED),
            text("title"),
            text("when"),
            number("duration", 5, 600),
            *LIVE_FIELDS,
            person("cohost", required=False),
            SERIES,
        ),
    ),
    Slash("cancel", (live(HOSTED), text("reason"), SERIES)),
    Slash("golive", (live(UPCOMING),)),
    Slash("next", (live(RECENT),)),
    Slash("end", (live(RECENT), text("replay"))),
    Slash("queue", (live(RECENT),)),
    Slash("approve", (question("discord.option.question_ids"),)),
    Slash("reject", (question(), text("reason"))),
    Slash("merge", (question(), Option("into", Kind.string, True))),
    Slash("vote", (question(),), in_dms=True),
    Slash("mute", (person("member"), text("length"))),
    Slash("unmute", (person("member"),)),
    Slash("modlog", (live(RECENT),)),
    Slash("console", (live(UPCOMING),), in_dms=True),
    Slash("proposals"),
    Slash(
        "setup",
        (
            Option("announce_channel", Kind.channel),
            Option("moderation_channel", Kind.channel),
            Option("host_role", Kind.role),
            Option("moderator_role", Kind.role),
            LANGUAGE,
            text("timezone"),
            text("reminders"),
            flag("premoderation"),
        ),
        organizer=True,
    ),
    Slash("link", (text("code"),), organizer=True),
    Slash("unlink", organizer=True),
    Slash("host", (person("member"),), organizer=True),
    Slash("unhost", (person("member"),), organizer=True),
    Slash("stats", (text("period"),), organizer=True),
    Slash("export", (pick("what", "discord.choice.what", EXPORTS, True),), organizer=True),
    Slash("help", (text("command"),), in_dms=True),
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
        **_described(option.about or f"discord.option.{option.name}"),
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
