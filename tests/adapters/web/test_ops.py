"""`/healthz` and `/metrics` over real HTTP, on a bot started with both real adapters against the
fake Telegram and the fake Discord: ready only when the database and both adapters are up, and
metrics that count what the bot really did (commands typed, messages sent, 429s received) and
read the ledger and the inbox as they are."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.core.messages import Destination
from bot.core.ports import UnitOfWork
from tests.adapters.both.world import TG_ANNOUNCE, World, link_both
from tests.adapters.discord.steps import scheduled

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def base(world: World) -> str:
    assert world.app.web is not None
    return world.app.web.url


async def health(http: aiohttp.ClientSession, world: World) -> tuple[int, Any]:
    async with http.get(f"{base(world)}/healthz") as got:
        if got.status == 200:
            return got.status, await got.text()
        return got.status, await got.json()


async def until_unready(http: aiohttp.ClientSession, world: World) -> dict[str, str]:
    """Asks until the bot notices (a lost connection is seen at its next request)."""
    for _ in range(500):
        status, body = await health(http, world)
        if status == 503:
            assert body["ready"] is False, body
            problems: dict[str, str] = body["problems"]
            return problems
        await asyncio.sleep(0.02)
    raise AssertionError("the bot still says it is ready")


async def scrape(http: aiohttp.ClientSession, world: World) -> Samples:
    async with http.get(f"{base(world)}/metrics") as got:
        assert got.status == 200
        assert got.headers["Content-Type"].startswith("text/plain")
        text = await got.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_ready_when_the_database_and_both_adapters_are_up(
    world: World, http: aiohttp.ClientSession
) -> None:
    assert await health(http, world) == (200, "ready")


async def test_telegram_unreachable_makes_it_unready_and_says_so(
    world: World, http: aiohttp.ClientSession
) -> None:
    assert (await health(http, world))[0] == 200
    await world.tg.fake.stop()  # Telegram gone: the long poll fails, and so does every retry
    problems = await until_unready(http, world)
    assert list(problems) == ["telegram"], problems
    assert "getUpdates failed" in problems["telegram"]


async def test_discord_gateway_lost_makes_it_unready(
    world: World, http: aiohttp.ClientSession
) -> None:
    await world.dc.fake.stop()
    problems = await until_unready(http, world)
    assert list(problems) == ["discord"], problems


async def test_a_database_that_does_not_answer_makes_it_unready(
    world: World, http: aiohttp.ClientSession
) -> None:
    """The database thread held by a statement that does not end (a lock held elsewhere, a
    disk gone): the check waits a bounded time, then says so."""
    release = threading.Event()
    stuck = asyncio.ensure_future(world.app.store.run_sync(lambda _conn: release.wait(30)))
    try:
        problems = await until_unready(http, world)
    finally:
        release.set()
        await stuck
    assert problems == {"database": "no answer within 2 s"}, problems
    assert await health(http, world) == (200, "ready")


async def test_metrics_count_commands_sends_and_429s(
    world: World, http: aiohttp.ClientSession
) -> None:
    before = await scrape(http, world)
    assert value(before, "solidaire_rate_limited_total", platform="telegram") == 0
    assert value(before, "solidaire_rate_limited_total", platform="discord") == 0
    await link_both(world)
    # Telegram refuses the announcement's first try with a 429; the outbox tries again later.
    world.tg.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=TG_ANNOUNCE,
    )
    await scheduled(world.dc)
    for _ in range(300):  # the retry is due a second later, on the alarm clock
        await world.settle()
        if any("Nouveau live" in m.get("text", "") for m in world.tg_group(TG_ANNOUNCE)):
            break
        await asyncio.sleep(0.02)
    after = await scrape(http, world)

    sent = "solidaire_sends_total"
    assert value(after, sent, platform="telegram", kind="announcement", outcome="delivered") == 1
    assert value(after, sent, platform="telegram", kind="announcement", outcome="rate_limited") == 1
    assert value(after, sent, platform="discord", kind="announcement", outcome="delivered") == 1
    assert value(after, "solidaire_rate_limited_total", platform="telegram") == 1
    # Olga's /setup, /link and /schedule on Discord, Alice's /link on Telegram: each timed once
    # per run, under the spec's command names.
    assert value(after, "solidaire_command_seconds_count", command="setup") == 1
    assert value(after, "solidaire_command_seconds_count", command="schedule") == 1
    assert value(after, "solidaire_command_seconds_count", command="link") == 4
    assert value(after, "solidaire_command_seconds_bucket", command="setup", le="+Inf") == 1
    assert value(after, "solidaire_queue_depth") == 0
    assert value(after, "solidaire_ledger_lag_seconds") == 0
    assert value(after, "solidaire_inbox_depth", platform="telegram") == 0


async def test_an_unknown_command_is_timed_as_other(
    world: World, http: aiohttp.ClientSession
) -> None:
    said = await world.tg.people["Zoé"].says("/frobnicate now")
    assert said, said
    samples = await scrape(http, world)
    assert value(samples, "solidaire_command_seconds_count", command="other") == 1
    assert not any("frobnicate" in str(key) for key in samples)


async def test_ledger_lag_is_the_age_of_the_oldest_row_due(
    world: World, http: aiohttp.ClientSession
) -> None:
    """Rows for a platform no process here runs wait in the ledger: the lag grows with them."""
    now = world.app.core.clock.now()

    async def owe(uow: UnitOfWork) -> None:
        for minutes in (10, 3):
            where = Destination("elsewhere", f"chat-{minutes}", private=False)
            at = now - timedelta(minutes=minutes)
            await uow.deliveries.add(f"test:{minutes}", "reminder", at, where, {}, None, None)

    await world.app.store.run(owe)
    samples = await scrape(http, world)
    assert value(samples, "solidaire_queue_depth") == 2
    assert value(samples, "solidaire_ledger_lag_seconds") >= 600


async def test_each_bot_counts_in_its_own_registry(world: World) -> None:
    """Never prometheus-client's global registry: two bots in one process count apart."""
    from prometheus_client import REGISTRY

    assert world.app.operations is not None
    assert world.app.operations.registry is not REGISTRY
    assert REGISTRY.get_sample_value("solidaire_queue_depth") is None
