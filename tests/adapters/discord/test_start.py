"""Starting on Discord: inside our own loop, with the guilds intent only, commands synced only
when they changed, sharding as an option, and the real settings path from the environment."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from dataclasses import replace
from pathlib import Path

import discord
import pytest

from bot.app import build
from bot.core.lives.pickers import space_of
from tests.adapters.discord.steps import answered, set_up
from tests.adapters.discord.world import (
    ANNOUNCE,
    FAST,
    GUILD,
    OLGA,
    Person,
    World,
    settings,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_state import INTENT_GUILDS

NAME = re.compile(r"[-_a-z0-9]{1,32}")


def _synced_syncs(fake: FakeDiscord) -> list[str]:
    return [c.method for c in fake.calls if re.fullmatch(r"/applications/\d+/commands", c.path)]


async def test_the_bot_asks_for_the_guilds_intent_only_and_syncs_once(world: World) -> None:
    fake = world.fake
    assert fake.identified_intents == [INTENT_GUILDS]
    assert _synced_syncs(fake) == ["GET", "PUT"] and fake.sync_count == 1
    await world.restart()
    # The second start compares what Discord holds with what it would send: nothing to do.
    assert _synced_syncs(fake) == ["GET", "PUT", "GET"] and fake.sync_count == 1
    # Its commands' ids are learnt from what Discord holds: messages name them by mention.
    answered(await world.person(OLGA).types("help"), f"{world.mention('setup')} : configurer")


async def test_changed_definitions_are_synced_again(world: World) -> None:
    fake = world.fake
    join = next(c for c in fake.commands[None] if c["name"] == "join")
    join["description_localizations"] = {"fr": "une ancienne description"}
    await world.restart()
    assert fake.sync_count == 2
    join = next(c for c in fake.commands[None] if c["name"] == "join")
    assert join["description_localizations"] == {"fr": "Participer à un live"}


async def test_names_and_descriptions_fit_discord_in_both_languages(world: World) -> None:
    for command in world.fake.commands[None]:
        for node in (command, *command["options"]):
            names = [node["name"], *node["name_localizations"].values()]
            assert all(NAME.fullmatch(n) for n in names), names
            about = [node["description"], *node["description_localizations"].values()]
            assert all(1 <= len(d) <= 100 for d in about), about
            assert node["name_localizations"].keys() == {"fr"}
        french = [o["name_localizations"]["fr"] for o in command["options"]]
        assert len(set(french)) == len(french), f"/{command['name']}: {french}"


async def test_a_server_that_removes_the_bot_is_no_longer_a_space(world: World) -> None:
    await set_up(world)
    store = world.app.core.store
    assert await space_of(store, "discord", str(GUILD)) is not None
    world.fake.dispatch("GUILD_DELETE", {"id": str(GUILD), "unavailable": False})
    await world.fake.wait_for(lambda: world.service.client.get_guild(GUILD) is None)
    for _ in range(100):  # the handler runs as a task of discord.py's
        if await space_of(store, "discord", str(GUILD)) is None:
            break
        await asyncio.sleep(0.01)
    assert await space_of(store, "discord", str(GUILD)) is None


async def test_a_sharded_client_is_an_option(
    fake: FakeDiscord, tmp_path: Path, quiet: None
) -> None:
    config = settings(fake, tmp_path)
    config = replace(config, discord=replace(config.discord, shards=True))
    app = await build(config, discord_limits=FAST)
    await app.start()
    try:
        world = World(fake, app, tmp_path)
        assert isinstance(world.service.client, discord.AutoShardedClient)
        assert "/gateway/bot" in [c.path for c in fake.calls]  # the shard count comes from there
        said = await Person(world, OLGA).types("setup")
        answered(said, "Communauté « Atelier » créée")
    finally:
        await app.stop()


async def test_a_process_runs_only_the_shards_it_is_given(
    fake: FakeDiscord, tmp_path: Path, quiet: None
) -> None:
    """Several processes on one bot: this one runs shard 0 of 1 here (the fake has one)."""
    config = settings(fake, tmp_path)
    config = replace(config, discord=replace(config.discord, shard_count=1, shard_ids=(0,)))
    app = await build(config, discord_limits=FAST)
    await app.start()
    try:
        world = World(fake, app, tmp_path)
        client = world.service.client
        assert isinstance(client, discord.AutoShardedClient)
        assert (client.shard_count, client.shard_ids) == (1, [0])
        said = await Person(world, OLGA).types("setup")
        answered(said, "Communauté « Atelier » créée")
    finally:
        await app.stop()


async def test_a_refused_token_stops_the_start_and_leaves_discord_py_as_it_was(
    fake: FakeDiscord, tmp_path: Path, quiet: None
) -> None:
    config = settings(fake, tmp_path)
    app = await build(replace(config, discord=replace(config.discord, token="not-ours")))
    with pytest.raises(discord.LoginFailure):
        await app.start()
    await app.stop()
    world = World(fake, app, tmp_path)
    assert world.service.client.is_closed() and fake.sync_count == 0
    assert discord.http.Route.BASE == "https://discord.com/api/v10"


async def test_solidaire_runs_on_discord_from_the_environment(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    """The console script, with nothing but the environment variables of the contract."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SOLIDAIRE_"))}
    env |= {
        "DISCORD_TOKEN": fake.token,
        "DISCORD_API_BASE_URL": fake.api_base,
        "DISCORD_GATEWAY_URL": fake.gateway_url,
        "SOLIDAIRE_DATABASE_URL": f"sqlite:///{tmp_path / 'solidaire.sqlite3'}",
        "SOLIDAIRE_WEB_LISTEN": "127.0.0.1:0",  # any free port: tests never fight over one
    }
    log = tmp_path / "stderr.log"
    with log.open("wb") as err:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "solidaire"), env=env, stderr=err
        )
        try:
            # Started when it says so (SIGTERM is ours to handle from then on).
            started = lambda: "Discord adapter started" in log.read_text()  # noqa: E731
            await fake.wait_for(started, timeout=30, what="the bot to start")
            iid = fake.slash(OLGA, "setup", {}, guild_id=GUILD, channel_id=ANNOUNCE)
            response = await fake.wait_response(iid, timeout=10)
            assert "Communauté « Atelier » créée" in response.data["content"]
        finally:
            process.send_signal(signal.SIGTERM)
            status = await asyncio.wait_for(process.wait(), 30)
    said = log.read_text()
    assert status == 0, said
    assert " ERROR " not in said and fake.token not in said, said
