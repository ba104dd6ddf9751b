"""Webhook mode: Telegram calls us; a call with the wrong secret is refused and changes
nothing, the right one is stored, then handled."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import aiohttp
from telegram import Bot

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


async def test_a_worker_told_to_wait_by_set_webhook_waits_and_sets_it(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    """Workers starting together each set the webhook; Telegram takes one setWebhook a second
    and refuses the next with 429: the worker waits as told and sets it, its start goes on."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with Bot(fake.token, base_url=fake.base_url) as other_worker:
        assert await other_worker.set_webhook(url, secret_token="s3cret-token")
    app: App = await open_world(
        tmp_path,
        fake,
        webhook_url=url,
        webhook_secret="s3cret-token",
        webhook_listen=("127.0.0.1", port),
    )
    try:
        calls = fake.calls_of("setWebhook")
        assert len(calls) == 3  # the other worker's, ours refused (429), ours again
        assert calls[-1].at - calls[-2].at >= 1.0
        assert {c.params["url"] for c in calls} == {url}
        fake.add_user(7, "Zoé")
        fake.push_text(7, 7, "/aide")
        assert await fake.deliver_webhook() == [200]
        await fake.wait_for(lambda: bool(fake.chat_log(7)))
    finally:
        await app.stop()
