"""Fixtures: a fake Discord server and the real bot started against it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.adapters.discord import service
from tests.adapters.discord.world import World, furnish, open_app
from tests.fakes.discord_api import FakeDiscord


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord() as server:
        furnish(server)
        yield server
        assert not server.crashes, server.crashes


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Any ERROR logged (by the bot, or by discord.py, which only logs the exceptions of its
    handlers) fails the test."""
    caplog.set_level(logging.INFO)
    # discord.py waits this long after READY for servers to arrive: the fake sends them at once.
    monkeypatch.setattr(service, "GUILD_READY_TIMEOUT", 0.05)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.fixture
async def world(fake: FakeDiscord, tmp_path: Path, quiet: None) -> AsyncIterator[World]:
    """The bot, built by the composition root and started against the fake."""
    w = World(fake, await open_app(fake, tmp_path), tmp_path)
    try:
        yield w
    finally:
        await w.app.stop()
