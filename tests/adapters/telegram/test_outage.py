"""PostgreSQL going away in the middle of a live, and coming back: a real cut between the bot
and a real PostgreSQL (a TCP proxy that drops every connection and refuses new ones), the real
python-telegram-bot against the fake Telegram server.

While the database is away the bot keeps running: a member who presses or types is told, in
their language, that the database does not answer and that their request is kept; nothing is
confirmed to Telegram that is not stored; `/healthz` says 503 and why. Once it is back, with no
restart: the press and the command sent meanwhile are handled once each, and the reminder that
fell due meanwhile goes out, late, once.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import asyncpg
import pytest
from sqlalchemy.engine import make_url

from bot.adapters.telegram.service import POLL_LOCK_RETRY
from bot.app import App, build
from bot.core.messages import Text
from bot.i18n.catalog import render
from bot.settings import Settings, TelegramSettings, WebSettings
from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, FAST, MODERATION, World, button
from tests.fakes.cut import CutDatabase, CuttableProxy, cut_database
from tests.fakes.telegram_api import FakeTelegram

TITLE = "Atelier vélo"
DUE_IN = 2.0  # seconds from the clock's jump to Bob's reminder: it falls due during the cut
WAIT = 10.0
__all__ = ["cut_database"]  # the fixture


class Jumping:
    """The wall clock, moved on by the test (the live is days away, its reminder due now)."""

    def __init__(self) -> None:
        self.ahead = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


async def start(url: str, fake: FakeTelegram, clock: Jumping) -> App:
    config = Settings(
        database_url=url,
        reminders=("15m",),
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
        web=WebSettings(("127.0.0.1", 0)),
    )
    app = await build(config, telegram_limits=FAST)
    # One clock for the core, the sender and the alarm (`build` hands them the same object).
    app.core.clock.now = clock.now  # type: ignore[method-assign]
    await app.start()
    return app


async def health(app: App, path: str = "/healthz") -> tuple[int, Any]:
    assert app.web is not None
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{app.web.url.rstrip('/')}{path}") as got,
    ):
        json_body = got.content_type == "application/json"
        body = await got.json() if json_body else await got.text()
        return got.status, body


def held_again(caplog: pytest.LogCaptureFixture) -> bool:
    """Taken again after the last cut (the first cut's may fall within the second)."""
    said = [r.getMessage() for r in caplog.records]
    last_cut = max(i for i, line in enumerate(said) if "waits for the database" in line)
    return any("is held again" in line for line in said[last_cut:])


async def advisory_locks(url: str) -> int:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        )
    finally:
        await conn.close()
    return int(found)


def texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [m["text"] for m in fake.chat_log(chat)]


def said(key: str, locale: str) -> str:
    return render(Text(locale, key))


async def test_the_database_cut_in_the_middle_of_a_live_then_back(
    cut_database: CutDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = Jumping()
    async with FakeTelegram() as fake:
        app = await start(cut_database.url, fake, clock)
        world = World(fake, app)
        try:
            await the_cut(world, cut_database.proxy, clock)
            # The poller's lock went with its connection; it is held again, by this process.
            await fake.wait_for(lambda: held_again(caplog), timeout=POLL_LOCK_RETRY + WAIT)
            assert await advisory_locks(cut_database.direct) == 1
            assert world.service.poller is not None
        finally:
            await app.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []


async def the_cut(world: World, proxy: CuttableProxy, clock: Jumping) -> None:
    fake, app = world.fake, world.app
    alice, mia, bob = world.person(1, "Alice"), world.person(2, "Mia"), world.person(3, "Bob")
    chloe = world.person(4, "Chloe", language="en")
    fake.add_group(ANNOUNCE, "Makers", admins=[alice.id], members=[bob.id, chloe.id, mia.id])
    fake.add_group(MODERATION, "Makers modération", admins=[alice.id], members=[mia.id])
    await set_up(world)
    day = date.today() + timedelta(days=3)
    await alice.says(f'/planifier title="{TITLE}" when="{day.isoformat()} 18:30"')
    announcement = next(m for m in world.group(ANNOUNCE) if TITLE in m["text"])
    await bob.says("/start")
    await chloe.says("/start")
    await bob.presses("Participer", announcement, where=ANNOUNCE)
    # Its answer withdrawn from the ledger now, not in the next batch: the clock is about to
    # jump days ahead, past the time that copy would be sent.
    await world.service.receipts.flush()
    starts = datetime(day.year, day.month, day.day, 18, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert (await health(app))[0] == 200

    # Bob's reminder (15 minutes before) falls due in DUE_IN seconds, and the database goes.
    clock.ahead = starts - timedelta(minutes=15, seconds=DUE_IN) - datetime.now(UTC)
    app.alarm.wake_at(clock.now())
    await proxy.cut()
    cut_at = clock.now()

    # Chloé presses Join: told at once, in English, that it is kept.
    fake.push_callback(
        chloe.id, ANNOUNCE, announcement["message_id"], button(announcement, "Participer")
    )
    kept_en = said("error.store_unavailable_kept", "en")
    await fake.wait_for(lambda: any(a["text"] == kept_en for a in fake.answers()), timeout=WAIT)
    # Bob asks for his lives privately: told in French, in his chat.
    before = len(fake.chat_log(bob.id))
    fake.push_text(bob.id, bob.id, "/mesinscriptions")
    kept_fr = said("error.store_unavailable_kept", "fr")
    await fake.wait_for(lambda: kept_fr in texts(fake, bob.id)[before:], timeout=WAIT)

    status, body = await health(app)
    assert status == 503
    assert body["problems"]["database"].startswith("unavailable: "), body
    status, body = await health(app, "/c/1")  # the community's public page: try again soon
    assert (status, body) == (
        503,
        "The database is not responding right now: try again in a moment.\n",
    )
    # Nothing confirmed to Telegram that is not stored: both updates still wait there.
    assert len(fake.pending_updates()) == 2
    # The reminder fell due during the cut, and waits.
    await fake.wait_for(lambda: clock.now() > cut_at + timedelta(seconds=2 * DUE_IN), timeout=WAIT)
    assert not any("Rappel" in t for t in texts(fake, bob.id))

    await proxy.restore()
    reminder = "⏰ Rappel"
    await fake.wait_for(lambda: any(reminder in t for t in texts(fake, bob.id)), timeout=WAIT)
    await fake.wait_for(lambda: not fake.pending_updates(), timeout=WAIT)
    await world.service.inbox.drain()
    # Chloé's press took effect; its outcome came privately (the press had its answer).
    await fake.wait_for(lambda: any(TITLE in t for t in texts(fake, chloe.id)), timeout=WAIT)
    assert (await health(app))[0] == 200
    await app.outbox.flush()

    bob_after = texts(fake, bob.id)[before:]
    assert sum(reminder in t for t in bob_after) == 1, bob_after
    assert bob_after.count(kept_fr) == 1, bob_after
    assert sum(TITLE in t for t in bob_after if reminder not in t) == 1, bob_after  # his lives
    chloe_joined = [t for t in texts(fake, chloe.id) if TITLE in t]
    assert len(chloe_joined) == 1, texts(fake, chloe.id)
    assert [a["text"] for a in fake.answers() if a["text"] == kept_en] == [kept_en]
    async with app.store.unit() as uow:
        assert await uow.inbox.pending("telegram", 100) == []
    await cut_while_handling(world, proxy)


async def cut_while_handling(world: World, proxy: CuttableProxy) -> None:
    """The database goes after an update was stored and confirmed to Telegram, while it is
    being handled: that update is not lost; it is handled once, after the database is back."""
    fake, app = world.fake, world.app
    dina = world.person(5, "Dina")  # in the group, new to the bot: her first message enrolls her
    fake.set_status(ANNOUNCE, dina.id, "member")
    fake.set_latency(0.5)  # Telegram slow to say who is in the group: the cut comes meanwhile
    pushed = fake.push_text(dina.id, dina.id, "/start")
    asked = lambda: any(  # noqa: E731
        c.method == "getChatMember" and str(c.params.get("user_id")) == str(dina.id)
        for c in fake.calls
    )
    await fake.wait_for(asked, timeout=WAIT)  # so it was stored: it is being handled
    await proxy.cut()
    kept_fr = said("error.store_unavailable_kept", "fr")
    await fake.wait_for(lambda: kept_fr in texts(fake, dina.id), timeout=WAIT)
    # Confirmed to Telegram, which will never send it again: only the inbox has it now.
    assert fake.confirmed_offset > pushed["update_id"]
    assert not fake.pending_updates()
    fake.set_latency(0)
    await proxy.restore()
    await fake.wait_for(lambda: len(texts(fake, dina.id)) >= 2, timeout=WAIT)
    await world.service.inbox.drain()
    await app.outbox.flush()
    assert texts(fake, dina.id)[0] == kept_fr
    assert len(texts(fake, dina.id)) == 2, texts(fake, dina.id)  # kept, then handled once
    async with app.store.unit() as uow:
        assert await uow.inbox.pending("telegram", 100) == []


async def test_a_webhook_update_is_refused_while_the_database_is_away_then_handled(
    cut_database: CutDatabase, caplog: pytest.LogCaptureFixture
) -> None:
    """Webhook mode: the update is answered 503 (Telegram sends it again) while the database
    is away, its sender told it is kept; once the database is back it is taken, and handled
    once."""
    caplog.set_level(logging.INFO)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    async with FakeTelegram() as fake:
        fake.add_user(7, "Zoé", language_code="fr")
        config = Settings(
            database_url=cut_database.url,
            telegram=TelegramSettings(
                token=fake.token,
                api_base_url=fake.base_url,
                webhook_url=f"http://127.0.0.1:{port}/hook",
                webhook_secret="s3cret",
                webhook_listen=("127.0.0.1", port),
            ),
            web=WebSettings(None),
        )
        app = await build(config, telegram_limits=FAST)
        await app.start()
        try:
            await cut_database.proxy.cut()
            fake.push_text(7, 7, "/aide")
            assert await fake.deliver_webhook() == [503]
            kept = said("error.store_unavailable_kept", "fr")
            await fake.wait_for(lambda: texts(fake, 7) == [kept], timeout=WAIT)
            assert await fake.deliver_webhook() == [503]  # sent again: told once
            await cut_database.proxy.restore()
            assert await fake.deliver_webhook() == [200]
            await fake.wait_for(lambda: len(texts(fake, 7)) == 2, timeout=WAIT)
            await app.outbox.flush()
            assert texts(fake, 7)[0] == kept and "/participer" in texts(fake, 7)[1]
            assert len(texts(fake, 7)) == 2
        finally:
            await app.stop()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
