"""PostgreSQL cut in the middle of a live, on Discord: a press and a slash command are answered
at once, in the member's language, that the database does not answer and nothing was done
(Discord keeps no interaction for later, so the member tries again); the bot keeps running,
and once the database is back the same press signs the member up, with no restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.app import build
from bot.core.messages import Text
from bot.i18n.catalog import render
from bot.settings import WebSettings
from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import BOB, CHLOE, FAST, World, settings
from tests.fakes.cut import CutDatabase, cut_database
from tests.fakes.discord_api import FakeDiscord

__all__ = ["cut_database"]  # the fixture


async def on_cut_database(fake: FakeDiscord, cut: CutDatabase, folder: Path, **more: Any) -> World:
    """The Discord bot of the end-to-end tests, on PostgreSQL behind the proxy the test cuts."""
    config = replace(settings(fake, folder), database_url=cut.url, web=WebSettings(None), **more)
    app = await build(config, discord_limits=FAST)
    await app.start()
    return World(fake, app, folder)


async def test_a_press_and_a_command_while_the_database_is_away(
    fake: FakeDiscord, quiet: None, cut_database: CutDatabase, tmp_path: Path
) -> None:
    world = await on_cut_database(fake, cut_database, tmp_path)
    try:
        await set_up(world)
        announcement = await scheduled(world)
        bob, chloe = world.person(BOB), world.person(CHLOE)

        await cut_database.proxy.cut()
        said = await bob.presses("Participer", announcement)
        assert said.text == render(Text("fr", "error.store_unavailable")), said.text
        assert said.ephemeral
        said = await chloe.types("myschedule", where=None)
        assert said.text == render(Text("en", "error.store_unavailable")), said.text

        await cut_database.proxy.restore()
        answered(await bob.presses("Participer", announcement), "tu participes au live #1")
        answered(await chloe.types("myschedule", where=None), "You are not signed up")
    finally:
        await world.app.stop()


async def test_a_database_gone_silent_fails_within_the_timeout_and_nothing_is_half_done(
    fake: FakeDiscord, quiet: None, cut_database: CutDatabase, tmp_path: Path
) -> None:
    """A partition without a reset (the server's answers and its resets never arrive): the
    press fails as "database unavailable" after `database_timeout`, as after a cut, instead
    of waiting until the OS gives up (many minutes, the member unanswered); once the network
    is back the same press signs Bob up, once."""
    world = await on_cut_database(fake, cut_database, tmp_path, database_timeout=1)
    try:
        await set_up(world)
        announcement = await scheduled(world)
        bob, chloe = world.person(BOB), world.person(CHLOE)

        await cut_database.proxy.blackhole()
        said = await bob.presses("Participer", announcement)
        assert said.text == render(Text("fr", "error.store_unavailable")), said.text
        said = await chloe.types("myschedule", where=None)
        assert said.text == render(Text("en", "error.store_unavailable")), said.text

        await cut_database.proxy.restore()
        answered(await bob.presses("Participer", announcement), "tu participes au live #1")
        answered(await chloe.types("myschedule", where=None), "You are not signed up")
    finally:
        await world.app.stop()
