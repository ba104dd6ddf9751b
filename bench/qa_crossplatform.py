"""Questions from both platforms, moderation spaces on both: how late moderators see them.

The bot is built by the composition root (`bot.app.build`, both tokens, a SQLite file, both
platforms' real limits: the `TELEGRAM` and `DISCORD` profiles, unscaled) and talks HTTP to
`tests/fakes/telegram_api.py` and HTTP + WebSocket to `tests/fakes/discord_api.py`, both
strict (`enforce_limits=True`: Telegram's 30/s, 1/s per chat and 20/min per group; Discord's
50/s and 5 messages per 5 s per channel, answered with 429 past them). The community is set
up as in `tests/adapters/both`: a Discord server (announcement and moderation channels) linked
to a Telegram announce group and a Telegram moderators' chat; pre-moderation is on (the
default); a live is scheduled and announced on both.

For each rate (`--rates`, questions a minute in total), a fresh bot and fresh fakes; then for
`--seconds`, evenly spaced, distinct members ask one question each, every other one on each
platform: `/question 1 <text>` in a Telegram member's private chat, or `/ask` in the Discord
announce channel. The texts are `bench/automod.py`'s generator (seeded, about 65 characters).
Every question is held, so each must become visible in the Discord moderation channel and in
the Telegram moderators' chat: as its own card while a space keeps up, or as a line of a digest
(bot/core/qa/digests.py) once questions come faster than the space may be written to.

Measured, per question and per moderation space: from its push to the fake (the Telegram
update, the Discord interaction) to the first message the fake stored in that space naming it
(a card's `Question Q45`, a digest's `3 · Q45 ·` line), both `time.monotonic()` on the same event
loop. Printed: p50/p99/max per space, cards and digests sent there, 429s from each fake,
questions lost (asked but not stored, or stored but never shown in a space), and the longest
event-loop stall (`bench/measure.py`). The fakes run on the bot's event loop: their work counts
in every figure, the stall included.

What bounds the figure: a Telegram group takes 20 messages a minute and a Discord channel 5
every 5 s; a card each cannot keep up past those rates (at 500 a minute, 500 cards into one
Discord channel take at least 500 s, 25 minutes into a Telegram group). A digest lists up to 33
questions on Telegram and 14 on Discord, so a space keeps up with 660 and 840 a minute.

Figures on the 2-core dev machine (2026-12-03, other work running; questions visible to
moderators, p50 / p99, Discord channel then Telegram chat; 0 429s and 0 lost in every run):
  60/min:  0.6 / 1.2 s (56 cards, 2 digests);  1.5 / 2.8 s (1 card, 20 digests); stall 95 ms
  150/min: 1.3-1.6 / 1.8-3.6 s (~55 digests);  2.3-2.5 / 3.8-4.4 s (20 digests); stall 96-467 ms
  500/min: 1.9 / 3.6 s (58 digests);           2.8 / 6.0 s (22 digests);        stall 97 ms
Before issue 13 (a card each, a sender that waited in line): 500 in a minute reached Discord's
moderators at p50 701 s, p99 1,421 s, and 60 in 30 s at p99 104 s (Discord), 150 s (Telegram).

Run: python bench/qa_crossplatform.py [--rates 60,150,500] [--seconds 60] [--quick]
                                      [--wait 120] [--seed 7]
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
    DC_ANNOUNCE,
    DC_MODERATION,
    TG_ANNOUNCE,
    TG_MODERATION,
    World,
    link_both,
    make_world,
    open_app,
)
from tests.adapters.discord.steps import scheduled
from tests.adapters.discord.world import GUILD, furnish
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

TG_ASKER = 10_000  # Telegram user id of the i-th asker: TG_ASKER + i
DC_ASKER = 900_000_000_000_000_000  # Discord user id of the i-th asker: DC_ASKER + i
NAMED = re.compile(r"Question Q(\d+) |^\d+ · Q(\d+)(?: ⚠)? · ", re.MULTILINE)
AUTOMOD_QUESTIONS = 20_000  # as bench/automod.py's default
QUICK_SECONDS = 6.0  # --quick: each rate for this long (a smoke run for CI)


def automod_rate(seed: int) -> tuple[float, int]:
    """bench/automod.py's measurement: checks/s of the default filter over its seeded questions."""
    rng = random.Random(seed)
    texts = [sample_question(rng) for _ in range(AUTOMOD_QUESTIONS)]
    check = Automod.default().check
    started = time.perf_counter()
    flagged = sum(1 for text in texts if check(text))
    return len(texts) / (time.perf_counter() - started), flagged


class Space:
    """When each question was first named in one moderation space, and what was posted there."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[int, float] = {}
        self.cards = self.digests = 0

    def saw(self, text: str) -> None:
        now = time.monotonic()
        named = [int(a or b) for a, b in NAMED.findall(text or "")]
        if not named:
            return
        if "📋" in text:
            self.digests += 1
        else:
            self.cards += 1
        for qid in named:
            self.seen.setdefault(qid, now)


def watch_discord(fake: FakeDiscord, channel: int, space: Space) -> None:
    """Wraps the fake's `world.keep` on this instance (a refused 429 is never stored)."""
    keep = fake.world.keep

    def timed_keep(msg: dict[str, Any], **kwargs: Any) -> None:
        if int(msg["channel_id"]) == channel:
            space.saw(msg.get("content") or "")
        keep(msg, **kwargs)

    fake.world.keep = timed_keep  # type: ignore[method-assign]


def watch_telegram(fake: FakeTelegram, chat_id: int, space: Space) -> None:
    """Wraps the fake's `_store` on this instance: every message it keeps in that chat."""
    store = fake._store

    def timed_store(chat: Any, *args: Any, **kwargs: Any) -> Any:
        stored = store(chat, *args, **kwargs)
        if chat.id == chat_id:
            space.saw(str(stored.message.get("text", "")))
        return stored

    fake._store = timed_store  # type: ignore[method-assign]


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
    return f"p50 {rank(values, 0.5):.1f} s, p99 {rank(values, 0.99):.1f} s, max {max(values):.1f} s"


async def askers_of(world: World, live_id: int) -> dict[int, tuple[str, str]]:
    """Question id -> (platform, user id) of its asker."""

    async def work(uow: UnitOfWork) -> dict[int, tuple[str, str]]:
        out = {}
        for q in await uow.questions.by_status(live_id, tuple(QuestionStatus)):
            member = await uow.members.get(q.author_id) if q.author_id is not None else None
            if member is not None:
                out[q.id] = (member.platform, member.external_id)
        return out

    return await world.app.store.run(work)


def ask(world: World, i: int, text: str) -> tuple[str, str]:
    """The i-th question: even on Telegram (privately), odd on Discord (in the announce
    channel); returns who asked, as the database names them."""
    if i % 2 == 0:
        uid = TG_ASKER + i
        world.tg.fake.push_text(uid, uid, f"/question 1 {text}")
        return "telegram", str(uid)
    uid = DC_ASKER + i
    world.dc.fake.slash(
        uid, "ask", {"live": 1, "question": text}, guild_id=GUILD, channel_id=DC_ANNOUNCE
    )
    return "discord", str(uid)


async def burst(world: World, per_minute: float, args: argparse.Namespace) -> None:
    tg, dc = world.tg.fake, world.dc.fake
    count = max(2, round(per_minute * args.seconds / 60))
    rng = random.Random(args.seed)
    texts = [sample_question(rng) for _ in range(count)]
    spaces = [Space("Discord moderation channel"), Space("Telegram moderators' chat")]
    watch_discord(dc, DC_MODERATION, spaces[0])
    watch_telegram(tg, TG_MODERATION, spaces[1])
    dc_429_before, tg_429_before = dc.too_many, tg.too_many
    pushed: dict[tuple[str, str], float] = {}
    interval = args.seconds / count

    with StallMonitor() as stall:
        start = time.monotonic()
        for i, text in enumerate(texts):
            delay = start + i * interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pushed[ask(world, i, text)] = time.monotonic()
        spread = time.monotonic() - start

        def everywhere() -> bool:
            return all(len(space.seen) >= count for space in spaces)

        complete = await wait_until(everywhere, args.wait)
    dc_429s, tg_429s = dc.too_many - dc_429_before, tg.too_many - tg_429_before

    asker = await askers_of(world, 1)
    print(
        f"{per_minute:g} questions a minute: {count} asked over {spread:.1f} s, half on each "
        f"platform, {len(asker)} held in the database"
    )
    lost = count - len(asker)
    for space in spaces:
        latencies = [space.seen[q] - pushed[who] for q, who in asker.items() if q in space.seen]
        lost += sum(1 for q in asker if q not in space.seen)
        print(
            f"    question -> visible in the {space.name}: {seconds(latencies)} "
            f"({len(latencies)} shown; {space.cards} cards, {space.digests} digests)"
        )
    print(
        f"    429s: Discord {dc_429s}, Telegram {tg_429s} (aim 0); questions lost {lost} (aim 0"
        f"{'' if complete else f'; waited {args.wait:g} s'}); longest event-loop stall "
        f"{stall.worst * 1000:.0f} ms (aim under 100 ms)"
    )


async def one_rate(per_minute: float, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram(enforce_limits=True) as tg, FakeDiscord(enforce_limits=True) as dc:
            furnish(dc)
            app = await open_app(
                tg, dc, Path(tmp), telegram_limits=TELEGRAM, discord_limits=DISCORD
            )
            try:
                world = make_world(app, tg, dc, Path(tmp))
                count = max(2, round(per_minute * args.seconds / 60))
                for i in range(0, count, 2):
                    tg.add_user(TG_ASKER + i, f"Membre {i}", username=f"membre{i}")
                    tg.set_status(TG_ANNOUNCE, TG_ASKER + i, "member")
                for i in range(1, count, 2):
                    dc.add_member(GUILD, DC_ASKER + i, f"Membre {i}")
                await link_both(world)
                when = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d 18:30")
                await scheduled(world.dc, "Atelier vélo", when=when)
                await world.settle()
                await asyncio.sleep(3)  # the set-up's own posts leave the spaces' windows
                await burst(world, per_minute, args)
            finally:
                await app.stop()


async def run(args: argparse.Namespace) -> None:
    discord_service.GUILD_READY_TIMEOUT = 0.05  # the fake sends its servers at once
    for per_minute in args.rates:
        await one_rate(per_minute, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rates", default="60,150,500", help="questions a minute in total, one run each"
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="each rate for this long")
    parser.add_argument(
        "--quick", action="store_true", help=f"each rate for {QUICK_SECONDS:g} s (CI)"
    )
    parser.add_argument(
        "--wait", type=float, default=120.0, help="seconds to wait after the last question"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.rates = [float(rate) for rate in str(args.rates).split(",")]
    if args.quick:
        args.seconds = QUICK_SECONDS
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    rate, flagged = automod_rate(args.seed)
    asyncio.run(run(args))
    print(
        f"auto-moderation: {rate:,.0f} checks/s (default filter, {AUTOMOD_QUESTIONS} seeded "
        f"questions, {flagged} flagged); alone: python bench/automod.py "
        f"--questions {AUTOMOD_QUESTIONS} --seed {args.seed}"
    )
    rates = ",".join(f"{rate:g}" for rate in args.rates)
    print(
        f"rerun: python bench/qa_crossplatform.py --rates {rates} --seconds {args.seconds:g} "
        f"--wait {args.wait:g} --seed {args.seed}"
    )


if __name__ == "__main__":
    main()
