"""Fixtures: the fake Telegram and the fake Discord, and one bot started against both."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.both.world import World, make_world, open_app
from tests.adapters.discord.conftest import quiet  # noqa: F401 (a fixture: errors fail the test)
from tests.adapters.discord.world import furnish
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def dc() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        furnish(server)
        yield server
        assert not server.crashes, server.crashes


@pytest.fixture
async def world(
    tg: FakeTelegram,
    dc: FakeDiscord,
    tmp_path: Path,
    quiet: None,  # noqa: F811
) -> AsyncIterator[World]:
    """The bot, built by the composition root with both tokens, started against both fakes."""
    app = await open_app(tg, dc, tmp_path)
    try:
        yield make_world(app, tg, dc, tmp_path)
    finally:
        await app.stop()
