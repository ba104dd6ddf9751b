"""Questions asked on Telegram, cards for the moderators on Discord: one bot on both platforms.

The bot is built by the composition root (`bot.app.build`, both tokens, a SQLite file, both
platforms' real limits: the `TELEGRAM` and `DISCORD` profiles, unscaled) and talks HTTP to
`tests/fakes/telegram_api.py` and HTTP + WebSocket to `tests/fakes/discord_api.py`, both
strict (`enforce_limits=True`: Telegram's 30/s, 1/s per chat and 20/min per group; Discord's
50/s and 5 messages per 5 s per channel, answered with 429 past them). The community is set
up as in `tests/adapters/both`: a Discord server (announcement and moderation channels) linked
to a Telegram announce group and a Telegram moderators' chat; pre-moderation is on (the
default); a live is scheduled and announced on both.

Then `--questions` distinct Telegram members (all in the announce group) each send
`/question 1 <text>` in their private chat with the bot, evenly over `--seconds`. The texts are
`bench/automod.py`'s generator (seeded): mostly clean, some with an insult, a link, a mention,
capitals. Every question is held, so each owes a moderation card in the Discord moderation
channel and one in the Telegram moderators' chat, and a "received" answer to its asker.

Measured, per question: from its push to the fake Telegram to its card being stored by the
fake Discord (both `time.monotonic()` on the same event loop; the card is found by its
`Question Q<id>` and mapped to its asker through the database). Printed: p50/p95/p99/max,
how many cards arrived within the minute of pushes and by the end, the cards in the Telegram
moderators' chat, the askers' "received" answers, 429s from each fake, the longest event-loop
stall (`bench/measure.py`), and the auto-moderation filter's checks/s (the measurement of
`bench/automod.py`, on its seeded questions).

What bounds the figure: Discord lets a bot post 5 messages per 5 s in one channel, so 500 cards
into ONE moderation channel take at least 500 s, whatever the bot does: with 500 questions in
60 s, about 60 cards can arrive within the minute and the n-th card cannot arrive before about
n seconds after the first; its latency grows linearly with its rank (p50 ~ 4 min, p99 ~ 8 min at
best for 500 in 60 s). Telegram's moderators' chat is a group: 20 messages a minute, so its 500
cards take at least 25 minutes. Whether Discord's cards wait behind Telegram's (they share the
outbox's send slots and its one flush at a time) is what `--without-telegram-moderation`
(no Telegram moderators' chat linked) shows by difference. The fakes run on the bot's event
loop: their work counts in every figure, the stall included.

Figures: see the report of the bench's author; rerun to refresh.

Run: python bench/qa_crossplatform.py [--questions 500] [--seconds 60] [--quick]
                                      [--wait 2400] [--without-telegram-moderation] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.automod import question as sample_question
from bench.measure import StallMonitor
from bot.adapters.discord import service as discord_service
from bot.adapters.limits import DISCORD, TELEGRAM
from bot.core.ports import UnitOfWork
from bot.domain.automod import Automod
from bot.domain.model import QuestionStatus
from tests.adapters.both.world import (
    DC_MODERATION,
    TG_ANNOUNCE,
    TG_MODERATION,
    World,
    link_both,
    make_world,
    open_app,
)
from tests.adapters.discord.steps import scheduled
from tests.adapters.discord.world import furnish
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

ASKER = 10_000  # Telegram user id of the i-th asker: ASKER + i
CARD = re.compile(r"Question Q(\d+) ")
AUTOMOD_QUESTIONS = 20_000  # as bench/automod.py's default
QUICK = (15, 3.0)  # --quick: questions, seconds (a smoke run for CI)


def automod_rate(seed: int) -> tuple[float, int]:
    """bench/automod.py's measurement: checks/s of the default filter over its seeded questions."""
    rng = random.Random(seed)
    texts = [sample_question(rng) for _ in range(AUTOMOD_QUESTIONS)]
    check = Automod.default().check
    started = time.perf_counter()
    flagged = sum(1 for text in texts if check(text))
    return len(texts) / (time.perf_counter() - started), flagged


def watch_cards(fake: FakeDiscord, channel: int) -> dict[int, float]:
    """When the fake Discord stored each question card posted in `channel`, by question id
    (wraps the fake's `world.keep` on this instance; a refused 429 is never stored)."""
    seen: dict[int, float] = {}
    keep = fake.world.keep

    def timed_keep(msg: dict[str, Any], **kwargs: Any) -> None:
        if int(msg["channel_id"]) == channel:
            found = CARD.match(msg.get("content") or "")
            if found:
                seen.setdefault(int(found.group(1)), time.monotonic())
        keep(msg, **kwargs)

    fake.world.keep = timed_keep  # type: ignore[method-assign]
    return seen


async def wait_until(predicate: Callable[[], bool], within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.1)
    return predicate()


def rank(values: list[float], q: float) -> float:
    """Nearest-rank q-quantile: always one of the values (never past the max, unlike an
    interpolated quantile on a small sample)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def seconds(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {rank(values, 0.5):.1f} s, p95 {rank(values, 0.95):.1f} s, "
        f"p99 {rank(values, 0.99):.1f} s, max {max(values):.1f} s"
    )


def channel_bound(pushes: list[float], interval: float = 1.0) -> list[float]:
    """The best latencies Discord's channel limit allows: card k leaves no earlier than its
    question's push and no sooner than `interval` after card k-1 (5 per 5 s, sent evenly)."""
    out, last = [], -math.inf
    for at in sorted(pushes):
        last = max(at, last + interval)
        out.append(last - at)
    return out


async def askers_of(world: World, live_id: int) -> dict[int, int]:
    """Question id -> Telegram user id of its asker."""

    async def work(uow: UnitOfWork) -> dict[int, int]:
        out = {}
        for q in await uow.questions.by_status(live_id, tuple(QuestionStatus)):
            member = await uow.members.get(q.author_id) if q.author_id is not None else None
            if member is not None and member.platform == "telegram":
                out[q.id] = int(member.external_id)
        return out

    return await world.app.store.run(work)


async def burst(world: World, args: argparse.Namespace) -> None:
    tg, dc = world.tg.fake, world.dc.fake
    rng = random.Random(args.seed)
    texts = [sample_question(rng) for _ in range(args.questions)]
    cards = watch_cards(dc, DC_MODERATION)
    tg_cards_before = len(world.tg_group(TG_MODERATION))
    dc_429_before, tg_429_before = dc.too_many, tg.too_many
    pushed: dict[int, float] = {}  # asker's user id -> when pushed
    interval = args.seconds / args.questions

    with StallMonitor() as stall:
        start = time.monotonic()
        for i, text in enumerate(texts):
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pushed[ASKER + i] = time.monotonic()
            tg.push_text(ASKER + i, ASKER + i, f"/question 1 {text}")
        pushes_done = time.monotonic()
        minute_end = start + args.seconds
        complete = await wait_until(lambda: len(cards) >= args.questions, args.wait)
        waited = time.monotonic()
    dc_429s, tg_429s = dc.too_many - dc_429_before, tg.too_many - tg_429_before

    asker = await askers_of(world, 1)
    latencies = sorted(cards[q] - pushed[asker[q]] for q in cards if asker.get(q) in pushed)
    in_minute = sum(1 for q in cards if cards[q] <= minute_end)
    received = [
        call.at
        for call in tg.calls_of("sendMessage")
        if ASKER <= int(call.params.get("chat_id", 0)) < ASKER + args.questions
    ]
    answered = sum(1 for i in range(args.questions) if tg.chat_log(ASKER + i))
    tg_cards = len(world.tg_group(TG_MODERATION)) - tg_cards_before
    spread = pushes_done - start

    print(
        f"{args.questions} questions asked on Telegram by {args.questions} members over "
        f"{spread:.1f} s ({args.questions / max(spread, 1e-9):.1f}/s), pre-moderation on; "
        f"Telegram moderators' chat {'linked' if args.telegram_moderation else 'NOT linked'}"
    )
    print(f"    held in the database: {len(asker)} of {args.questions}")
    print(
        f"    push -> card in the Discord moderation channel: {seconds(latencies)} "
        f"({len(latencies)} cards)"
    )
    print(
        f"    best Discord's 5 per 5 s per channel allows for these pushes: "
        f"{seconds(channel_bound(list(pushed.values())))}"
    )
    print(
        f"    cards in the Discord moderation channel: {in_minute} within the "
        f"{args.seconds:g} s of pushes, "
        f"{len(cards)} by the end ({'all' if complete else 'NOT all'}; waited "
        f"{waited - pushes_done:.0f} s after the last push, --wait {args.wait:g})"
    )
    if len(cards) > 1:
        times = sorted(cards.values())
        rate = (len(times) - 1) / (times[-1] - times[0])
        print(f"    card rate into that channel: {rate:.2f}/s (Discord allows 5 per 5 s: 1.00/s)")
    print(f"    cards in the Telegram moderators' chat by the end: {tg_cards} (20/min per group)")
    print(
        f"    askers answered privately on Telegram: {answered} of {args.questions} "
        f"({len(received)} sendMessage calls to them)"
    )
    print(f"    429s during the run: Discord {dc_429s}, Telegram {tg_429s} (aim 0)")
    print(f"    longest event-loop stall {stall.worst * 1000:.0f} ms (aim <= 100 ms)")


async def run(args: argparse.Namespace) -> None:
    discord_service.GUILD_READY_TIMEOUT = 0.05  # the fake sends its servers at once
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram(enforce_limits=True) as tg, FakeDiscord(enforce_limits=True) as dc:
            furnish(dc)
            app = await open_app(
                tg, dc, Path(tmp), telegram_limits=TELEGRAM, discord_limits=DISCORD
            )
            try:
                world = make_world(app, tg, dc, Path(tmp))
                for i in range(args.questions):
                    tg.add_user(ASKER + i, f"Membre {i}", username=f"membre{i}")
                    tg.set_status(TG_ANNOUNCE, ASKER + i, "member")
                started = time.monotonic()
                await link_both(world, moderation=args.telegram_moderation)
                when = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d 18:30")
                await scheduled(world.dc, "Atelier vélo", when=when)
                await world.settle()
                print(
                    f"set up (linked, live #1 announced on both) in {time.monotonic() - started:.1f} s"
                )
                await burst(world, args)
            finally:
                await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500, help="distinct askers")
    parser.add_argument("--seconds", type=float, default=60.0, help="the pushes spread over this")
    parser.add_argument(
        "--quick", action="store_true", help=f"{QUICK[0]} questions in {QUICK[1]:g} s"
    )
    parser.add_argument(
        "--wait", type=float, default=None, help="seconds to wait for cards after the last push"
    )
    parser.add_argument(
        "--without-telegram-moderation",
        dest="telegram_moderation",
        action="store_false",
        help="link no Telegram moderators' chat (Discord's channel alone gets cards)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.quick:
        args.questions, args.seconds = QUICK
    if args.wait is None:
        # Telegram's group limit (20/min) is the slowest bound: enough for every card there too.
        args.wait = args.questions * 3.2 + 60
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    rate, flagged = automod_rate(args.seed)
    asyncio.run(run(args))
    print(
        f"auto-moderation: {rate:,.0f} checks/s (default filter, {AUTOMOD_QUESTIONS} seeded "
        f"questions, {flagged} flagged); alone: python bench/automod.py "
        f"--questions {AUTOMOD_QUESTIONS} --seed {args.seed}"
    )
    flags = "" if args.telegram_moderation else " --without-telegram-moderation"
    print(
        f"rerun: python bench/qa_crossplatform.py --questions {args.questions} "
        f"--seconds {args.seconds:g} --wait {args.wait:g} --seed {args.seed}{flags}"
    )


if __name__ == "__main__":
    main()
