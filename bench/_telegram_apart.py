"""bench/telegram_burst.py's run with the bot in its own process (the default, `--apart`): a part of
that bench, not one to run alone (so its name starts with `_`: CI runs every `bench/[a-z]*.py`).

The strict fake Telegram, the presses and every measurement stay in the bench's process; the
bot is `python -m bot`, started as a user starts it (`tests.processes.Bot`: TELEGRAM_TOKEN,
TELEGRAM_API_BASE_URL pointing at the fake, SOLIDAIRE_DATABASE_URL=sqlite:///<file>, the web
server off). In production Telegram's servers are elsewhere: with the fake on the bot's own
event loop (`--same-process`), the fake's handling and aiohttp's server side for it took about
a quarter of the loop's CPU and shared the interpreter lock with the bot's two threads, so the
bench measured the fake's cost as the bot's.

Order of a run, as in the same-process mode: Alice's set-up and the live's announcement go
through the composition root in this process (`populate`), which then stops; the reminders due
now go into the ledger (`add_fanout`) before the bot process starts (rows due at start are sent
once its Telegram adapter is up; rows inserted behind a running bot's back would wait for the
alarm's safety tick); the presses start a second after the fake took the first reminder.
Everything is measured at the fake (`time.monotonic()`, one clock for both processes): end to
end = answerCallbackQuery received minus press pushed; in the bot = the same minus when the
getUpdates response carrying that press was built (`FakeTelegram.handed_over`); every press's
sign-up committed when its answer arrives (the fake reads the bot's SQLite file then); the bot
process's CPU per thread over the burst from /proc/<pid>/task/*/stat (Python 3.11 leaves the
threads' OS names alone: the main thread is the event loop, the busiest other one the
database thread). The bot's event-loop stall and its phases cannot be seen from here.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import pct, thread_cpu
from bench.measure import rate as per_second
from bench.telegram_burst import (
    ANNOUNCE,
    DEADLINE,
    FANOUT_CHAT,
    PRESSER,
    add_fanout,
    check_stored,
    fanout_sends,
    first_answers,
    ms,
    populate,
    wait_until,
)
from bot.adapters.limits import TELEGRAM
from bot.app import build
from bot.core import codec
from bot.settings import Settings, TelegramSettings, WebSettings
from bot.storage.database import open_store
from tests.adapters.telegram.crash_support import bot_env, spawn, until
from tests.adapters.telegram.world import World, button
from tests.fakes.telegram_api import FakeTelegram
from tests.processes import Bot


def launch(fake: FakeTelegram, url: str, folder: Path) -> Bot:
    """`python -m bot` configured by its environment only, as a user starts it (its web server
    on any free port, as the same-process mode's: the answers carry the one-tap link)."""
    env = bot_env(
        TELEGRAM_TOKEN=fake.token,
        TELEGRAM_API_BASE_URL=fake.base_url,
        SOLIDAIRE_DATABASE_URL=url,
        SOLIDAIRE_WEB_LISTEN="127.0.0.1:0",
    )
    return Bot("bench-bot", spawn("bench-bot", folder, env), folder / "bench-bot.log")


def process_cpu(pid: int) -> dict[int, float]:
    """CPU seconds used so far by each thread of process `pid`, by thread id (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        used[int(task.name)] = (int(fields[11]) + int(fields[12])) / tick
    return used


def cpu_shares(
    pid: int, before: dict[int, float], after: dict[int, float], span: float
) -> tuple[str, float]:
    """The threads' shares of one core over `span`, and the process's CPU seconds."""
    used = {tid: t - before.get(tid, 0.0) for tid, t in after.items()}
    loop = used.pop(pid, 0.0)
    others = sorted(used.values(), reverse=True)
    busiest = others[0] if others else 0.0
    rest = sum(others[1:])
    total = loop + busiest + rest
    return (
        f"event loop {loop / span:.0%}, busiest other thread (the database's) "
        f"{busiest / span:.0%}, {max(len(others) - 1, 0)} others {rest / span:.0%}; "
        f"the process {total / span:.0%}"
    ), total


def seats(database: Path, live_id: int) -> dict[str, int]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT status, COUNT(*) FROM signups WHERE live_id = ? GROUP BY status", (live_id,)
        ).fetchall()
    return {str(status): int(n) for status, n in rows}


async def calm(fake: FakeTelegram, within: float) -> None:
    """Until the fake has taken no call for 3 s (the announcement's last edits included)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        if not fake.calls or time.monotonic() - fake.calls[-1].at > 3.0:
            return
        await asyncio.sleep(0.2)


async def one_run_apart(args: Any) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = folder / "burst.sqlite3"
        url = f"sqlite:///{database}"
        async with FakeTelegram(enforce_limits=True) as fake:
            settings = Settings(
                database_url=url,
                telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url),
                web=WebSettings(("127.0.0.1", 0)),  # any free port, as the bot below
            )
            app = await build(settings, telegram_limits=TELEGRAM)
            await app.start()
            try:
                announcement = await populate(World(fake, app), args.members)
            finally:
                await app.stop()
            data = button(announcement, "Participer|Join")
            live_id = int(codec.decode(data).args["live"])
            store = await open_store(url)
            try:
                rows = await add_fanout(fake, store, live_id, args.fanout)
            finally:
                await store.close()
            chats = range(FANOUT_CHAT, FANOUT_CHAT + args.fanout)
            fake.set_latency(args.latency)
            setup_429s = fake.too_many
            bot = launch(fake, url, folder)
            try:
                await until(
                    lambda: bot.started and fake.polling and bool(fanout_sends(fake, chats)[0]),
                    timeout=120,
                    what="the bot started, polling, the fan-out under way",
                    bot=bot,
                    interval=0.1,
                )
                print("    (the fan-out started; presses in 1 s)", flush=True)
                return await burst_apart(fake, bot, data, announcement, args, database, live_id,
                                         rows=len(rows), setup_429s=setup_429s)  # fmt: skip
            finally:
                await bot.terminate()
                bot.reap()
                lines = bot.output().splitlines()
                print(f"    the bot's log (at its default level): {len(lines)} lines")
                if bot.problems():
                    print("    the bot logged:\n      " + "\n      ".join(bot.problems()[:10]))


async def burst_apart(
    fake: FakeTelegram,
    bot: Bot,
    data: str,
    announcement: dict[str, Any],
    args: Any,
    database: Path,
    live_id: int,
    *,
    rows: int,
    setup_429s: int,
) -> dict[str, float]:
    chats = range(FANOUT_CHAT, FANOUT_CHAT + args.fanout)
    fanout_start = fanout_sends(fake, chats)[0][0]
    stored = check_stored(fake, database, live_id)
    await asyncio.sleep(1.0)  # the fan-out is under way before the first press
    pid = bot.popen.pid
    pushed: dict[str, float] = {}
    update_of: dict[str, int] = {}
    too_many_before = fake.too_many
    edits_before = len(fake.calls_of("editMessageText"))
    interval = args.seconds / args.members
    cpu_before, own_before = process_cpu(pid), thread_cpu()
    start = time.monotonic()
    for i in range(args.members):
        delay = start + i * interval - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        at = time.monotonic()
        update = fake.push_callback(PRESSER + i, ANNOUNCE, announcement["message_id"], data)
        query = update["callback_query"]["id"]
        pushed[query], update_of[query] = at, update["update_id"]

    def answered_all() -> bool:
        return len(stored) >= len(pushed)

    await wait_until(answered_all, within=DEADLINE + 15)
    burst_end = time.monotonic()
    span = burst_end - start
    cpu, cpu_used = cpu_shares(pid, cpu_before, process_cpu(pid), span)
    own = {k: v - own_before.get(k, 0.0) for k, v in thread_cpu().items()}
    too_many_during = fake.too_many - too_many_before
    sent, refused = fanout_sends(fake, chats)
    fanout_during = [t for t in sent if start <= t <= burst_end]
    refused_during = [t for t in refused if start <= t <= burst_end]

    answered_at = first_answers(fake, pushed)
    accepted = {a["callback_query_id"] for a in fake.answers()}
    trips = [answered_at[q] - pushed[q] for q in pushed if q in answered_at]
    handed = {q: fake.handed_over.get(u) for q, u in update_of.items()}
    in_bot = [answered_at[q] - h for q, h in handed.items() if h is not None and q in answered_at]
    hand_over = [h - pushed[q] for q, h in handed.items() if h is not None]
    missing = [q for q in pushed if q not in accepted]
    before = sum(1 for q in pushed if stored.get(q))
    counts = seats(database, live_id)

    print(
        f"burst (bot apart, pid {pid}): {args.members} members press Join over "
        f"{args.seconds:g} s ({args.members / args.seconds:.0f}/s) while {args.fanout} "
        f"reminders fan out; fake latency {args.latency * 1000:.0f} ms"
    )
    print(f"    end to end (push -> answerCallbackQuery at the fake):   {ms(trips)}")
    print(f"    in the bot (getUpdates response -> answer at the fake): {ms(in_bot)}")
    print(f"    hand-over (push -> the getUpdates response carrying it): {ms(hand_over)}")
    print(
        f"    stored before answered: {before} of {len(stored)} answers (the sign-up committed "
        "when the fake took the answer)"
    )
    print(
        f"    answered {len(accepted & pushed.keys())} of {args.members}, within "
        f"{DEADLINE:.0f} s: {sum(1 for t in trips if t <= DEADLINE)}"
    )
    if missing:
        print(f"    NOT answered: {len(missing)}; e.g. {missing[:3]}")
    print(f"    the bot's CPU over the burst ({span:.1f} s), share of one core: {cpu}")
    print(
        f"    the bot's CPU per press over the burst (the fan-out's sends meanwhile included): "
        f"{cpu_used / args.members * 1000:.2f} ms"
    )
    mine = ", ".join(f"{name} {used / span:.0%}" for name, used in sorted(own.items()) if used)
    print(f"    this process's (the fake's and the presses'): {mine}")
    print(
        f"    sign-ups in the database: {counts.get('confirmed', 0)} confirmed, "
        f"{counts.get('waitlisted', 0)} waitlisted  (must be {args.members}, 0)"
    )
    print(
        f"    fan-out during the burst ({span:.1f} s): {len(fanout_during)} sent, "
        f"{len(fanout_during) / span:.2f}/s = {len(fanout_during) / span / 30:.3f} of 30/s; "
        f"429s {too_many_during} (aim 0); reminders refused {len(refused_during)}"
    )
    print("    longest event-loop stall: not seen from outside the bot's process")

    waiting = set(chats)

    def fanned_out() -> bool:
        waiting.difference_update([c for c in list(waiting)[:200] if fake.chat_log(c)])
        return not waiting

    finished = await wait_until(fanned_out, within=rows / 25 + 30)
    await calm(fake, within=30)
    edits = [c.at for c in fake.calls_of("editMessageText")[edits_before:]]
    print(
        "    announcement edits after the first press: "
        + (f"first at +{edits[0] - start:.1f} s, {len(edits)} in all" if edits else "none")
    )
    times, refused = fanout_sends(fake, chats)
    total = times[-1] - fanout_start if times else 0.0
    rate = per_second(times)
    print(
        f"    whole fan-out: {len(times)} of {rows} sent ({'done' if finished else 'NOT done'}) "
        f"in {total:.1f} s, {rate:.2f}/s = {rate / 30:.3f} of 30/s; 429s since the bot "
        f"started {fake.too_many - setup_429s} ({len(refused)} to reminders), during the "
        f"setup {setup_429s}"
    )
    inf = float("inf")
    return {
        "e2e p50": _q(trips, 0.5),
        "e2e p99": _q(trips, 0.99),
        "e2e max": max(trips, default=inf),
        "in bot p50": _q(in_bot, 0.5),
        "in bot p99": _q(in_bot, 0.99),
        "in bot max": max(in_bot, default=inf),
        "hand-over p99": _q(hand_over, 0.99),
        "answered after commit": float(before),
        "missed": float(len(missing)),
        "429s": float(too_many_during),
        "bot CPU per press": cpu_used / args.members,
    }


def _q(values: list[float], q: float) -> float:
    return pct(values, q) if values else float("inf")
