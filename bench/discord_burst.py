"""Button presses answered while a fan-out runs: the whole Discord bot against a strict fake.

The bot is built by the composition root (`bot.app.build`: SQLite file, Discord's real limits)
and talks HTTP and WebSocket to `tests/fakes/discord_api.py` (`FakeDiscord(enforce_limits=True)`:
50 requests/s overall, interaction callbacks and webhooks exempt; 5 posts per 5 s per channel).
The server of the end-to-end tests (`tests/adapters/discord/world.py`) is furnished, Olga sets
the community up and Hugo schedules a live, announced in the announce channel. Then `--fanout`
reminders due now, each a DM to its own member (opted in; inserted into the ledger as
`bench/fanout.py` does, the alarm woken as a use case would), start going out; a second later
`--members` distinct members (added to the guild in bulk, straight into the fake's state) press
Join on the announcement, evenly over `--seconds`.

Round trip of a press: the fake's `Response.at` of that interaction, from the gateway dispatch
to the bot's callback reaching the fake. The adapter answers directly (kind 4) when the core is
done within 2 s, else defers (kind 5) and edits the answer in later; Discord drops a callback
after 3 s (`late_acks`, must stay empty). Also printed: sign-ups in the database, the fan-out's
sends and 429s during the burst, the longest event-loop stall. The fake runs on the bot's event
loop: its work counts in every figure.

Also checked: every press stored before its answer (the fake, as each direct answer arrives,
reads the bot's SQLite file through a second connection: the member's sign-up must be
committed; a deferred answer comes before the core is done and is counted apart). `--runs N`
repeats the whole run (fresh bot, fake and database) and ends with the worst of the N runs;
`--small` is 300 presses in 3 s during a 300-member fan-out.

Figures after issue 12 (2026-12-02, the machine shared, load 1-5), worst of 5 runs: 1000 presses
in 10 s, p50 7-11 ms, p99 34-76 ms, all answered directly after their commit; 12-26 429s a run,
all on the DM fan-out (discord.py retries a refused DM opening itself, outside our limiter).
300 in 3 s: p99 144-455 ms, 0-20 429s.
After every request took its global slot at the wire (`bot/adapters/discord/wire.py`;
2026-12-03, load 4.7-6.3, one run each, the same hour): before p50 2509 ms, p99 2992 ms, 40 429s,
the burst spread over 43 s; after p50 217 ms, p99 830 ms, 0 429s, over 10.7 s.

`--stall S` blocks the event loop for S seconds at `--stall-at` (a fraction of `--seconds`,
default the middle) with `time.sleep`: the presses due meanwhile are made when the loop runs
again but carry their own time (`FakeDiscord.press(at=...)`: the interaction's id and its 3 s
count from then), as Discord would have made them while the bot's frames waited in the socket.
`--timeline` prints the burst second by second and where the loop's thread was during stalls
over 100 ms, with the CPU it got meanwhile (`bench.measure.StallSampler`); every run prints the
time from the dispatch to our handler, CPU per press by thread, the collector's passes, and the
gateway's identifies and resumes.

The collapse (2026-12-03, third session). Last session `--runs 3` at load 3.2-4.6 gave p99
118 / 186 / 2,996 ms, the third run with a 1.15 s stall and 740 presses missed; reproduced this
session at load ~5 (559 missed after a 1.4 s stall) and at will with `--stall 2.5` (269 missed).
The gateway never dropped (1 identify, 0 resume in every run: discord.py's heartbeat is every
41 s, its timeout 60 s). The adapter gave the core 2 s from when each interaction reached it,
but Discord counts its 3 s from when it made the interaction: presses that waited out a stall
(or a backlog) in the socket were answered directly, never deferred, past 3 s, and Discord
dropped them (10062); each still cost its full work, so the backlog drained slowly, every press
behind it late too. Now the 2 s count from the interaction's id (`answers.time_left`): a late
press is deferred in time and edited when the core is done. Paired, old and new code alternately
with `--runs 1 --stall 2.5` at load 4.1-7.3: old 0 and 25 missed (late_acks), new 0 and 0 (64
and 81 deferred). The stalls themselves are not ours: over stalls of more than 100 ms the loop's
thread got 0.24 s of CPU in 2.26 s (it waits for a core: load 5-6 on 2 cores), the samples are
ordinary work (the gateway's zlib, the fake's writer, discord.py's View.from_message); the
collector's full passes take 35-63 ms at load ~2 and up to 450 ms at load 5 (the same passes,
descheduled; 75,000 tracked objects, most of them the fake's). The fan-out's odd 429 after a
stall: requests at the wire gave their slot back as they left, while Discord counts them as
they arrive; each now holds its window slot until its answer is back (`wire.py`).
Worst of 5 after (2026-12-03, load 4.1-4.4): 1000 in 10 s, p50 167 ms, p99 662 ms (runs 662,
308, 152, 341, 310), max 800 ms, 0 missed, every answer after its commit, 0 429s, stall 197 ms;
`--small` (load 4.4-7.8, rising): p99 2647 ms (135, 1837, 2647, 2066, 418), 0 missed, 0 429s,
stall 486 ms. CPU per press over a burst: ~4.4 ms of the loop (the fake's share included) and
~3.2 ms of the database thread; at 100 presses/s that is ~0.75 of a core, which the machine's
other tenants share: the p99 aim (100 ms) is met only on a quiet machine.

Fourth session (2026-12-03, load 4-9 all along: four helpers and their suites on 2 cores).
Where a press's CPU goes, by thread (thread CPU time, `time.thread_time`, and cProfile with that
timer, so a descheduled thread is not counted). The database thread: the press's own unit is
1.0-1.7 ms (0.9-1.3 at load ~3): its use case 1.2 ms (member upsert + place + membership
0.34, the reminders' reach + 2-row INSERT 0.40, the announcement refresh row 0.07, the live's
lock, the sign-up and the reply the rest) plus BEGIN/COMMIT 0.26, as presses (asked `first`)
mostly run alone or a few to a commit; the statements themselves ~0.85 ms (the reminders' INSERT
0.25, the member INSERT 0.18, the two spaces SELECTs 0.12, the sign-up 0.10). The rest of the
"~3.2 ms per press" is not the press: the fan-out's units running meanwhile (claims, records,
the due scan at ~1.4 ms each) cost 0.4-3.1 ms of the database thread per press, now printed
apart ("database thread per press, by unit"). A Telegram sign-up's ~0.6 ms (`signup_burst.py`)
is one unit in a group of 64 sharing a commit, with no fan-out beside it. Nothing of the
Discord adapter runs there (a Join press is `role_blind`: no server lookup).
The event loop (~4.4 ms a press, the fake's share included; shares of a CPU-timed profile of a
full run, which the profiler slows 4x): the fan-out's client side 19 % (discord.py's request
path and the DM openings, the sender's pacing: `pace` checks `isinstance(platform, Paced)`, a
runtime Protocol, for every due row, ~25,000 checks a burst), the presses 17 % (our answer and
discord.py's `send_message` with its aiohttp request ~3/4 of it, discord.py parsing the
INTERACTION_CREATE the rest; the gateway's zlib ~0.02 ms a press: nothing), the fake's server
side 15 % (aiohttp's web handler and the fake's routes: not ours in production), this bench's
own final poll 5 %, and the rest asyncio's and aiohttp's callbacks (the timer heap, protocol
reads and writes) that no coroutine owns. Cut: discord.py's dynamic
items (a View rebuilt from the message and three tasks a press, 1.0 ms of the profiled 19 ms,
so ~0.25 ms a press unprofiled: presses are now routed by their custom ids in `on_interaction`), and discord.py's sweep of idle rate-limit buckets, which past
256 buckets scanned every DM channel's bucket for each new one (13,720 checks for 300 DMs,
quadratic over a 2,000-DM fan-out; now at most once a minute, `wire.sweep_buckets_seldom`).
Paired runs (old = main, new, alternately; the same bench file; see the report for all of them):
the loop's CPU a press swings 2.6-8 ms run to run with the load on both sides, more than what
was cut; p99 is set by the load (at load 5-9: 200 ms to 2.9 s on either side).
Late presses (`--stall 3.5`, 300 in 3 s, load 6-9.5, paired): old 204 and 112 presses dropped
by Discord, 0 of them told; new 189 and 218 dropped, every one told by DM ("missed, not told" 0).
With the setup frozen (the default since; load 6.1-8.8, one pair each, old then new): 1000 in
10 s p99 1986 / 333 ms, CPU a press loop 3.31 / 4.18 ms, database 1.52 / 2.60 ms (the old run's
fan-out starved: 72 units against 438), longest full collection 84 / 92 ms (130-830 ms
unfrozen); --small p99 386 / 547 ms; --stall 3.5: 202 dropped, 0 told / 152 dropped, 152 told.

Figures on the 2-core dev machine before issue 12, default options, one run: 1000 of 1000 answered, all
directly (kind 4), 0 deferred, late_acks 0, 1000 sign-ups; round trip p50 6 ms, p95 16 ms,
p99 26 ms, max 51 ms; stall 33 ms. The fan-out during the burst: 225 reminders in 10 s
(22.4/s), 230 429s (91 of them on reminder posts, the rest on DM opens): 364 DM opens and 316
posts in 10 s, up to 107 counted requests in one second, as the limiter gates only the posts.

Run: python bench/discord_burst.py [--members 1000] [--seconds 10] [--fanout 2000]
                                   [--latency 0.0] [--runs 5] [--small] [--quick]
                                   [--stall 1.2] [--stall-at 0.5] [--timeline]
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fanout import Row, insert
from bench.measure import (
    GcPauses,
    StallMonitor,
    StallSampler,
    burst_arguments,
    pct,
    thread_cpu,
    worst,
)
from bench.measure import rate as per_second
from bot.adapters.discord import service
from bot.adapters.limits import DISCORD
from bot.app import build
from bot.core import codec
from bot.core.ports import UnitOfWork
from bot.domain.model import UserRef
from tests.adapters.discord.steps import scheduled, set_up
from tests.adapters.discord.world import ANNOUNCE, GUILD, World, button, furnish, settings
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_state import MemberRec, UserRec, iso

PRESSER = 820_000_000_000_000_000  # user id of the i-th member who presses Join
FANOUT = 830_000_000_000_000_000  # user id of the i-th member owed a reminder (a DM)
DEADLINE = 3.0  # Discord's time to acknowledge an interaction


def add_pressers(fake: FakeDiscord, count: int) -> None:
    """Members of the guild, in bulk (add_member dispatches a gateway event for each)."""
    guild = fake.world.guilds[GUILD]
    joined = iso()
    for i in range(count):
        # Open to DMs: a press Discord no longer takes is answered there (`late.py`).
        fake.world.users[PRESSER + i] = UserRec(PRESSER + i, f"p{i}", "fr", accepts_dms=True)
        guild.members[PRESSER + i] = MemberRec(PRESSER + i, [], joined)


async def add_fanout(world: World, live_id: int, count: int) -> list[Row]:
    """`count` members open to DMs, each owed a reminder due now."""
    fake, store = world.fake, world.app.store
    for i in range(count):
        fake.world.users[FANOUT + i] = UserRec(FANOUT + i, f"r{i}", "fr", accepts_dms=True)

    async def work(uow: UnitOfWork) -> list[int]:
        now = datetime.now(UTC)
        refs = [UserRef("discord", str(FANOUT + i)) for i in range(count)]
        return [(await uow.members.upsert(r, r.id, None, "fr", now, dm=True)).id for r in refs]

    ids = await store.run(work)
    now = datetime.now(UTC)
    rows = [
        Row(f"reminder:live={live_id}:member={m}:offset=15m", now, m, FANOUT + i)
        for i, m in enumerate(ids)
    ]
    await insert(store, live_id, rows, "discord")
    return rows


def fanout_sends(fake: FakeDiscord, users: range) -> tuple[list[float], list[float]]:
    """Monotonic times the fake received each accepted reminder post, and each refused one: a
    DM channel's accepted posts are its last `n`, `n` the messages it holds."""
    owner = {cid: user for user, cid in fake._dm_channels.items() if user in users}
    posts: dict[int, list[float]] = {}
    for call in fake.calls:
        if call.method == "POST" and call.path.endswith("/messages"):
            user = owner.get(int(call.path.split("/")[2]))
            if user is not None:
                posts.setdefault(user, []).append(fake.started_at + call.at)
    accepted, refused = [], []
    for user, seen in posts.items():
        cut = len(seen) - len(fake.dms.get(user, []))
        accepted.extend(seen[cut:])
        refused.extend(seen[:cut])
    return sorted(accepted), sorted(refused)


def kind_of(call: Any, dm_channels: set[int]) -> str:
    path = call.path
    if path.startswith(("/interactions", "/webhooks")):
        return "exempt"  # interaction callbacks and their edits: outside the 50/s
    if path == "/users/@me/channels":
        return "dm open"
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "channels" and int(parts[2]) in dm_channels:
        return "dm post"
    return f"{call.method} /{parts[1]}" + ("/messages" if "/messages" in path else "")


def requests_in(fake: FakeDiscord, start: float, end: float) -> tuple[dict[str, int], int]:
    """Requests the fake received between two monotonic times, by kind, and the most
    non-exempt ones within any one second."""
    dm_channels = set(fake._dm_channels.values())
    kinds: dict[str, int] = {}
    counted = []
    for call in fake.calls:
        at = fake.started_at + call.at
        if start <= at <= end:
            kind = kind_of(call, dm_channels)
            kinds[kind] = kinds.get(kind, 0) + 1
            if kind != "exempt":
                counted.append(at)
    peak, first = 0, 0
    for last, at in enumerate(counted):
        while counted[first] <= at - 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    return kinds, peak


def ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (
        f"p50 {pct(values, 0.5) * 1000:.0f} ms, p95 {pct(values, 0.95) * 1000:.0f} ms, "
        f"p99 {pct(values, 0.99) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
    )


async def wait_until(predicate: Any, within: float) -> bool:
    end = time.monotonic() + within
    while time.monotonic() < end:
        if predicate():
            return True
        await asyncio.sleep(0.05)
    return False


def handler_marks(app: Any) -> dict[str, float]:
    """When each button press reached the adapter (by interaction id): wraps the adapter's
    entry point, no code changed."""
    reached: dict[str, float] = {}
    service = next(s for s in app.services if hasattr(s, "adapter"))
    adapter = service.adapter
    on_action = adapter.on_action

    async def marked(interaction: Any, action: str) -> None:
        reached[str(interaction.id)] = time.monotonic()
        await on_action(interaction, action)

    adapter.on_action = marked
    return reached


def unit_cpu(app: Any) -> dict[str, list[float]]:
    """CPU of the database thread by what it ran: the presses' units (asked `first`) and the
    rest (the fan-out's claims and records), as [seconds, units, groups]: wraps the store's
    group runner (`ThreadedSqliteStore._run_group`, each call one commit), no code changed."""
    spent: dict[str, list[float]] = {"presses": [0.0, 0, 0], "others": [0.0, 0, 0]}
    store = app.store
    run_group = getattr(store, "_run_group", None)
    if run_group is None:  # not the threaded SQLite store: nothing to split
        return spent

    def timed(group: list[Any]) -> Any:
        started = time.thread_time()
        outcomes = run_group(group)
        took = spent["presses" if group[0].first else "others"]
        took[0] += time.thread_time() - started
        took[1] += len(outcomes)
        took[2] += 1
        return outcomes

    store._run_group = timed
    return spent


class LostPresses:
    """Presses whose interaction Discord never took an answer for (too late), and whether each
    presser was told by DM instead (`bot/adapters/discord/late.py`, through the ledger)."""

    def __init__(self, fake: FakeDiscord, pressed: list[str]) -> None:
        self.fake, self.pressed = fake, pressed

    def missed(self) -> list[str]:
        recs = (self.fake.interactions[q] for q in self.pressed)
        return [r.id for r in recs if r.response is None or not r.response.final]

    def told(self) -> int:
        users = (self.fake.interactions[q].user_id for q in self.missed())
        return sum(1 for u in users if self.fake.dms.get(u))


def lost_presses(fake: FakeDiscord, pressed: list[str]) -> LostPresses:
    return LostPresses(fake, pressed)


def timeline(fake: FakeDiscord, pressed: list[str], start: float) -> None:
    """Second by second of the burst (by when each press was made): how its presses fared."""
    by_second: dict[int, list[Any]] = {}
    for q in pressed:
        rec = fake.interactions[q]
        by_second.setdefault(int(rec.dispatched_at - start), []).append(rec)
    for second, recs in sorted(by_second.items()):
        trips = [r.response.at for r in recs if r.response is not None]
        deferred = sum(1 for r in recs if r.response is not None and r.response.kind == 5)
        missed = sum(1 for r in recs if r.response is None or not r.response.final)
        print(
            f"      second {second:>2}: {len(recs)} presses, {ms(trips)}, deferred {deferred}, "
            f"missed {missed}"
        )


def check_stored(fake: FakeDiscord, database: Path, live_id: int) -> dict[str, bool]:
    """As each direct answer (kind 4) arrives: is the presser's sign-up committed? A second
    connection to the bot's SQLite file sees committed rows only. By interaction id."""
    seen: dict[str, bool] = {}
    db = sqlite3.connect(database, check_same_thread=False)

    def look(rec: Any) -> None:
        if rec.response is None or rec.response.kind != 4:
            return
        row = db.execute(
            "SELECT 1 FROM signups s JOIN members m ON m.id = s.member_id WHERE s.live_id = ?"
            " AND m.platform = 'discord' AND m.external_id = ? AND s.status = 'confirmed'",
            (live_id, str(rec.user_id)),
        ).fetchone()
        seen[rec.id] = row is not None

    fake.on_response = look
    return seen


async def burst(
    world: World, announcement: dict[str, Any], args: Any, database: Path
) -> dict[str, float]:
    fake, app = world.fake, world.app
    custom_id = button(announcement, "Participer")
    live_id = int(codec.decode(custom_id).args["live"])
    stored = check_stored(fake, database, live_id)
    add_pressers(fake, args.members)
    users = range(FANOUT, FANOUT + args.fanout)
    rows = await add_fanout(world, live_id, args.fanout)
    fake.set_latency(args.latency)
    setup_429s = fake.too_many
    await app.outbox.owed_at(datetime.now(UTC))  # what a use case does: the alarm wakes now
    fanout_start = time.monotonic()
    await asyncio.sleep(1.0)  # the fan-out is under way before the first press

    pressed: list[str] = []
    too_many_before = fake.too_many
    interval = args.seconds / args.members
    message_id = int(announcement["id"])
    reached = handler_marks(app)
    units = unit_cpu(app)
    if args.freeze:
        # What the setup made (the fake's world: 3,000 users, their members, every message and
        # interaction record) out of the collector's sight, as `App.start` does with the bot's
        # own objects: its full passes walked them during the burst (130-830 ms at load 5-9,
        # the run's longest stalls), objects a real bot's process does not hold.
        gc.freeze()
    cpu_before = thread_cpu()
    with StallMonitor() as stall, GcPauses() as collector, StallSampler() as sampler:
        start = time.monotonic()
        if args.stall:
            # A loop stall made on purpose (`--stall`): the whole process stops, as under a
            # long GC pause or a core taken away, while presses keep arriving at "Discord".
            asyncio.get_running_loop().call_later(
                args.stall_at * args.seconds, time.sleep, args.stall
            )
        for i in range(args.members):
            due = start + i * interval
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            # Made at its time, even when the loop was blocked then: Discord would have.
            pressed.append(
                fake.press(PRESSER + i, ANNOUNCE, message_id, custom_id, guild_id=GUILD, at=due)
            )

        waiting = list(pressed)

        def final_all() -> bool:
            # Only those not shown yet are looked at again: this poll runs on the loop it measures.
            waiting[:] = [
                q
                for q in waiting
                if not fake.interactions[q].response or not fake.interactions[q].response.final
            ]
            # Those left are done when their pressers were told by DM (Discord dropped them).
            return all(fake.dms.get(fake.interactions[q].user_id) for q in waiting)

        await wait_until(final_all, within=DEADLINE + 30)
        burst_end = time.monotonic()
    cpu = {k: v - cpu_before.get(k, 0.0) for k, v in thread_cpu().items()}
    if args.freeze:
        gc.unfreeze()  # the next run's fake and bot are new: this one's may go
    lost = lost_presses(fake, pressed)
    span = burst_end - start
    too_many_during = fake.too_many - too_many_before
    kinds, peak = requests_in(fake, start, burst_end)
    requests_during = sum(n for k, n in kinds.items() if k != "exempt")
    sent, refused = fanout_sends(fake, users)
    fanout_during = [t for t in sent if start <= t <= burst_end]
    refused_during = [t for t in refused if start <= t <= burst_end]

    responses = [fake.interactions[q].response for q in pressed]
    trips = [r.at for r in responses if r is not None]
    direct = sum(1 for r in responses if r is not None and r.kind == 4)
    deferred = sum(1 for r in responses if r is not None and r.kind == 5)
    final = sum(1 for r in responses if r is not None and r.final)
    late = [q for q in fake.late_acks if q in set(pressed)]
    seats = await app.store.run(lambda uow: uow.signups.counts(live_id))

    print(
        f"burst: {args.members} members press Join over {args.seconds:g} s "
        f"({args.members / args.seconds:.0f}/s) while {args.fanout} DM reminders fan out; "
        f"fake latency {args.latency * 1000:.0f} ms"
    )
    print(f"    round trip (dispatch -> callback at the fake, Response.at): {ms(trips)}")
    print(
        f"    answered {len(trips)} of {args.members} (final answer shown: {final}); "
        f"direct (kind 4) {direct}, deferred (kind 5) {deferred}; "
        f"within {DEADLINE:.0f} s: {sum(1 for t in trips if t <= DEADLINE)}"
    )
    before = sum(1 for q in pressed if stored.get(q))
    print(
        f"    stored before answered: {before} of {direct} direct answers (the sign-up committed "
        f"when the fake took the answer); deferred {deferred}"
    )
    to_handler = [reached[q] - fake.interactions[q].dispatched_at for q in pressed if q in reached]
    print(f"    dispatch -> our handler (gateway, discord.py, the loop's queue): {ms(to_handler)}")
    print(
        "    CPU per press over the burst (ms, by thread; the fake's share included): "
        + ", ".join(f"{k} {v / args.members * 1000:.2f}" for k, v in sorted(cpu.items()))
    )
    print(
        "    database thread per press, by unit: "
        + "; ".join(
            f"{name} {took[0] / args.members * 1000:.2f} ms ({took[1]:.0f} units, "
            f"{took[2]:.0f} commits, {took[0] / max(took[1], 1) * 1000:.2f} ms a unit)"
            for name, took in units.items()
        )
    )
    print(f"    late_acks {len(late)} (all: {len(fake.late_acks)})  (must be 0)")
    print(
        f"    presses Discord took no answer for: {len(lost.missed())}, of whom told by DM "
        f"{lost.told()} (every one, when Discord dropped them: the press was made too long "
        "before it reached us)"
    )
    print(
        f"    sign-ups in the database: {seats.confirmed} confirmed, {seats.waitlisted} "
        f"waitlisted  (must be {args.members}, 0)"
    )
    print(
        f"    fan-out during the burst ({span:.1f} s): {len(fanout_during)} sent, "
        f"{len(fanout_during) / span:.2f}/s; requests counted in the 50/s "
        f"{requests_during / span:.1f}/s (most in one second {peak}); 429s {too_many_during} "
        f"(aim 0); reminder posts refused {len(refused_during)}"
    )
    print(f"    requests during the burst by kind: {dict(sorted(kinds.items()))}")
    print(f"    longest event-loop stall {stall.worst * 1000:.1f} ms  (aim <= 100 ms)")
    print(f"    garbage collector during the burst: {collector}")
    if args.timeline:
        print(f"    where the loop's thread was during stalls: {sampler.report()}")
    resumes = sum(1 for f in fake.gateway.received if f.get("op") == 6)
    print(
        f"    gateway: {fake.identify_count} identify, {resumes} resume over the run "
        "(1, 0: the connection never dropped)"
    )
    if args.timeline:
        timeline(fake, pressed, start)
    if fake.crashes:
        print(f"    the FAKE crashed {len(fake.crashes)} times: {fake.crashes[:3]}")

    times, refused = fanout_sends(fake, users)
    rate = per_second(times)
    total = time.monotonic() - fanout_start
    print(
        f"    fan-out so far: {len(times)} of {len(rows)} sent in {total:.1f} s, {rate:.2f}/s "
        f"(the rest is cut by the stop); 429s since it began {fake.too_many - setup_429s} "
        f"({len(refused)} to reminders), during the setup {setup_429s}"
    )
    return {
        "answer p50": pct(trips, 0.5) if trips else float("inf"),
        "answer p99": pct(trips, 0.99) if trips else float("inf"),
        "answer max": max(trips, default=float("inf")),
        "answered after commit": float(before),
        "deferred": float(deferred),
        "missed": float(args.members - final),
        "missed, not told": float(len(lost.missed()) - lost.told()),
        "429s": float(too_many_during),
        "stall": stall.worst,
    }


async def one_run(args: Any) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        async with FakeDiscord(enforce_limits=True) as fake:
            furnish(fake)
            app = await build(settings(fake, Path(tmp)), discord_limits=DISCORD)
            await app.start()
            try:
                world = World(fake, app, Path(tmp))
                await set_up(world)
                announcement = await scheduled(world, "Bench burst")
                database = Path(tmp) / "solidaire.sqlite3"
                return await burst(world, announcement, args, database)
            finally:
                await app.stop()


COUNTS = ("answered after commit", "deferred", "missed", "missed, not told", "429s")


def stall_options(parser: Any) -> None:
    parser.add_argument("--timeline", action="store_true", help="the burst second by second")
    parser.add_argument(
        "--stall", type=float, default=0.0, help="block the event loop this long, s (e.g. 1.2)"
    )
    parser.add_argument(
        "--stall-at", type=float, default=0.5, help="when, as a fraction of --seconds"
    )
    parser.add_argument(
        "--no-freeze",
        dest="freeze",
        action="store_false",
        help="leave the setup's objects (the fake's world) to the collector's full passes",
    )


async def main() -> None:
    args = burst_arguments("DM reminders due at the burst", stall_options)
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    # discord.py waits this long after READY for the servers: the fake sends them at once.
    service.GUILD_READY_TIMEOUT = 0.05
    runs = []
    for run in range(args.runs):
        print(f"== run {run + 1} of {args.runs}")
        runs.append(await one_run(args))
    print(
        f"== worst of {len(runs)} runs ({args.members} presses in {args.seconds:g} s, "
        f"{args.fanout} DM reminders; aims: answer p99 < 100 ms, all {args.members} answered "
        "after their commit, 0 missed, 0 429s, stall < 100 ms)"
    )
    print(worst(runs, COUNTS))
    print(
        f"rerun: python bench/discord_burst.py --members {args.members} "
        f"--seconds {args.seconds:g} --fanout {args.fanout} --latency {args.latency} "
        f"--runs {args.runs}"
        + (f" --stall {args.stall} --stall-at {args.stall_at}" if args.stall else "")
        + ("" if args.freeze else " --no-freeze")
    )


if __name__ == "__main__":
    asyncio.run(main())
