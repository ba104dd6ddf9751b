"""The live console under a busy live: how soon a question shows in a moderator's open console.

The bot is built by the composition root with both tokens and its web server (a SQLite file,
both platforms' real limits, unscaled) and talks to `tests/fakes/telegram_api.py` and
`tests/fakes/discord_api.py`, both strict. The community is set up as in `tests/adapters/both`
(a Discord server linked to a Telegram announce group and moderators' chat), pre-moderation on,
one live announced. Mia, a Discord moderator, types `/console live=1`; the bench opens the link
she got as her page would (the page, then its token) and holds a client of its server-sent
events.

Then `--questions` distinct members ask, evenly over `--seconds`, alternately on Telegram
(`/question 1 …` in their private chat) and on Discord (the `/ask` slash command). The texts are
`bench/automod.py`'s generator (seeded), each with its number, so that a card is mapped back to
its push. Every question is held: each shows in the console as a card for the moderators.

Measured, per question: from its push to the fake platform to its card arriving on the console's
event stream (both `time.monotonic()` on the same event loop; the fakes' work counts too).
Printed: p50/p95/p99/max (aim: p99 under 2 s), how many arrived, per platform, and the longest
event-loop stall (`bench/measure.py`; aim under 100 ms). Moderation cards in the chats are
still owed and sent under the platforms' limits while this runs (see qa_crossplatform.py).

Run: python bench/console.py [--questions 500] [--seconds 60] [--quick] [--seed 7]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.automod import question as sample_question
from bench.measure import StallMonitor
from bench.qa_crossplatform import rank, wait_until
from bot.adapters.discord import service as discord_service
from bot.adapters.limits import DISCORD, TELEGRAM
from tests.adapters.both.world import TG_ANNOUNCE, World, link_both, make_world
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import ANNOUNCE, GUILD, MIA, furnish
from tests.adapters.web.conftest import open_web_app
from tests.adapters.web.steps import link_on
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

TG_ASKER = 10_000  # Telegram user id of the i-th asker: TG_ASKER + i
DC_ASKER = 820_000_000_000_000_000  # Discord snowflake of the i-th asker: DC_ASKER + i
QUICK = (50, 6.0)
NUMBERED = re.compile(r"\(n°(\d+)\)$")
PAGE_DATA = re.compile(r'data-page="([^"]*)"')


def millis(values: list[float]) -> str:
    if not values:
        return "n/a"
    shown = (f"p{int(q * 100)} {rank(values, q) * 1000:.0f} ms" for q in (0.5, 0.95, 0.99))
    return f"{', '.join(shown)}, max {max(values) * 1000:.0f} ms"


class ConsoleClient:
    """What a moderator's open page receives: the console's server-sent events."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}  # question number -> when its card arrived
        self.events = 0
        self.state_cards = -1

    async def follow(self, session: aiohttp.ClientSession, link: str) -> None:
        async with session.get(link) as got:
            page = json.loads(html.unescape(PAGE_DATA.search(await got.text()).group(1)))  # type: ignore[union-attr]
        base = link.split("/console/")[0]
        url = f"{base}/console/{page['live']}/events"
        async with session.get(url, params={"t": page["token"]}, timeout=None) as stream:
            async for raw in stream.content:
                line = raw.decode().rstrip("\n")
                if not line.startswith("data: "):
                    continue
                message = json.loads(line[6:])
                self.events += 1
                if message["type"] == "state":
                    self.state_cards = len(message["data"]["cards"])
                elif message["type"] == "card" and message["data"]["status"] == "pending":
                    found = NUMBERED.search(message["data"]["text"])
                    if found:
                        self.seen.setdefault(int(found.group(1)), time.monotonic())


async def burst(world: World, link: str, args: argparse.Namespace) -> None:
    tg, dc = world.tg.fake, world.dc.fake
    rng = random.Random(args.seed)
    texts = [f"{sample_question(rng)[:400]} (n°{i})" for i in range(args.questions)]
    pushed: dict[int, float] = {}
    interval = args.seconds / args.questions
    client = ConsoleClient()
    async with aiohttp.ClientSession() as session:
        follower = asyncio.create_task(client.follow(session, link))
        await wait_until(lambda: client.state_cards >= 0, 10)
        with StallMonitor() as stall:
            start = time.monotonic()
            for i, text in enumerate(texts):
                delay = start + i * interval - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                pushed[i] = time.monotonic()
                if i % 2 == 0:
                    tg.push_text(TG_ASKER + i, TG_ASKER + i, f"/question 1 {text}")
                else:
                    options = {"live": 1, "question": text}
                    dc.slash(DC_ASKER + i, "ask", options, guild_id=GUILD, channel_id=ANNOUNCE)
            spread = time.monotonic() - start
            complete = await wait_until(lambda: len(client.seen) >= args.questions, args.wait)
        follower.cancel()
    latencies = [client.seen[i] - pushed[i] for i in client.seen if i in pushed]
    by_side = {
        side: [client.seen[i] - pushed[i] for i in client.seen if i % 2 == parity]
        for side, parity in (("Telegram", 0), ("Discord", 1))
    }
    print(
        f"{args.questions} questions over {spread:.1f} s ({args.questions / max(spread, 1e-9):.1f}/s),"
        " alternately on Telegram and Discord, pre-moderation on, one console open"
    )
    print(f"    push -> card on the console's event stream: {millis(latencies)}")
    for side, values in by_side.items():
        print(f"        asked on {side}: {millis(values)} ({len(values)} cards)")
    print(
        f"    cards seen: {len(client.seen)} of {args.questions} "
        f"({'all' if complete else 'NOT all'}); {client.events} events in all"
    )
    print(f"    longest event-loop stall {stall.worst * 1000:.0f} ms (aim <= 100 ms)")


async def run(args: argparse.Namespace) -> None:
    discord_service.GUILD_READY_TIMEOUT = 0.05  # the fake sends its servers at once
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeTelegram(enforce_limits=True) as tg, FakeDiscord(enforce_limits=True) as dc:
            furnish(dc)
            for i in range(1, args.questions, 2):
                dc.add_member(GUILD, DC_ASKER + i, f"Membre {i}")
            app = await open_web_app(tg, dc, Path(tmp), limits=(TELEGRAM, DISCORD))
            try:
                world = make_world(app, tg, dc, Path(tmp))
                for i in range(0, args.questions, 2):
                    tg.add_user(TG_ASKER + i, f"Membre {i}", username=f"membre{i}")
                    tg.set_status(TG_ANNOUNCE, TG_ASKER + i, "member")
                await link_both(world)
                when = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d 18:30")
                await scheduled(world.dc, "Atelier vélo", when=when)
                said = await world.dc.person(MIA).types("console", live=1)
                answered(said, "La console du live #1")
                await burst(world, link_on(world.dc.message_of(said)), args)
            finally:
                await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=500, help="distinct askers")
    parser.add_argument("--seconds", type=float, default=60.0, help="the pushes spread over this")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK[0]} in {QUICK[1]:g} s")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds after the last push")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if args.quick:
        args.questions, args.seconds = QUICK
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    asyncio.run(run(args))
    print(
        f"rerun: python bench/console.py --questions {args.questions} --seconds {args.seconds:g}"
        f" --seed {args.seed}"
    )


if __name__ == "__main__":
    main()
