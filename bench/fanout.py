"""Reminders fanned out to many private chats through the outbox, the limiter and a strict fake.

(a) fan-out: N reminders due now, each to its own Telegram private chat. The outbox flushes until
    nothing is owed. Achieved send rate against Telegram's 30/s, 429s received, chats sent to
    twice or never, longest event-loop stall.
(b) steady: reminders arriving under the limit (20 due at each whole second for 15 s, inserted
    ahead), the outbox woken every 100 ms: lateness (send time minus due time).
(c) `--via discord` only: the same members' reminders in the live's thread (Discord's default),
    mention batches; messages posted against the channel's 5 per 5 s. (a) is then the DM path
    (members who opted in): against its bound, two requests per first DM at 50 requests/s.

Two targets, both counting strict sliding windows and answering 429 past them:
- `--via fake` (default): `tests/fakes/limited.py`, an in-process `ChatPlatform`, no HTTP.
- `--via telegram`: the real sending side of the adapter, `TelegramPlatform` over
  python-telegram-bot's `Bot` (HTTP, built as `bot/adapters/telegram/service.py` builds it), in
  `RateLimitedPlatform(..., TELEGRAM)`, against `tests/fakes/telegram_api.py`
  (`FakeTelegram(enforce_limits=True)`, each member a user who started the bot). 429s are the
  fake's own count (`too_many`); a send's time is when the fake received the accepted request.
  The fake runs on the same event loop (and so the same core) as the bot: its work counts in the
  stall figures. `--latency` is the fake's delay before it answers (it counts the send after it).
- `--via discord`: the real `DiscordPlatform` (discord.py, logged in, no gateway) in
  `RateLimitedPlatform(..., DISCORD)`, against `tests/fakes/discord_api.py`
  (`FakeDiscord(enforce_limits=True)`: 50 requests/s overall, 5 posts/5 s per channel), each
  member a user open to DMs: a reminder is a DM, so discord.py first opens the DM channel
  (`POST /users/@me/channels`, counted in the 50/s), then posts. Every request discord.py makes
  takes its global slot at the wire, as the service builds it (`bot/adapters/discord/wire.py`).
  Duplicates are also checked by nonce (one per ledger key). Rate as a share of 50/s.

Figures on the 2-core dev machine (Nov 2026; rate as a share of Telegram's 30/s):
  --via fake --members 2000:      (a) 0.988, 0 429s, 0/0, stall 61 ms; (b) p50 378, p99 700 ms
  --via telegram --members 500:   (a) 0.987-0.989, one 429 per run, 0/0, stall 15-27 ms;
                                  (b) p50 371-404, p99 735-757 ms, 0 429s, stall 83-143 ms
  --via telegram --members 2000:  (a) 0.984-0.986, 1-2 429s, 0/0, stall 88-101 ms; (b) p99 709 ms
  The 429 over HTTP is the 31st send of a fan-out (the overall window): the first sends open the
  HTTP connections and reach the fake ~10-15 ms late, which squeezes the first window past the
  limiter's 1 % margin. Stalls of 70-140 ms are the garbage collector's full (gen 2) passes.
  --via discord --members 2000:   (a) 18.03/s = 0.361 of 50/s, 0 429s, 0/0 (2000 nonces), stall
                                  96 ms; (b) p50 2079, p99 3492 ms, 0 429s (one run)
  --via discord --members 500 --latency 0:  (a) 25.00/s = 0.500, 504 429s (all but 27 on DM
                                  opens), 0/0; (b) p50 243, p99 467 ms, 0 429s (one run)
  After issue 12 (2026-12-02), --via discord --members 2000 --latency 0: (a) 2000 first DMs in
                                  85.4 s, 0.94 of the 80 s bound, but 260 429s (248 DM openings
                                  retried by discord.py itself); (c) the thread: 36 messages, 2000
                                  mentioned, 37.6 s (36 messages need 31 s), 0 429s; 27 messages
                                  would do: the outbox's chunks of 60 due rows cut batches of 75.
  After the global slot moved to the wire (2026-12-03, same machine, load 2-7), --via discord
                                  --latency 0: --members 500: (a) 500 first DMs in 21.2 s, 0.94
                                  of the 20 s bound, 0 429s (56 before, same hour); --members
                                  2000: (a) 87.0 s, 0.92 of the 80 s bound, 0 429s (260 before);
                                  (c) 36 messages, 38.5 s, 0 429s.
  Discord reaches half its limit at best: every reminder is two requests (DM open, post) and
  the limiter gates only the post. At 50 ms latency discord.py runs the DM opens one at a time
  (one route bucket; it keeps a bucket's limit at 1 until headers say more, and the fake sends
  none on that route), ~18/s, so the steady 20/s falls behind; at 0 ms the opens overflow the
  fake's 50/s window and discord.py sleeps out its global 429s (Retry-After >= 1 s).

Run: python bench/fanout.py [--via fake|telegram|discord] [--members 2000] [--quick] [--concurrency 8]
                            [--latency 0.05] [--fail-rate 0.0 (fake only)]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Clock, StallMonitor, pct
from bot.adapters.discord.wire import WireGate
from bot.adapters.limits import DISCORD, TELEGRAM, RateLimitedPlatform
from bot.core.delivery.outbox import Outbox
from bot.core.delivery.payloads import dump_message, recipe
from bot.core.messages import Destination, OutMessage, Raw, Text
from bot.core.ports import ChatPlatform, Store, UnitOfWork
from bot.domain.model import LiveStatus, UserRef
from bot.storage.database import open_store
from tests.fakes.limited import StrictTelegram

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)
PAYLOAD = dump_message(
    OutMessage(Text("fr", "signup.promoted", {"id": 1, "title": "Bench", "when": Raw("demain")}))
)
STEADY_PER_SECOND = 20
STEADY_SECONDS = 15
FANOUT_CHAT = 100000  # the private chat of fan-out member i is FANOUT_CHAT + i
STEADY_CHAT = 200000


@dataclass(frozen=True)
class Row:
    key: str
    due: datetime
    member_id: int
    chat: int


async def prepare(store: Store, members: int, platform: str = "telegram") -> tuple[int, list[int]]:
    """A community, a live tomorrow and `members` members of `platform` (reminders need both)."""

    async def work(uow: UnitOfWork) -> tuple[int, list[int]]:
        now = datetime.now(UTC)
        community = await uow.communities.create("Bench", "fr", "Europe/Paris", ["15m"], False)
        ids = []
        for i in range(members):
            member = await uow.members.upsert(
                UserRef(platform, str(100000 + i)), f"m{i}", None, "fr", now
            )
            ids.append(member.id)
        live = await uow.lives.create(
            community.id, "Bench", "", now + timedelta(days=1), 60, None, None, [],
            LiveStatus.SCHEDULED, ids[0], None, now,
        )  # fmt: skip
        return live.id, ids

    return await store.run(work)


async def insert(store: Store, live_id: int, rows: list[Row], platform: str = "telegram") -> None:
    async def work(uow: UnitOfWork) -> None:
        for row in rows:
            dest = Destination(platform, str(row.chat), True)
            await uow.deliveries.add(
                row.key, "reminder", row.due, dest, PAYLOAD, row.member_id, live_id
            )

    await store.run(work)


async def owed(store: Store) -> bool:
    return bool(await store.run(lambda uow: uow.deliveries.due(FAR_FUTURE, 1)))


# ---------------------------------------------------------------------- targets


class InProcess:
    """`StrictTelegram`: a `ChatPlatform` counting the windows itself, no HTTP."""

    def __init__(self, chats: list[int], args: Any, seed: int) -> None:
        self.fake = StrictTelegram(latency=args.latency, fail_rate=args.fail_rate, seed=seed)
        self.platform: ChatPlatform = self.fake

    async def __aenter__(self) -> InProcess:
        return self

    async def __aexit__(self, *_: object) -> None:
        pass

    def accepted(self) -> list[tuple[int, float]]:
        """(chat, time the fake took it) of every send that passed the windows."""
        return [(int(a.chat_id), a.at) for a in self.fake.accepted]

    def too_many(self) -> tuple[int, str]:
        reasons = Counter(reason for reason, _, _ in self.fake.refusals)
        return self.fake.rate_limited, str(dict(reasons) or "")

    def failed(self) -> int:
        return self.fake.failed


class OverHttp:
    """The real `TelegramPlatform` (python-telegram-bot over HTTP) against `FakeTelegram`."""

    def __init__(self, chats: list[int], args: Any, seed: int) -> None:
        from tests.fakes.telegram_api import FakeTelegram  # sets NO_PROXY for 127.0.0.1

        self.fake = FakeTelegram(enforce_limits=True)
        self._chats, self._latency = chats, args.latency

    async def __aenter__(self) -> OverHttp:
        from telegram import Bot

        from bot.adapters.telegram.http import AiohttpRequest
        from bot.adapters.telegram.platform import TelegramPlatform
        from bot.adapters.telegram.service import SEND_POOL

        await self.fake.start()
        for chat in self._chats:
            self.fake.add_user(chat, f"m{chat}")
            self.fake.user_starts_bot(chat)
        self.fake.set_latency(self._latency)
        # As bot/adapters/telegram/service.py builds it (aiohttp, its outbound pool).
        self.bot = Bot(
            self.fake.token,
            base_url=self.fake.base_url,
            base_file_url=self.fake.base_file_url,
            request=AiohttpRequest(connections=SEND_POOL),
        )
        await self.bot.initialize()
        self.platform = TelegramPlatform(self.bot)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.bot.shutdown()
        await self.fake.stop()

    def accepted(self) -> list[tuple[int, float]]:
        """A chat's accepted sends are its last `n` sendMessage calls, `n` the messages it
        holds: a refused send is retried later, never after the one that went through."""
        calls: dict[int, list[float]] = {}
        for call in self.fake.calls_of("sendMessage"):
            calls.setdefault(int(call.params["chat_id"]), []).append(call.at)
        out = []
        for chat in self._chats:
            held = len(self.fake.chat_log(chat))
            out.extend((chat, at) for at in calls.get(chat, [])[len(calls.get(chat, [])) - held :])
        return sorted(out, key=lambda pair: pair[1])

    def too_many(self) -> tuple[int, str]:
        """The fake's 429 count, and which window each refused send most likely hit: its chat's
        when that chat had a send accepted less than a second before, else the overall one."""
        accepted: dict[int, list[float]] = {}
        for chat, at in self.accepted():
            accepted.setdefault(chat, []).append(at)
        reasons: Counter[str] = Counter()
        for call in self.fake.calls_of("sendMessage"):
            chat = int(call.params["chat_id"])
            if call.at in accepted.get(chat, ()):
                continue
            recent = any(0 <= call.at - at < 1.0 for at in accepted.get(chat, ()))
            reasons["chat" if recent else "overall"] += 1
        return self.fake.too_many, str(dict(reasons) or "")

    def failed(self) -> int:
        return 0


class OverDiscord:
    """The real `DiscordPlatform` (discord.py over HTTP, logged in; no gateway: sends need
    none) against `FakeDiscord(enforce_limits=True)`, each member a user open to DMs. A
    reminder is a DM: discord.py opens the DM channel once (`POST /users/@me/channels`, which
    counts in the fake's 50/s too), then posts the message. A send's time is when the fake
    received the accepted `POST /channels/{dm}/messages`."""

    platform_name = "discord"

    def __init__(self, chats: list[int], args: Any, seed: int) -> None:
        from tests.fakes.discord_api import FakeDiscord  # sets NO_PROXY for 127.0.0.1

        self.fake = FakeDiscord(enforce_limits=True)
        self._chats, self._latency = chats, args.latency

    async def __aenter__(self) -> OverDiscord:
        import discord

        from bot.adapters.discord.platform import DiscordPlatform
        from tests.fakes.discord_state import UserRec

        await self.fake.start()
        for chat in self._chats:  # straight into the fake's state: add_member dispatches each
            self.fake.world.users[chat] = UserRec(chat, f"m{chat}", "fr", accepts_dms=True)
        self._saved = discord.http.Route.BASE
        discord.http.Route.BASE = self.fake.api_base
        intents = discord.Intents.none()
        intents.guilds = True  # as bot/adapters/discord/service.py builds the client
        self.gate = WireGate()  # its REST requests gated at the wire, as the service does
        self.client = discord.Client(
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            http_trace=self.gate.trace,
        )
        await self.client.login(self.fake.token)
        self.fake.set_latency(self._latency)
        self.platform = DiscordPlatform(self.client, "fr")
        return self

    async def __aexit__(self, *_: object) -> None:
        import discord

        await self.client.close()
        discord.http.Route.BASE = self._saved
        await self.fake.stop()

    def _posts(self) -> dict[int, list[Any]]:
        """POST /channels/{dm}/messages calls by member."""
        owner = {cid: user for user, cid in self.fake._dm_channels.items()}
        posts: dict[int, list[Any]] = {}
        for call in self.fake.calls:
            if call.method == "POST" and call.path.endswith("/messages"):
                user = owner.get(int(call.path.split("/")[2]))
                if user is not None:
                    posts.setdefault(user, []).append(call)
        return posts

    def accepted(self) -> list[tuple[int, float]]:
        """A member's accepted sends are their DM channel's last `n` posts, `n` the messages it
        holds (a refused post is retried after, never before). Monotonic times."""
        out = []
        posts = self._posts()
        for chat in self._chats:
            held = len(self.fake.dms.get(chat, []))
            seen = posts.get(chat, [])
            out.extend((chat, self.fake.started_at + c.at) for c in seen[len(seen) - held :])
        return sorted(out, key=lambda pair: pair[1])

    def too_many(self) -> tuple[int, str]:
        """The fake's 429 count, and on which route (DM opened, message posted)."""
        posts = self._posts()
        refused_posts = sum(
            len(posts.get(chat, [])) - len(self.fake.dms.get(chat, [])) for chat in self._chats
        )
        opens = sum(1 for c in self.fake.calls if c.path == "/users/@me/channels")
        reasons = {
            "requests": self.fake.request_count,
            "dm opens": opens,
            "posts refused": refused_posts,
        }
        return self.fake.too_many, str(reasons)

    def failed(self) -> int:
        return 0

    def nonces(self) -> tuple[int, int]:
        """Messages held, and distinct nonces among them (equal: no ledger row shown twice)."""
        held = [m.get("nonce") for msgs in self.fake.dms.values() for m in msgs]
        return len(held), len(set(held))


TARGETS = {"fake": InProcess, "telegram": OverHttp, "discord": OverDiscord}


def limiter(target: Any, args: Any) -> RateLimitedPlatform:
    """The limiter in front of the target, as the services build it: on Discord the global
    slot is taken by each request at the wire (`bot/adapters/discord/wire.py`)."""
    gate = getattr(target, "gate", None)
    limited = RateLimitedPlatform(target.platform, LIMITS[args.via], at_wire=gate is not None)
    if gate is not None:
        gate.limited = limited
    return limited


LIMITS = {"fake": TELEGRAM, "telegram": TELEGRAM, "discord": DISCORD}


def check_chats(accepted: list[tuple[int, float]], rows: list[Row]) -> tuple[int, int]:
    """Chats sent to more than once, and chats never sent to (one row per chat here)."""
    sent = Counter(chat for chat, _ in accepted)
    duplicates = sum(1 for r in rows if sent[r.chat] > 1)
    lost = sum(1 for r in rows if not sent[r.chat])
    return duplicates, lost


# ---------------------------------------------------------------------- the two loads


async def fanout(store: Store, live_id: int, ids: list[int], args: Any) -> None:
    now = datetime.now(UTC)
    rows = [
        Row(f"reminder:live={live_id}:member={ids[i]}:offset=15m", now, ids[i], FANOUT_CHAT + i)
        for i in range(len(ids))
    ]
    name = platform_of(args)
    async with TARGETS[args.via]([r.chat for r in rows], args, seed=1) as target:
        limited = limiter(target, args)
        outbox = Outbox(store, Clock(), {name: limited}, concurrency=args.concurrency)
        await insert(store, live_id, rows, name)
        flushes = 0
        with StallMonitor() as stall:
            start = time.monotonic()
            while await owed(store):
                flushes += 1
                if not await outbox.flush():
                    await asyncio.sleep(0.1)  # only retries left, not due yet
            elapsed = time.monotonic() - start
        accepted = target.accepted()
        too_many, reasons = target.too_many()
        failed = target.failed()
        nonces = target.nonces() if hasattr(target, "nonces") else None
    times = [at for _, at in accepted]
    span = max(times) - min(times) if len(times) > 1 else 0.0
    rate = (len(times) - 1) / span if span else 0.0
    limit = LIMITS[args.via].overall.count / LIMITS[args.via].overall.per
    duplicates, lost = check_chats(accepted, rows)
    print(
        f"(a) fan-out via {args.via}: {len(rows)} reminders due now, each to its own private chat"
    )
    if nonces is not None:
        print(f"    messages held {nonces[0]}, distinct nonces {nonces[1]} (equal: no row twice)")
    print(
        f"    sent {len(times)} in {elapsed:.1f} s ({flushes} flushes); "
        f"rate {rate:.2f}/s = {rate / limit:.3f} of the limit  (aim >= 0.95)"
    )
    print(f"    429s received {too_many} {reasons} (aim 0); 5xx injected {failed}")
    if args.via == "discord":
        floor = 2 * len(rows) / limit
        print(
            f"    a first DM is two requests (open the DM channel, post): {len(rows)} need "
            f"at least {floor:.0f} s at {limit:.0f} requests/s; took {elapsed:.1f} s "
            f"({floor / elapsed if elapsed else 0:.2f} of the bound)"
        )
    print(f"    duplicates {duplicates}, losses {lost}  (must be 0, 0)")
    print(f"    limiter: {limited.stats()}")
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")


THREAD_GUILD, THREAD_CHANNEL, THREAD = 900, 901, 902


async def in_thread(store: Store, live_id: int, ids: list[int], args: Any) -> None:
    """(c) Discord's default: the same reminders in the live's thread, mentioning the members
    (up to 90 a ledger batch; discord.py posts a batch in as many messages as 2,000 characters
    need). Bound: a channel takes 5 messages in any 5 s, so N messages need N - 5 seconds."""
    now = datetime.now(UTC)
    rows = [
        Row(f"reminder:live={live_id}:member={m}:offset=15m:thread", now, m, THREAD) for m in ids
    ]
    async with OverDiscord([], args, seed=3) as target:
        fake = target.fake
        fake.add_guild(THREAD_GUILD, "Bench", owner_id=1, locale="fr")
        fake.add_channel(THREAD_GUILD, THREAD_CHANNEL, "annonces")
        fake.add_channel(THREAD_GUILD, THREAD, "live", kind=11)
        thread = fake.world.channels[THREAD]  # the announcement's thread, opened by the bot
        thread.parent_id, thread.owner_id = THREAD_CHANNEL, fake.world.bot_id
        fake.set_bot_permissions(THREAD_GUILD, 1 << 10 | 1 << 11 | 1 << 38)  # view, send, threads
        limited = RateLimitedPlatform(target.platform, DISCORD)
        outbox = Outbox(store, Clock(), {"discord": limited}, concurrency=args.concurrency)

        async def work(uow: UnitOfWork) -> None:
            dest = Destination("discord", str(THREAD_CHANNEL), False, thread_id=str(THREAD))
            worded = recipe("reminder", offset="15m")  # worded at send time, mentions included
            for row in rows:
                await uow.deliveries.add(
                    row.key, "reminder", row.due, dest, worded, row.member_id, live_id
                )

        await store.run(work)
        with StallMonitor() as stall:
            start = time.monotonic()
            while await owed(store):
                if not await outbox.flush():
                    await asyncio.sleep(0.1)
            elapsed = time.monotonic() - start
        posted = fake.messages(THREAD)
        mentioned = {tag for m in posted for tag in re.findall(r"<@(\d+)>", m["content"] or "")}
        too_many = fake.too_many
    bound = max(0, len(posted) - 5)
    print(
        f"(c) in the live's thread via discord: {len(rows)} reminders due now for one live "
        "(Discord's default; DMs only for members who opted in)"
    )
    print(
        f"    {len(posted)} messages for {len(rows)} members (about {-(-len(rows) // 75)} "
        f"batches of 75 mentions), {len(mentioned)} members mentioned (must be {len(rows)})"
    )
    print(
        f"    all sent in {elapsed:.1f} s; the channel's 5 messages per 5 s allow "
        f"{len(posted)} in {bound} s at best; 429s {too_many} (aim 0)"
    )
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")


async def steady(store: Store, live_id: int, ids: list[int], args: Any) -> None:
    chats = [STEADY_CHAT + i for i in range(STEADY_PER_SECOND * STEADY_SECONDS)]
    steady_args = argparse.Namespace(**{**vars(args), "fail_rate": 0.0})
    name = platform_of(args)
    async with TARGETS[args.via](chats, steady_args, seed=2) as target:
        limited = limiter(target, args)
        outbox = Outbox(store, Clock(), {name: limited}, concurrency=args.concurrency)
        wall, mono = datetime.now(UTC), time.monotonic()
        first = 1.0  # seconds from now to the first due time: leaves time to insert
        rows = []
        due_mono: dict[int, float] = {}
        for second in range(STEADY_SECONDS):
            for j in range(STEADY_PER_SECOND):
                i = second * STEADY_PER_SECOND + j
                offset = first + second
                key = f"reminder:live={live_id}:member={ids[i]}:offset=24h"
                rows.append(Row(key, wall + timedelta(seconds=offset), ids[i], chats[i]))
                due_mono[chats[i]] = mono + offset
        await insert(store, live_id, rows, name)
        with StallMonitor() as stall:
            end = mono + first + STEADY_SECONDS + 3
            while time.monotonic() < end and (await owed(store) or not target.accepted()):
                await outbox.flush()
                await asyncio.sleep(0.1)
        accepted = target.accepted()
        too_many, reasons = target.too_many()
    late = [at - due_mono[chat] for chat, at in accepted]
    duplicates, lost = check_chats(accepted, rows)
    print(
        f"(b) steady via {args.via}: {STEADY_PER_SECOND} reminders due at each whole second for "
        f"{STEADY_SECONDS} s, outbox woken every 100 ms"
    )
    if not late:
        print("    nothing was sent")
        return
    print(
        f"    lateness p50 {pct(late, 0.5) * 1000:.0f} ms, p99 {pct(late, 0.99) * 1000:.0f} ms, "
        f"max {max(late) * 1000:.0f} ms  (aim p99 <= 1000 ms)"
    )
    print(f"    429s received {too_many} {reasons}; duplicates {duplicates}, losses {lost}")
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")


def platform_of(args: Any) -> str:
    return "discord" if args.via == "discord" else "telegram"


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--via",
        choices=sorted(TARGETS),
        default="fake",
        help="fake: in-process strict platform; telegram: TelegramPlatform over HTTP; "
        "discord: DiscordPlatform over HTTP",
    )
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="300 members: a smoke run")
    parser.add_argument("--concurrency", type=int, default=8, help="the outbox's sends in flight")
    parser.add_argument("--latency", type=float, default=0.05, help="the fake's answer delay, s")
    parser.add_argument(
        "--fail-rate", type=float, default=0.0, help="fraction of 5xx answers (--via fake only)"
    )
    args = parser.parse_args()
    if args.fail_rate and args.via != "fake":
        parser.error("--fail-rate needs --via fake (the HTTP fake has no random failures)")
    members = 300 if args.quick else args.members
    steady_members = STEADY_PER_SECOND * STEADY_SECONDS
    with tempfile.TemporaryDirectory() as tmp:
        store = await open_store(f"sqlite:///{Path(tmp) / 'fanout.sqlite3'}")
        live_id, ids = await prepare(store, members + steady_members, platform_of(args))
        await fanout(store, live_id, ids[:members], args)
        if args.via == "discord":
            await in_thread(store, live_id, ids[:members], args)
        await steady(store, live_id, ids[members:], args)
        await store.close()
    fail = f" --fail-rate {args.fail_rate}" if args.via == "fake" else ""
    print(
        f"rerun: python bench/fanout.py --via {args.via} --members {members} "
        f"--concurrency {args.concurrency} --latency {args.latency}{fail}"
    )


if __name__ == "__main__":
    asyncio.run(main())
