"""The bot killed with SIGKILL while 300 Join presses wait in its inbox, then started again.

The bot runs as a user runs it (`python -m bot`, a real process) against the fake Telegram server
running in the test. Every press must take effect exactly once: none lost (the presses fetched,
and so confirmed to Telegram, before the kill are handled from the inbox by the second run), none
twice. Every member hears of their press once: an answer to the press while Telegram still takes
one, else a private message that says it came late and names the live.

One exception, bounded like the doubles of the ledger's crash test: a press's answer is also owed
in the ledger, written with its effects and withdrawn once Telegram took the answer. A press
answered just before the kill, whose withdrawal was not yet committed, is told twice (the answer,
then the late message): those answered in the last moments, and a few more on a loaded machine.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.messages import Text
from bot.i18n.catalog import render
from tests.adapters.telegram.crash_support import BotProcess, Db, report, until
from tests.adapters.telegram.world import ANNOUNCE, button
from tests.fakes.telegram_api import FakeTelegram

ALICE = 1
MEMBERS = range(1000, 1300)
CAPACITY = 100
TITLE = "Soudure pour débutants"
LATENCY = 0.03  # seconds the fake takes per request: the backlog lasts long enough to kill in
CALLBACK_TIMEOUT = 2.0  # seconds Telegram takes an answer to a press (about 15 in real life)
KILL_AFTER = 30  # answerCallbackQuery calls seen before the kill
WAIT = 60.0  # the longest any one wait may take on a loaded machine
QUIET = 2.0  # seconds without a send or an answer: the bot has nothing more to say
LATE = render(Text("fr", "telegram.late"))
BATCH = 1.0  # seconds: the receipts' batch (50 ms) with room for a loaded machine
SLACK = 16  # presses answered before that whose withdrawal a loaded machine had not committed


def says(fake: FakeTelegram, chat: int, text: str) -> bool:
    return any(text in m["text"].lower() for m in fake.chat_log(chat))


def announcement(fake: FakeTelegram) -> dict[str, Any] | None:
    for message in fake.chat_log(ANNOUNCE):
        if TITLE in message["text"] and message["reply_markup"]:
            return message
    return None


def quiet_for(fake: FakeTelegram, seconds: float) -> bool:
    """No message sent and no press answered for `seconds`."""
    said = [c.at for c in fake.calls if c.method in ("sendMessage", "answerCallbackQuery")]
    return not said or time.monotonic() - said[-1] >= seconds


@dataclass(frozen=True)
class Stored:
    update_id: int
    member: int
    handled: bool


def presses_stored(db: Db) -> list[Stored]:
    """Every button press in the inbox."""
    out = []
    for external_id, payload, handled_at in db.rows(
        "SELECT external_id, payload, handled_at FROM inbox WHERE platform = 'telegram'"
    ):
        update = json.loads(str(payload))
        if "callback_query" in update:
            member = int(update["callback_query"]["from"]["id"])
            out.append(Stored(int(str(external_id)), member, handled_at is not None))
    return out


async def set_up(fake: FakeTelegram, bot: BotProcess) -> dict[str, Any]:
    """Alice sets the group up and schedules a live; every member opens the private chat with
    the bot (/start), so that the bot knows it may write to them. Returns the announcement."""
    await until(lambda: fake.polling, timeout=WAIT, what="the first long poll", bot=bot)
    fake.push_text(ALICE, ALICE, "/start")
    await until(lambda: bool(fake.chat_log(ALICE)), timeout=WAIT, what="/start", bot=bot)
    fake.push_text(ALICE, ANNOUNCE, "/setup")
    await until(
        lambda: says(fake, ANNOUNCE, "communauté") or says(fake, ALICE, "communauté"),
        timeout=WAIT,
        what="/setup",
        bot=bot,
    )
    for member in MEMBERS:
        fake.push_text(member, member, "/start")
    when = (date.today() + timedelta(days=30)).isoformat()
    fake.push_text(
        ALICE,
        ALICE,
        f"/schedule\ntitle: {TITLE}\nwhen: {when} 18:30\nduration: 90\ncapacity: {CAPACITY}",
    )
    await until(
        lambda: announcement(fake) is not None, timeout=WAIT, what="the announcement", bot=bot
    )
    await until(
        lambda: all(fake.chat_log(m) for m in MEMBERS),
        timeout=WAIT,
        what="an answer to every member's /start",
        bot=bot,
    )
    await until(lambda: quiet_for(fake, 0.5), timeout=WAIT, what="a quiet bot", bot=bot)
    found = announcement(fake)
    assert found is not None
    return found


@pytest.mark.timeout(240)
async def test_a_bot_killed_with_300_presses_queued_applies_each_once_after_restart(
    tmp_path: Path,
) -> None:
    started = time.monotonic()
    fake = FakeTelegram(callback_timeout=CALLBACK_TIMEOUT)
    fake.add_user(ALICE, "Alice", username="alice")
    for member in MEMBERS:
        fake.add_user(member, f"Membre {member}", username=f"membre{member}")
    fake.add_group(ANNOUNCE, "Makers", admins=[ALICE], members=MEMBERS)
    db = Db(tmp_path / "solidaire.sqlite3")
    bots: list[BotProcess] = []
    await fake.start()
    try:
        first = BotProcess.start("first run", fake, db.path, tmp_path)
        bots.append(first)
        posted = await set_up(fake, first)
        join = button(posted, "Participer|Join")
        before = {m: len(fake.chat_log(m)) for m in MEMBERS}  # their /start answer
        set_up_in = time.monotonic() - started

        def dms(member: int) -> list[str]:
            """What the bot wrote to the member privately since the presses."""
            return [m["text"] for m in fake.chat_log(member)[before[member] :]]

        def answered() -> Counter[str]:
            """Accepted answers, by query id."""
            return Counter(a["callback_query_id"] for a in fake.answers())

        def told(member: int) -> bool:
            """An answer to the press, or a private message naming the live."""
            return bool(answered()[query_of[member]]) or any(TITLE in t for t in dms(member))

        # 300 presses at once, on a slower Telegram.
        fake.set_latency(LATENCY)
        pushed_at = time.monotonic()
        query_of: dict[int, str] = {}
        last_update = 0
        for member in MEMBERS:
            update = fake.push_callback(member, ANNOUNCE, posted["message_id"], join)
            query_of[member] = update["callback_query"]["id"]
            last_update = update["update_id"]

        def fetched_and_some_answered() -> bool:
            calls = len(fake.calls_of("answerCallbackQuery"))
            return fake.confirmed_offset > last_update and calls >= KILL_AFTER

        await until(
            fetched_and_some_answered,
            timeout=WAIT,
            what="every press fetched and a few answered",
            bot=first,
            interval=0.005,
        )
        await first.kill()
        killed_at = time.monotonic()
        calls_at_kill = len(fake.calls_of("answerCallbackQuery"))
        told_at_kill = {m for m in MEMBERS if told(m)}

        at_kill = presses_stored(db)
        assert len(at_kill) == len(MEMBERS), f"{len(at_kill)} presses in the inbox at the kill"
        left = {p.update_id for p in at_kill if not p.handled}
        assert left, (
            f"every press was handled before the kill ({calls_at_kill} answers): the test "
            f"proves nothing; slow the fake down (LATENCY)\n{report(first)}"
        )
        # Those were confirmed to Telegram (the next getUpdates said so), which will never
        # send them again: only the inbox still has them.
        assert max(left) < fake.confirmed_offset
        assert not {u["update_id"] for u in fake.pending_updates()} & left
        left_members = {p.member for p in at_kill if p.update_id in left}
        # Answered, but the private copy owed in the ledger not yet withdrawn when the process
        # died: those members will hear twice (the only doubles allowed).
        owed = {
            int(str(member))
            for (member,) in db.rows(
                "SELECT m.external_id FROM deliveries d JOIN members m ON m.id = d.member_id"
                " WHERE d.key LIKE ? AND d.status = 'pending'",
                "answer:%",
            )
        }
        in_flight = owed & told_at_kill
        # Bounded by the presses answered in the last moments, whose withdrawals wait for the
        # next batch (Receipts: every 50 ms), and a few more on a loaded machine.
        recent = sum(1 for c in fake.calls_of("answerCallbackQuery") if c.at >= killed_at - BATCH)
        bound = SLACK + recent
        assert len(in_flight) <= bound, f"{len(in_flight)} presses in flight, at most {bound}"

        # Past Telegram's deadline: the presses left can no longer be answered.
        await asyncio.sleep(max(0.0, pushed_at + CALLBACK_TIMEOUT + 0.5 - time.monotonic()))
        second = BotProcess.start("second run", fake, db.path, tmp_path)
        bots.append(second)
        await until(
            lambda: db.unhandled() == 0, timeout=WAIT, what="every update handled", bot=second
        )
        expected = set(MEMBERS)
        try:
            await until(
                lambda: all(told(m) for m in expected) and quiet_for(fake, QUIET),
                timeout=WAIT,
                what="every member told, then a quiet bot",
                bot=second,
            )
        except AssertionError:
            pass  # the assertions below say who was not told
        status = await second.terminate()
        output = report(first, second)
        print(
            f"\nset up in {set_up_in:.1f} s; killed {killed_at - pushed_at:.2f} s after the "
            f"presses, {calls_at_kill} answers sent; {len(left)} presses unhandled and "
            f"{len(in_flight)} in flight at the kill; second run "
            f"{time.monotonic() - killed_at:.1f} s; total {time.monotonic() - started:.1f} s"
        )

        # Each press took effect once: one sign-up per member, the first CAPACITY confirmed.
        signups = db.rows(
            "SELECT m.external_id, s.status FROM signups s JOIN members m ON m.id = s.member_id"
            " JOIN lives l ON l.id = s.live_id WHERE l.title = ?",
            TITLE,
        )
        per_member = Counter(int(str(member)) for member, _ in signups)
        assert set(per_member) == set(MEMBERS), f"lost: {sorted(set(MEMBERS) - set(per_member))}"
        assert max(per_member.values()) == 1, [m for m, n in per_member.items() if n > 1]
        statuses = Counter(str(status) for _, status in signups)
        assert statuses == {"confirmed": CAPACITY, "waitlisted": len(MEMBERS) - CAPACITY}

        # Each press stored once (Telegram's update id is the key) and handled; those left at
        # the kill by the second run, from the inbox.
        stored = presses_stored(db)
        assert len({p.update_id for p in stored}) == len(stored) == len(MEMBERS)
        assert sorted(p.member for p in stored) == list(MEMBERS)
        assert all(p.handled for p in stored)
        resumed = f"{len(left)} updates stored before a stop were not handled yet"
        assert resumed in second.output(), output

        # Each member told once: an answer to the press, or (too late for one) a private
        # message that starts with the late note and names the live; never both, never twice.
        answers = answered()
        untold, twice, wrong, late = [], [], [], set()
        for member in MEMBERS:
            toasts, private = answers[query_of[member]], dms(member)
            notes = [text for text in private if text.startswith(LATE)]
            if not toasts and not private:
                untold.append(member)
            elif toasts > 1 or len(notes) > 1 or (toasts and private and member not in in_flight):
                twice.append((member, toasts, private))
            elif private:
                late.add(member)
                if not private[0].startswith(LATE) or sum(TITLE in t for t in private) != 1:
                    wrong.append((member, private))
        assert not twice, f"{len(twice)} members told twice: {twice[:3]}\n{output}"
        assert not wrong, f"late messages not as expected: {wrong[:3]}"
        assert not untold, f"{len(untold)} members never told: {sorted(untold)[:10]}\n{output}"
        assert left_members <= late, f"not told late: {sorted(left_members - late)[:10]}"

        assert status == 0, f"the second run did not stop on SIGTERM\n{output}"
        problems = first.problems() + second.problems()
        assert not problems, "\n".join(problems) + "\n" + output
    finally:
        for bot in bots:
            bot.reap()
        await fake.stop()
