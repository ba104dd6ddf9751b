"""Two webhook workers (processes of their own) on one PostgreSQL, behind a round-robin reverse
proxy, the fake Telegram delivering and retrying as Telegram does; one worker is SIGKILLed in
the middle. Every update must be handled, and answered, exactly once whichever worker got it.

The test holds PostgreSQL locks to put the kill where it proves something, instead of hoping
to land in a window a few milliseconds wide:
- `members` locked: every handler waits in its first statement (before any effect or answer)
  while the inbox still takes updates. The updates pushed then are committed and unhandled,
  held (leased) by the worker that took them: the dead worker's must be taken over by the
  other once their lease expires.
- the next updates' inbox rows inserted, uncommitted, by the test itself: a worker storing one
  of them waits on that key, so it cannot answer; the proxy gives Telegram a 504 after its read
  timeout, and Telegram sends the update again, possibly to the other worker, while the first
  attempt still waits (the inbox's dedup by update_id decides). The kill lands on some of these:
  never committed, Telegram gets a 502 and sends them again; only the live worker remains.
A worker that answered 200 before its commit loses those (the test fails: never answered); an
inbox without its dedup stores or handles some twice (the test fails: a double or a 500 loop).
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.adapters.telegram.webhook_support import (
    Worker,
    kill_left,
    start_worker,
    stop_cleanly,
    until,
    until_async,
)
from tests.adapters.telegram.world import ANNOUNCE, button
from tests.fakes.reverse_proxy import RoundRobinProxy
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres import _dsn

ALICE = 1
MEMBERS = list(range(1001, 1017))  # 16 members
HELD = MEMBERS[:8]  # those who write while the database holds their updates back
SECRET = "w0rkers-s3cret"
PATH = "/telegram"
LEASE = 2.0  # seconds: a dead worker's updates are taken over that long after its last renewal
PROXY_TIMEOUT = 1.0  # seconds the proxy waits for a worker (nginx's proxy_read_timeout)
TITLES = ("Atelier soudure", "Atelier couture")


def says(fake: FakeTelegram, chat: int, text: str) -> bool:
    return any(text in m["text"].lower() for m in fake.chat_log(chat))


def announcement(fake: FakeTelegram, title: str) -> dict[str, Any] | None:
    return next(
        (m for m in fake.chat_log(ANNOUNCE) if title in m["text"] and m["reply_markup"]), None
    )


@pytest.mark.timeout(120)
async def test_two_webhook_workers_one_killed_every_update_handled_once(
    database: str, tmp_path: Path
) -> None:
    import asyncpg

    fake = FakeTelegram()
    fake.add_user(ALICE, "Alice", username="alice")
    for member in MEMBERS:
        fake.add_user(member, f"Membre {member}", username=f"m{member}")
    fake.add_group(ANNOUNCE, "Makers", admins=[ALICE], members=MEMBERS)
    await fake.start()
    fake.start_delivering(timeout=10, delay_scale=0.1)  # Telegram's retry delays, shorter
    proxy = RoundRobinProxy([], read_timeout=PROXY_TIMEOUT)  # the workers' added below
    await proxy.start()
    hook = proxy.url + PATH
    db = await asyncpg.connect(_dsn(_url(database)))
    workers: list[Worker] = []
    try:
        a = start_worker("worker-a", database, fake, hook, tmp_path, secret=SECRET, lease=LEASE)
        b = start_worker("worker-b", database, fake, hook, tmp_path, secret=SECRET, lease=LEASE)
        workers += [a, b]
        proxy.backends[:] = [a.url, b.url]
        await until(lambda: all("ready" in w.output() for w in workers), "both workers", a, b)

        # Each worker set the same webhook (idempotent); the second was told to wait (429).
        sets = [c.params for c in fake.calls_of("setWebhook")]
        assert len(sets) >= 2
        assert {(p["url"], p["secret_token"], json.dumps(p["allowed_updates"])) for p in sets} == {
            (hook, SECRET, json.dumps(sets[0]["allowed_updates"]))
        }
        info = await _webhook_info(fake)
        assert info["url"] == hook

        # Every worker checks the secret: a forged update is refused, directly or proxied.
        forged = {"update_id": 999_999, "message": {"message_id": 1, "date": 0, "text": "/x"}}
        async with aiohttp.ClientSession() as session:
            for base in (a.url, b.url, proxy.url, proxy.url):
                for secret in ("wrong", None):
                    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                    async with session.post(base + PATH, json=forged, headers=headers) as got:
                        assert got.status == 401, base

        # The community and two lives, through the proxy; every member opens the private chat.
        pushed: list[int] = []
        queries: dict[str, int] = {}  # press (callback query id) -> member
        asks: dict[str, int] = {}  # question text -> member

        def text(user: int, chat: int, said: str) -> None:
            pushed.append(fake.push_text(user, chat, said)["update_id"])

        def press(user: int, title: str, label: str) -> None:
            posted = announcement(fake, title)
            assert posted is not None
            data = button(posted, label)
            update = fake.push_callback(user, ANNOUNCE, posted["message_id"], data)
            pushed.append(update["update_id"])
            queries[update["callback_query"]["id"]] = user

        def ask(user: int, live: int, tag: str) -> None:
            asked = f"Question {tag} de {user}"
            asks[asked] = user
            text(user, user, f"/ask {live} {asked}")

        text(ALICE, ALICE, "/start")
        await until(lambda: bool(fake.chat_log(ALICE)), "Alice's /start", a, b)
        text(ALICE, ANNOUNCE, "/setup")
        await until(
            lambda: says(fake, ANNOUNCE, "communauté") or says(fake, ALICE, "communauté"),
            "/setup",
            a,
            b,
        )
        when = (date.today() + timedelta(days=30)).isoformat()
        for title in TITLES:
            text(ALICE, ALICE, f"/schedule\ntitle: {title}\nwhen: {when} 18:30\ncapacity: 50")
            await until(lambda t=title: announcement(fake, t) is not None, title, a, b)
        for member in MEMBERS:
            text(member, member, "/start")
        await until(lambda: all(fake.chat_log(m) for m in MEMBERS), "every /start", a, b)

        def answered() -> bool:
            toasts = Counter(c.params.get("callback_query_id") for c in _answers(fake))
            return all(toasts[q] for q in queries) and all(
                _question_ids(fake, asks[t]) >= _asked_count(asks, asks[t]) for t in asks
            )

        async def settled() -> bool:
            left = await db.fetchval("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
            owed = await db.fetchval(
                "SELECT count(*) FROM deliveries WHERE key LIKE 'answer:%' AND status = 'pending'"
            )
            return left == 0 and owed == 0 and not fake.pending_updates()

        # 1. Both workers up: each member joins the first live and asks a question.
        for member in MEMBERS:
            press(member, TITLES[0], "Participer")
            ask(member, 1, "a")
        await until(answered, "the first round's answers", a, b)
        await until_async(settled, "the first round settled", a, b)

        # 2. Handlers held in their first statement; the inbox still takes updates.
        await db.execute("BEGIN")
        await db.execute("LOCK TABLE members IN ACCESS EXCLUSIVE MODE")
        before = len(pushed)
        for member in HELD:
            press(member, TITLES[1], "Participer")
            ask(member, 2, "b")
        held = [str(u) for u in pushed[before:]]

        async def stored() -> bool:
            count = "SELECT count(*) FROM inbox WHERE external_id = any($1::text[])"
            return not fake.pending_updates() and await db.fetchval(count, held) == len(held)

        await until_async(stored, "the held updates stored", a, b)
        rows = await db.fetch(
            "SELECT external_id, lease_holder FROM inbox WHERE handled_at IS NULL"
        )
        held_by_a = {int(r["external_id"]) for r in rows if r["lease_holder"] == a.name}
        assert held_by_a, f"worker-a stored none of the held updates: {rows}"

        # 3. The next updates cannot be stored yet: their keys are taken by the test's rows.
        first = fake.next_update_id
        waiting = range(first, first + 2 * len(HELD))
        for update_id in waiting:
            await db.execute(
                "INSERT INTO inbox (platform, external_id, payload, received_at)"
                " VALUES ('telegram', $1, '{}', now())",
                str(update_id),
            )
        gave_up = proxy.statuses[504]
        for member in HELD:
            press(member, TITLES[0], "Participer")  # signed up already: a refusal
            ask(member, 1, "c")
        assert pushed[-1] == waiting[-1]

        def unconfirmed() -> set[int]:
            return {u["update_id"] for u in fake.pending_updates()} & set(waiting)

        await until(
            lambda: (
                (proxy.statuses[504] >= gave_up + 2 and proxy.in_flight[a.url] >= 1)
                or not unconfirmed()
            ),
            "deliveries held at both workers until the proxy gave up on some",
            a,
            b,
        )
        # None of them can be committed while the test holds their keys: a 200 is a lie.
        assert unconfirmed() == set(waiting), (
            f"Telegram was told {sorted(set(waiting) - unconfirmed())} arrived (200) before"
            " they could be committed"
        )
        a.popen.send_signal(signal.SIGKILL)
        await asyncio.to_thread(a.popen.wait, 10)
        await db.execute("ROLLBACK")  # the test's rows gone, the locks let go

        # 4. Only worker-b now: another round from everyone.
        for member in MEMBERS:
            ask(member, 2, "d")
            press(member, TITLES[1], "Détails")
        await until(answered, "every update answered", b)
        await until_async(settled, "every update handled", b)
        await asyncio.sleep(1.0)  # anything handled twice would be said by now

        # Every update stored once and handled; those worker-a held, by worker-b.
        rows = await db.fetch("SELECT external_id, handled_at, lease_holder FROM inbox")
        stored = Counter(int(r["external_id"]) for r in rows)
        assert sorted(stored) == sorted(pushed) and set(stored.values()) == {1}
        assert all(r["handled_at"] is not None for r in rows)
        taken_over = {int(r["external_id"]) for r in rows if r["lease_holder"] == b.name}
        assert held_by_a <= taken_over
        # Every press answered once (an answer Telegram took, none refused as late).
        toasts = Counter(c.params.get("callback_query_id") for c in _answers(fake))
        assert {q: toasts[q] for q in queries} == dict.fromkeys(queries, 1)
        assert len(fake.answers()) == len(queries)
        # Every question stored once, and its author told once.
        questions = await db.fetch("SELECT id, text FROM questions")
        assert Counter(r["text"] for r in questions) == Counter(list(asks))
        for member in MEMBERS:
            told = Counter(_told_ids(fake, member))
            mine = {r["id"] for r in questions if asks[r["text"]] == member}
            assert told == Counter(mine), member
        signups = await db.fetch(
            "SELECT s.live_id, m.external_id FROM signups s JOIN members m ON m.id = s.member_id"
        )
        expected = {(1, str(m)) for m in MEMBERS} | {(2, str(m)) for m in HELD}
        assert Counter((r["live_id"], r["external_id"]) for r in signups) == Counter(expected)
        # Telegram did send some again, while the first attempt still waited at a worker (504)
        # or after the worker died under it (502): the inbox kept one of each.
        assert proxy.statuses[502] + proxy.statuses[504] >= 2
        sent = Counter(t.update_id for t in fake.webhook.attempts if t.update_id in waiting)
        assert max(sent.values()) >= 2, sent
        assert not fake.pending_updates()

        await stop_cleanly(b)
    finally:
        kill_left(workers)
        await db.close()
        await proxy.stop()
        await fake.stop()


def _url(database: str) -> Any:
    from sqlalchemy.engine import make_url

    return make_url(database)


async def _webhook_info(fake: FakeTelegram) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fake.base_url}{fake.token}/getWebhookInfo") as got,
    ):
        return dict((await got.json())["result"])


def _answers(fake: FakeTelegram) -> list[Any]:
    return fake.calls_of("answerCallbackQuery")


_TOLD = re.compile(r"Ta question Q(\d+) pour")


def _told_ids(fake: FakeTelegram, member: int) -> list[int]:
    """The question ids the bot told the member it received, one per message saying so."""
    return [int(m.group(1)) for x in fake.chat_log(member) if (m := _TOLD.search(x["text"]))]


def _question_ids(fake: FakeTelegram, member: int) -> int:
    return len(_told_ids(fake, member))


def _asked_count(asks: dict[str, int], member: int) -> int:
    return sum(1 for who in asks.values() if who == member)
