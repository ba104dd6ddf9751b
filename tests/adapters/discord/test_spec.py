"""Discord offers every command of the spec (`bot.domain.commands`) within its declared fields:
the definitions the real bot synced to the fake Discord, compared with the spec (names, option
kinds, bounds, choices, required, where each may be used and by whom)."""

from __future__ import annotations

from typing import Any

from bot.domain.commands import COMMANDS, ORGANIZERS, Command, Kind, Source
from tests.adapters.discord.world import World

# Discord's option types (its API's numbers), as each kind of field must be offered.
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE = 3, 4, 5, 6, 7, 8
DISCORD_TYPE = {
    Kind.TEXT: STRING,
    Kind.INTEGER: INTEGER,
    Kind.BOOLEAN: BOOLEAN,
    Kind.LIVE: INTEGER,
    Kind.QUESTION: STRING,
    Kind.MEMBER: USER,
    Kind.CHANNEL: CHANNEL,
    Kind.ROLE: ROLE,
}
GUILD_ONLY, ALSO_IN_DMS = [0], [0, 1]
MANAGE_GUILD = str(1 << 5)


def offered(spec: Command) -> bool:
    """Run by typing a slash command: not by the bot's buttons, not only in a typed chat."""
    return not spec.button_only and not spec.typed_only


def synced(world: World) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in world.fake.commands[None]}


async def test_every_command_a_person_runs_is_a_slash_command_and_nothing_else(
    world: World,
) -> None:
    assert set(synced(world)) == {n for n, spec in COMMANDS.items() if offered(spec)}
    assert "stop" not in synced(world) and "rate" not in synced(world)


async def test_each_slash_command_offers_exactly_its_declared_fields(world: World) -> None:
    for name, command in synced(world).items():
        spec = COMMANDS[name]
        given = [f for f in spec.fields if f.source is Source.PERSON]
        options = {o["name"]: o for o in command["options"]}
        assert set(options) == {f.name for f in given}, name
        assert [o["required"] for o in command["options"]] == sorted(
            (o["required"] for o in command["options"]), reverse=True
        ), f"/{name}: required options first"
        for field in given:
            option = options[field.name]
            where = f"/{name} {field.name}"
            assert option["type"] == DISCORD_TYPE[field.kind], where
            assert option["required"] == field.required, where
            assert option.get("autocomplete", False) == (field.lives is not None), where
            numbered = field.kind in (Kind.INTEGER, Kind.LIVE)
            assert option.get("min_value") == (field.low if numbered else None), where
            assert option.get("max_value") == (field.high if numbered else None), where
            choices = [c["value"] for c in option.get("choices") or []]
            assert choices == list(field.choices), where


async def test_where_and_by_whom_each_slash_command_may_be_used(world: World) -> None:
    for name, command in synced(world).items():
        spec = COMMANDS[name]
        assert command["contexts"] == (ALSO_IN_DMS if spec.private else GUILD_ONLY), name
        organizers_only = MANAGE_GUILD if spec.roles == ORGANIZERS else None
        assert command["default_member_permissions"] == organizers_only, name
        assert command["name_localizations"] == {"fr": spec.alias or name}, name


async def test_the_bounds_discord_checks_are_those_the_core_refuses_past(world: World) -> None:
    """A few anchors of the spec's table, as Discord receives them."""
    schedule = {o["name"]: o for o in synced(world)["schedule"]["options"]}
    assert (schedule["duration"]["min_value"], schedule["duration"]["max_value"]) == (5, 600)
    assert (schedule["capacity"]["min_value"], schedule["capacity"]["max_value"]) == (1, 100_000)
    assert (schedule["count"]["min_value"], schedule["count"]["max_value"]) == (2, 52)
    assert [c["value"] for c in schedule["repeat"]["choices"]] == [
        "none", "weekly", "biweekly", "monthly",
    ]  # fmt: skip
    edit = {o["name"] for o in synced(world)["edit"]["options"]}
    assert {"cohost", "series"} <= edit and not {"repeat", "count"} & edit  # typed only
