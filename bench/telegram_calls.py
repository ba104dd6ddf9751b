"""The event loop's CPU per Telegram call, the fake server in a process of its own.

In `bench/telegram_burst.py` the fake runs on the bot's event loop: its handling (~14 % of the
loop's samples, plus aiohttp's server side ~10 %) counts in every figure. Here the strict fake
(`tests/fakes/telegram_api.py`) serves from a child process, and the figures are the CPU time of
the bot's own thread (`time.thread_time`) for, each `--calls` times:
  send    a reminder through `TelegramPlatform.send` (one button), 8 at a time as the outbox does
  answer  a press answered through `Answers.toast` (with the one-tap link, as in the burst)
  parse   a stored press read as the adapter reads it (json.loads, then PTB's `Update.de_json`
          before issue 12's tgpress change, `people.parse_press` after)
`--tree DIR` measures the code of another checkout (e.g. `git archive main | tar -x -C DIR`),
for a paired comparison in the same hour: run both, alternately.

Figures (2026-12-03, 2-core machine shared with three other helpers, load 4.6-9.7), median of
5 rounds of 2000 calls, CPU of the bot's thread per call, old and new run alternately (twice):
             before (main)      after (raw calls, presses read from the JSON)
  send       1012, 1272 us      580, 543 us     (-45 to -57 %: no `Message`, no PTB parameters)
  answer      411,  511 us      416, 340 us     (the same: what is left is aiohttp's client)
  parse       274,  292 us       19,  20 us     (`Update.de_json` against `parse_press`)
So a press costs the loop ~0.25 ms less and a reminder's send ~0.5 ms less (2000 sends: ~1 s of
the loop's CPU over a fan-out). Most of what is left of a call is aiohttp's client request
(`ClientRequest`, the connection, the response's parsing) and the form's `urlencode`.

Run: python bench/telegram_calls.py [--calls 2000] [--rounds 5] [--tree DIR] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

GROUP, FIRST = -1001, 10_000  # the announcement's group; the i-th member's user id FIRST + i


def _tree(argv: list[str]) -> Path:
    """The checkout whose code is measured (first on sys.path, before anything is imported)."""
    if "--tree" in argv:
        return Path(argv[argv.index("--tree") + 1]).resolve()
    return Path(__file__).resolve().parent.parent


sys.path.insert(0, str(_tree(sys.argv)))

from telegram import Bot, Update  # noqa: E402

from bot.adapters.telegram.answers import Answers  # noqa: E402
from bot.adapters.telegram.http import AiohttpRequest  # noqa: E402
from bot.adapters.telegram.platform import TelegramPlatform  # noqa: E402
from bot.core.messages import Button, Destination, OutMessage, Text  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


def _reader(bot: Bot) -> Callable[[str], object]:
    """How this checkout's adapter reads a stored press."""
    try:
        from bot.adapters.telegram.people import parse_press
    except ImportError:  # before: PTB's objects, the press's message trimmed first
        from bot.adapters.telegram.adapter import _lean  # type: ignore[attr-defined]

        return lambda payload: Update.de_json(_lean(json.loads(payload)), bot)
    return lambda payload: parse_press(json.loads(payload))


async def _serve(conn: Connection, members: int) -> None:
    async with FakeTelegram() as fake:
        for i in range(members):
            fake.add_user(FIRST + i, f"m{i}")
            fake.user_starts_bot(FIRST + i)
        fake.add_group(GROUP, "Bench", admins=[FIRST], members=[FIRST + i for i in range(members)])
        conn.send((fake.token, fake.base_url))
        loop = asyncio.get_running_loop()
        while (asked := await loop.run_in_executor(None, conn.recv)) is not None:
            message_id, count = asked
            conn.send(
                [fake.push_callback(FIRST + i, GROUP, message_id, "j:1") for i in range(count)]
            )


def _child(conn: Connection, members: int) -> None:
    asyncio.run(_serve(conn, members))


async def _cpu_per_call(calls: list[Callable[[], Awaitable[object]]], at_once: int) -> float:
    """Seconds of this thread's CPU per call, `at_once` calls in flight."""
    pending = iter(calls)

    async def lane() -> None:
        for call in pending:
            await call()

    before = time.thread_time()
    await asyncio.gather(*(lane() for _ in range(at_once)))
    return (time.thread_time() - before) / len(calls)


async def _round(bot: Bot, conn: Connection, calls: int, announcement: int) -> dict[str, float]:
    platform = TelegramPlatform(bot)
    answers = Answers(bot, platform, None, bot.username)  # type: ignore[arg-type]  # no store read
    reminder = OutMessage(
        Text("fr", "telegram.sent_private"),
        ((Button(Text("fr", "telegram.button.open_private"), action="j:1"),),),
    )
    loop = asyncio.get_running_loop()
    conn.send((announcement, calls))
    updates: list[dict[str, Any]] = await loop.run_in_executor(None, conn.recv)
    link = f"https://t.me/{bot.username}?start=join_1"

    def send(i: int) -> Callable[[], Awaitable[object]]:
        dest = Destination("telegram", str(FIRST + i), private=True)
        return lambda: platform.send(dest, reminder, key=f"r{i}")

    def answer(query: str) -> Callable[[], Awaitable[object]]:
        return lambda: answers.toast(query, url=link)

    figures = {
        "send": await _cpu_per_call([send(i) for i in range(calls)], 8),
        "answer": await _cpu_per_call([answer(u["callback_query"]["id"]) for u in updates], 8),
    }
    read, payloads = _reader(bot), [json.dumps(u, separators=(",", ":")) for u in updates]
    before = time.thread_time()
    for payload in payloads:
        read(payload)
    figures["parse"] = (time.thread_time() - before) / len(payloads)
    return figures


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tree", default=None, help="measure the code of this checkout")
    parser.add_argument("--quick", action="store_true", help="200 calls, 1 round (CI)")
    args = parser.parse_args()
    if args.quick:
        args.calls, args.rounds = 200, 1
    ours, theirs = multiprocessing.get_context("fork").Pipe()
    child = multiprocessing.get_context("fork").Process(
        target=_child, args=(theirs, args.calls), daemon=True
    )
    child.start()
    token, base = ours.recv()
    bot = Bot(token, base_url=base, request=AiohttpRequest(connections=32))
    await bot.initialize()
    try:
        sent = await TelegramPlatform(bot).send(
            Destination("telegram", str(GROUP), private=False),
            OutMessage(
                Text("fr", "telegram.sent_private"),
                ((Button(Text("fr", "telegram.button.open_private"), action="j:1"),),),
            ),
            key="announcement",
        )
        announcement = int(sent.message_id or 0)
        rounds = []
        for _ in range(args.rounds):
            rounds.append(await _round(bot, ours, args.calls, announcement))
    finally:
        ours.send(None)
        await bot.shutdown()
        child.join(timeout=10)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"code: {_tree(sys.argv)}; load average {load}; {args.calls} calls x {args.rounds}")
    print("CPU of the bot's thread per call (the fake in its own process), median [min-max]:")
    for name in rounds[0]:
        values = [r[name] * 1e6 for r in rounds]
        print(
            f"    {name:<7} {statistics.median(values):7.0f} us  "
            f"[{min(values):.0f}-{max(values):.0f}]"
        )
    print(f"rerun: python bench/telegram_calls.py --calls {args.calls} --rounds {args.rounds}")


if __name__ == "__main__":
    asyncio.run(main())
