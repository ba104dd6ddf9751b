"""Fixtures: the fake Telegram and the fake Discord, and one bot started against both."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.adapters.discord import service
from tests.adapters.both.world import World, make_world, open_app
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
def quiet(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any ERROR logged (by the bot, discord.py or python-telegram-bot) fails the test."""
    caplog.set_level(logging.INFO)
    # discord.py waits this long after READY for servers to arrive: the fake sends them at once.
    monkeypatch.setattr(service, "GUILD_READY_TIMEOUT", 0.05)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def world(
    tg: FakeTelegram, dc: FakeDiscord, tmp_path: Path, quiet: None
) -> AsyncIterator[World]:
    """The bot, built by the composition root with both tokens, started against both fakes."""
    app = await open_app(tg, dc, tmp_path)
    try:
        yield make_world(app, tg, dc, tmp_path)
    finally:
        await app.stop()
