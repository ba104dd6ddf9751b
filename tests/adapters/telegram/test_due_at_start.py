"""What is already due when the bot starts goes once the Telegram adapter can send, at the
first attempt (issue 17, found by `bench/processes.py`).

The alarm clock starts before the adapters and sends what is due at once. Those sends reached
python-telegram-bot before its HTTP client was opened (`Bot.initialize`, in the service's
start): each failed as a network error ("AiohttpRequest is not initialized") and went again two
seconds later, holding a slot of the platform's window meanwhile as if it had left (62 of 300
reminders when two processes started on one PostgreSQL; the fan-out's rate lost as much)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from bot.app import build
from bot.settings import Settings, TelegramSettings, WebSettings
from tests.processes import reminders_received, seed, telegram_world

MEMBERS = 20


async def test_reminders_due_at_start_are_sent_at_their_first_attempt(tmp_path: Path) -> None:
    db = tmp_path / "solidaire.sqlite3"
    due = await seed(f"sqlite:///{db}", MEMBERS, lead=0.2, pressed_live=False)
    await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))  # due at start
    async with telegram_world(MEMBERS) as fake:  # Telegram's real limits, enforced
        config = Settings(
            database_url=f"sqlite:///{db}",
            telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
            web=WebSettings(("127.0.0.1", 0)),
        )
        app = await build(config)
        await app.start()
        try:
            await fake.wait_for(
                lambda: sum(reminders_received(fake, MEMBERS).values()) == MEMBERS, timeout=15
            )
        finally:
            await app.stop()
        assert set(reminders_received(fake, MEMBERS).values()) == {1}
        assert fake.too_many == 0
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT status, attempts, reason FROM deliveries WHERE member_id IS NOT NULL"
            " AND kind = 'reminder'"
        ).fetchall()
    assert len(rows) == MEMBERS
    assert {(status, attempts) for status, attempts, _ in rows} == {("sent", 1)}, rows
