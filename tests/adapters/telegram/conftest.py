"""Fixtures: a fake Telegram server and the real bot started against it."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.adapters.telegram.world import ANNOUNCE, MODERATION, World, open_world
from tests.fakes.telegram_api import FakeTelegram


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server


@pytest.fixture
async def world(
    fake: FakeTelegram, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[World]:
    """Alice runs the community (admin of the announce group), Mia moderates, Bob and Chloé
    come to lives. Any ERROR logged by the bot fails the test."""
    caplog.set_level(logging.INFO)
    app = await open_world(tmp_path, fake)
    w = World(fake, app)
    alice, mia, bob = w.person(1, "Alice"), w.person(2, "Mia"), w.person(3, "Bob")
    w.person(4, "Chloe", language="en")
    fake.add_group(ANNOUNCE, "Makers", admins=[alice.id], members=[bob.id, 4, mia.id])
    fake.add_group(MODERATION, "Makers modération", admins=[alice.id], members=[mia.id])
    try:
        yield w
    finally:
        await app.stop()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]
