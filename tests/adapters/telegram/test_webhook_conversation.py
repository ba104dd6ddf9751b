"""A guided conversation across two webhook workers (processes of their own) on one PostgreSQL,
behind a round-robin reverse proxy: Bob's bare `/ask` reaches one worker and his answers the
other, turn by turn, and the question is asked all the same. The form waits in the database
between two answers, not in the memory of the worker that started it (before, the second
worker did not know the form and took Bob's answer for a stray line).

Then a member's updates keep their order across the workers: Bob's `/ask` is held on one
worker (the test locks the table its form is saved in) while his `/myschedule` reaches the
other, which waits for the `/ask` to be handled before it answers (before, it answered at
once, and Bob read the answers in the wrong order)."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.adapters.telegram.webhook_support import (
    Worker,
    kill_left,
    start_worker,
    stop_cleanly,
    until,
)
from tests.adapters.telegram.world import ANNOUNCE
from tests.fakes.reverse_proxy import RoundRobinProxy
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres import _dsn

ALICE, BOB = 1, 1001
SECRET = "f0rms-s3cret"
PATH = "/telegram"


@pytest.mark.timeout(120)
async def test_a_guided_ask_started_on_one_worker_is_finished_on_the_other(
    database: str, tmp_path: Path
) -> None:
    fake = FakeTelegram()
    fake.add_user(ALICE, "Alice", username="alice")
    fake.add_user(BOB, "Bob", username="bob")
    fake.add_group(ANNOUNCE, "Makers", admins=[ALICE], members=[BOB])
    await fake.start()
    fake.start_delivering(timeout=10, delay_scale=0.1)
    import asyncpg
    from sqlalchemy.engine import make_url

    proxy = RoundRobinProxy([])
    await proxy.start()
    hook = proxy.url + PATH
    workers: list[Worker] = []
    db = await asyncpg.connect(_dsn(make_url(database)))
    try:
        a = start_worker("worker-a", database, fake, hook, tmp_path, secret=SECRET, lease=2.0)
        b = start_worker("worker-b", database, fake, hook, tmp_path, secret=SECRET, lease=2.0)
        workers += [a, b]
        proxy.backends[:] = [a.url, b.url]
        await until(lambda: all("ready" in w.output() for w in workers), "both workers", a, b)

        async def says(user: int, chat: int, line: str) -> str:
            """`line` typed; what the bot said back in that chat (its next message)."""
            before = len(fake.chat_log(chat))
            fake.push_text(user, chat, line)
            await until(lambda: len(fake.chat_log(chat)) > before, repr(line), a, b)
            return str(fake.chat_log(chat)[before]["text"])

        await says(ALICE, ALICE, "/start")
        fake.push_text(ALICE, ANNOUNCE, "/setup")  # answered in the group or privately
        await until(
            lambda: any(
                "communauté" in m["text"].lower()
                for chat in (ANNOUNCE, ALICE)
                for m in fake.chat_log(chat)
            ),
            "/setup",
            a,
            b,
        )
        when = (date.today() + timedelta(days=30)).isoformat()
        await says(ALICE, ALICE, f'/schedule title="Atelier soudure" when="{when} 18:30"')
        await says(BOB, BOB, "/start")

        # Bob's form, one line at a time, each through the proxy to the next worker in turn.
        took: list[str] = []
        steps = ("/ask", "1", "Comment souder sans se brûler ?", "-")
        for line in steps:
            before = dict(proxy.forwarded)
            said = await says(BOB, BOB, line)
            took += [w for w in proxy.backends if proxy.forwarded[w] > before.get(w, 0)]
        assert set(took) == {a.url, b.url}, took  # both workers had a part in it
        assert "Ta question Q1 pour" in said, said

        # Bob's `/ask` held in the worker that got it; his `/myschedule` reaches the other.
        before, routed = len(fake.chat_log(BOB)), dict(proxy.forwarded)
        await db.execute("BEGIN")
        await db.execute("LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE")
        fake.push_text(BOB, BOB, "/ask")
        fake.push_text(BOB, BOB, "/myschedule")
        await until(lambda: not fake.pending_updates(), "both updates stored", a, b)
        got = {w for w in proxy.backends if proxy.forwarded[w] > routed.get(w, 0)}
        assert got == {a.url, b.url}, got
        # Time enough for the other worker to answer at once, were it not waiting.
        with contextlib.suppress(AssertionError):
            await fake.wait_for(lambda: len(fake.chat_log(BOB)) > before, timeout=2.0)
        await db.execute("ROLLBACK")
        await until(lambda: len(fake.chat_log(BOB)) >= before + 2, "both answers", a, b)
        first, second = (m["text"] for m in fake.chat_log(BOB)[before : before + 2])
        assert "Pour quel live" in first, (first, second)  # the /ask's question first
        assert "Pour quel live" not in second, second

        await stop_cleanly(*workers)
    finally:
        kill_left(workers)
        await db.close()
        await proxy.stop()
        await fake.stop()
