"""Fixtures: one bot on both fake platforms with its web server behind a known address, and a
real headless Chromium (Debian's, driven by Playwright; nothing is downloaded at test time)."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.limits import LimitProfile
from bot.app import App, build
from bot.settings import WebSettings
from tests.adapters.both.conftest import dc, tg  # noqa: F401 (fixtures)
from tests.adapters.both.world import World, make_world, settings
from tests.adapters.discord import world as dc_world
from tests.adapters.discord.conftest import quiet  # noqa: F401 (a fixture: errors fail the test)
from tests.adapters.telegram import world as tg_world
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

CHROMIUM_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def free_port() -> int:
    """A port free right now, so the links the bot sends can name it before it starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def open_web_app(
    telegram: FakeTelegram,
    discord: FakeDiscord,
    folder: Path,
    limits: tuple[LimitProfile, LimitProfile] = (tg_world.FAST, dc_world.FAST),
) -> App:
    """Both platforms' limits default to theirs on a clock 1000x faster (a bench passes the
    real ones)."""
    port = free_port()
    address = f"http://127.0.0.1:{port}"
    config = replace(
        settings(telegram, discord, folder),
        web=WebSettings(("127.0.0.1", port), public_url=address),
    )
    app = await build(config, telegram_limits=limits[0], discord_limits=limits[1])
    await app.start()
    return app


@pytest.fixture
async def world(
    tg: FakeTelegram,  # noqa: F811
    dc: FakeDiscord,  # noqa: F811
    tmp_path: Path,
    quiet: None,  # noqa: F811
) -> AsyncIterator[World]:
    """The bot, built by the composition root with both tokens and a public address."""
    app = await open_web_app(tg, dc, tmp_path)
    try:
        yield make_world(app, tg, dc, tmp_path)
    finally:
        await app.stop()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium, headless. Missing on a developer's machine: the test is skipped and
    says why; missing in CI (where `.ci/run` installs it): the test fails."""
    path = shutil.which("chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:  # pragma: no cover - depends on the machine
        path = None
    if path is None:
        why = "no Chromium or Playwright: apt-get install chromium fonts-noto-color-emoji"
        if os.environ.get("CI"):
            pytest.fail(f"{why} (.ci/run installs them)")
        pytest.skip(why)
    async with async_playwright() as driver:
        chromium = await driver.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()
