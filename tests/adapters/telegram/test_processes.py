"""Two bot processes (two apps, each its own engine and process name) on one PostgreSQL and one
Telegram bot: exactly one long-polls (Telegram refuses a second reader with 409), the other
takes over within seconds once the first stops; every update is answered once."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.adapters.telegram.service import POLL_LOCK_RETRY, TelegramService
from bot.app import App, build
from bot.settings import Settings, TelegramSettings, WebSettings
from tests.adapters.telegram.world import FAST
from tests.fakes.telegram_api import FakeTelegram


async def start_process(url: str, fake: FakeTelegram, name: str) -> App:
    config = Settings(
        database_url=url,
        process_name=name,
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
        web=WebSettings(None),
    )
    app = await build(config, telegram_limits=FAST)
    await app.start()
    return app


def telegram(app: App) -> TelegramService:
    service = app.services[0]
    assert isinstance(service, TelegramService)
    return service


async def answered(fake: FakeTelegram, user: int, count: int) -> None:
    await fake.wait_for(lambda: len(fake.chat_log(user)) >= count, timeout=POLL_LOCK_RETRY + 10)


async def test_one_process_polls_and_the_other_takes_over_when_it_stops(
    database: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    async with FakeTelegram() as fake:
        fake.add_user(7, "Ann", username="ann", language_code="fr")
        first = await start_process(database, fake, "proc-a")
        second = await start_process(database, fake, "proc-b")
        try:
            await fake.wait_for(lambda: telegram(first).poller is not None, timeout=10)
            fake.push_text(7, 7, "/aide")
            await answered(fake, 7, 1)
            assert telegram(second).poller is None  # waiting, ready to take over
            await first.stop()
            fake.push_text(7, 7, "/aide")
            await answered(fake, 7, 2)
            assert telegram(second).poller is not None
        finally:
            await first.stop()
            await second.stop()
    log = [r.getMessage() for r in caplog.records]
    assert not any("another process reads this bot's updates" in line for line in log), log
    assert any("polling here now" in line for line in log), log
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    assert len(fake.chat_log(7)) == 2  # each /aide answered once, by one process
