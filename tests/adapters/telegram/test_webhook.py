"""Webhook mode: Telegram calls us; a call with the wrong secret is refused and changes
nothing, the right one is stored, then handled."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp

from bot.app import App
from tests.adapters.telegram.world import open_world
from tests.fakes.telegram_api import FakeTelegram


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_webhook_with_a_wrong_and_a_right_secret(fake: FakeTelegram, tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    fake.add_user(7, "Zoé")
    app: App = await open_world(
        tmp_path,
        fake,
        webhook_url=url,
        webhook_secret="s3cret-token",
        webhook_listen=("127.0.0.1", port),
    )
    try:
        webhook = fake.calls_of("setWebhook")[-1].params
        assert webhook["url"] == url and webhook["secret_token"] == "s3cret-token"
        assert not fake.calls_of("getUpdates")  # no long polling in webhook mode

        forged = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "from": {"id": 7, "is_bot": False, "first_name": "Zoé"},
                "text": "/aide",
                "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            },
        }
        async with aiohttp.ClientSession() as session:
            for secret in ("wrong", None):
                headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                async with session.post(url, data=json.dumps(forged), headers=headers) as answer:
                    assert answer.status == 401
        assert fake.chat_log(7) == []

        fake.push_text(7, 7, "/aide")
        assert await fake.deliver_webhook() == [200]
        await fake.wait_for(lambda: bool(fake.chat_log(7)))
        assert "/participer" in fake.chat_log(7)[0]["text"]
        assert fake.pending_updates() == []
    finally:
        await app.stop()
