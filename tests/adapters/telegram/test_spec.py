"""Telegram's menus list every command of the spec (`bot.domain.commands`) a person may type, for
their roles, named in their language: what the real bot set on the fake Telegram at start."""

from __future__ import annotations

from bot.domain.commands import COMMANDS, word_for
from bot.domain.model import Role
from bot.domain.policy import effective_roles
from tests.adapters.telegram.world import World

ADMINS = {"type": "all_chat_administrators"}


def typed_by(roles: frozenset[Role], locale: str) -> list[str]:
    """The commands the spec lets these roles type (and shows them), in the table's order."""
    held = effective_roles(roles)
    return [
        word_for(name, locale)
        for name, spec in COMMANDS.items()
        if not spec.button_only and (spec.shown_to or spec.roles) & held
    ]


async def test_members_menus_list_every_command_a_member_may_type(world: World) -> None:
    for locale in ("fr", "en"):
        shown = [c["command"] for c in world.fake.commands_for(None, locale)]
        assert shown == typed_by(frozenset({Role.MEMBER}), locale), locale
    french = {c["command"] for c in world.fake.commands_for(None, "fr")}
    assert {"participer", "question", "arreter"} <= french and "planifier" not in french


async def test_admins_menus_list_every_command_an_organizer_may_type(world: World) -> None:
    for locale in ("fr", "en"):
        shown = [c["command"] for c in world.fake.commands_for(ADMINS, locale)]
        assert shown == typed_by(frozenset({Role.ORGANIZER}), locale), locale
        every = [word_for(n, locale) for n, spec in COMMANDS.items() if not spec.button_only]
        assert shown == every, "an organizer may type every command"


async def test_each_menu_entry_says_what_the_command_does(world: World) -> None:
    for entry in world.fake.commands_for(ADMINS, "en"):
        assert 1 <= len(entry["description"]) <= 256, entry
    join = next(c for c in world.fake.commands_for(None, "fr") if c["command"] == "participer")
    assert join["description"] == "participer à un live"  # the help line, as /aide says it
