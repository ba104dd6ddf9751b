"""The fake Telegram's webhook delivery, as the real python-telegram-bot sets it up: updates
POSTed with the secret, one at a time per chat and in order, retried until answered 2xx (at
once, then after doubling delays), `max_connections` at most at once; a second setWebhook
within a second is refused with 429; and the round-robin proxy the webhook tests put in front
of their workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import RetryAfter

from tests.fakes.reverse_proxy import RoundRobinProxy
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_webhook import queue_of

ANN, BOB = 1001, 1002
GROUP = -100500
Receive = Callable[[web.Request], Awaitable[web.Response]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.add_user(ANN, "Ann")
        server.add_user(BOB, "Bob")
        server.add_group(GROUP, "Entraide", members=[ANN, BOB])
        yield server


async def serve(receive: Receive) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_post("/hook", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def bot_for(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, base_url=fake.base_url)


async def test_updates_are_retried_until_taken_in_order_per_chat(fake: FakeTelegram) -> None:
    seen: list[tuple[int, str | None]] = []
    refusals = {"first": 2}  # the first update is refused twice

    async def receive(request: web.Request) -> web.Response:
        update: dict[str, Any] = await request.json()
        seen.append((update["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        if update["message"]["text"] == "first" and refusals["first"]:
            refusals["first"] -= 1
            return web.Response(status=500)
        return web.Response(status=200)

    runner, base = await serve(receive)
    try:
        async with bot_for(fake) as bot:
            assert await bot.set_webhook(base + "/hook", secret_token="s3cret")
            first = fake.push_text(ANN, ANN, "first")["update_id"]
            second = fake.push_text(ANN, ANN, "second")["update_id"]
            other = fake.push_text(BOB, BOB, "other chat")["update_id"]
            fake.start_delivering(delay_scale=0.5)
            await fake.wait_for(lambda: not fake.pending_updates())
            info = await bot.get_webhook_info()
    finally:
        await runner.cleanup()
    ids = [update_id for update_id, _ in seen]
    # Ann's second update waited for her first, refused twice; Bob's did not wait.
    assert ids.count(first) == 3 and ids.count(second) == 1 and ids.count(other) == 1
    assert ids.index(other) < ids.index(first, 1) and ids.index(second) > len(ids) - 2
    assert {secret for _, secret in seen} == {"s3cret"}
    tries = [a for a in fake.webhook.attempts if a.update_id == first]
    assert [a.status for a in tries] == [500, 500, 200]
    # At once after the first failure, then after 2 s (scaled by half: 1 s).
    assert tries[1].at - tries[0].at < 0.5 <= 1.0 <= tries[2].at - tries[1].at
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.pending_update_count == 0


async def test_at_most_max_connections_at_once_and_one_per_chat(fake: FakeTelegram) -> None:
    users = range(2001, 2007)
    for user in users:
        fake.add_user(user, f"U{user}")
    busy, most = 0, 0
    release = asyncio.Event()

    async def receive(request: web.Request) -> web.Response:
        nonlocal busy, most
        busy += 1
        most = max(most, busy)
        await release.wait()
        busy -= 1
        return web.Response(status=200)

    runner, base = await serve(receive)
    try:
        async with bot_for(fake) as bot:
            assert await bot.set_webhook(base + "/hook", max_connections=3)
            for user in users:
                fake.push_text(user, user, "a")
                fake.push_text(user, user, "b")
            fake.start_delivering()
            await fake.wait_for(lambda: busy == 3)
            await asyncio.sleep(0.1)
            assert busy == 3  # three requests at once, no more
            release.set()
            await fake.wait_for(lambda: not fake.pending_updates())
    finally:
        await runner.cleanup()
    assert most == 3


async def test_a_second_set_webhook_within_a_second_gets_429(fake: FakeTelegram) -> None:
    async with bot_for(fake) as bot:
        assert await bot.set_webhook("https://example.org/hook")
        with pytest.raises(RetryAfter):
            await bot.set_webhook("https://example.org/hook")


def test_queues_are_chats_and_for_a_press_the_member() -> None:
    message = {"update_id": 1, "message": {"chat": {"id": GROUP}, "from": {"id": ANN}}}
    press = {"update_id": 2, "callback_query": {"from": {"id": ANN}}}
    assert queue_of(message) == ("chat", GROUP)
    assert queue_of(press) == ("user", ANN)
    assert queue_of({"update_id": 3, "poll": {}}) == ("update", 3)


async def test_the_proxy_skips_a_worker_down_and_says_502_or_504_for_one_that_fails() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(0.4)
        return web.Response(status=200)

    async def fine(request: web.Request) -> web.Response:
        return web.Response(
            status=200, text=request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
        )

    slow_runner, slow_url = await serve(slow)
    fine_runner, fine_url = await serve(fine)
    down_runner, down_url = await serve(fine)
    await down_runner.cleanup()  # its port now refuses connections
    proxy = RoundRobinProxy([down_url, fine_url, slow_url], read_timeout=0.2)
    await proxy.start()
    try:
        async with aiohttp.ClientSession() as session:
            statuses = []
            for _ in range(3):
                headers = {"X-Telegram-Bot-Api-Secret-Token": "s"}
                async with session.post(proxy.url + "/hook", json={}, headers=headers) as got:
                    statuses.append((got.status, await got.text()))
    finally:
        await proxy.stop()
        await slow_runner.cleanup()
        await fine_runner.cleanup()
    # down → skipped to fine; fine; slow → 504.
    assert [s for s, _ in statuses] == [200, 200, 504]
    assert statuses[0][1] == "s"  # the secret header went through
    assert proxy.forwarded[fine_url] == 2 and proxy.forwarded[down_url] == 0
