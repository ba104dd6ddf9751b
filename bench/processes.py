"""Sign-ups per second and the reminders' fan-out with 1, 2 and 4 bot processes on one
PostgreSQL, and 1 on SQLite, side by side.

Sign-ups: 2,000 members (an even share per process) arrive all at once, twice on a fresh
database: first all for one live of 500 seats, then spread over 20 lives of 25 seats (member i
joins live i % 20 + 1). Each process runs the real dispatcher on its own engine and fires its
share in batches of 100 (a batch every 50 ms, as bench/signup_burst.py's crowd). Every join locks
its live's row first (LiveRepo.lock): with one live every join of every process queues on that
row; with 20 the joins contend only when they meet on a live. Printed: sign-ups per second from
the common start to the last answer, for each case, and the seats given (500 in all, whatever
the number of processes).

Fan-out: `--fanout` members (2,000) are each owed a reminder to their private Telegram chat;
then that many whole bots start (`python -m bot`, configured by the environment as a user runs
it, each its own process name: tests/processes.py, the multi-process crash test's harness)
against the strict fake Telegram running here (`FakeTelegram(enforce_limits=True)`: a send past
Telegram's 30/s overall or 1/s per chat is refused with a 429). The reminders fall due once
every bot has started (`lead`; a `*` marks a run where one had not). On PostgreSQL the bots
share the send budget (`bot/storage/budget.py`, `send_window.py`) and claim rows by
conditional update. Printed: the rate the fake took the reminders at, from the first to the
last, as a share of Telegram's 30/s (aim at least 0.95), the 429s (aim 0), members reminded
twice (aim 0) or never (must be 0), and the load. The bots, PostgreSQL and the fake share the
machine's two cores (and other helpers' test suites).

Where a send's time went, one bot on PostgreSQL (2026-12-03, timestamps per phase of each of
600 sends, medians): a window serves `count` sends every `per` seconds plus however long each
slot is held before its answer. The process's own window slot was taken first and held 87 ms:
the global bucket's wait 27, the process's turn for the shared slot 6, the shared slot's
5-round-trip transaction 25 (advisory lock held across them), the chat's slot in the budget 7,
HTTP to the fake and back 7; the shared window held 1.05 s (a 5 % margin meant for spaced slots)
plus ~15 ms plus its background release's round trip. Cap ~0.92 of the limit. Also, at start
each bot sent before its Telegram client was open: 62 of 300 sends failed at once and went
again 2 s later, each holding a slot meanwhile. Now (`limits.py`, `shared_slots.py`, migration
0012): the bucket, then the shared slot and the chat's in one function call (one round trip,
the lock held only while the server runs it), a full window handing over the slot that frees
first from when it frees (the send sleeps until then instead of asking again a round trip
late), the process's own slot last; a slot frees a window after the answer as bounded by the
database's clock at the take plus the time the process saw pass (the release's delay costs
nothing); the shared window keeps the local 1 % margin (it is strict). Held from its start to
the answer: 14 ms at the median (HTTP 7-14 ms with the load); arrival to the 30th arrival after
it 1,052 ms at the median with 2 bots at load 5 (1,010 of window; the rest the hold, the take's
own latency inside the bound, the timer waking late, the next request's way to the server).
What is left is CPU: at load 7-8 every hop takes 2-3 times longer, and a bot starved of its
share of a core leaves its slots idle. Sends wait for the Telegram client to be open.

Four bots, later that day (`--trace`: bench/trace_sends, phases per send, thread CPU; py-spy on
the bots; load 4.6-7.7): each bot's sends waited ~0.9 s for their process's turn at the shared
window, one take at a time, each a round trip of 30-52 ms at the median (p90 80-166); a slot
was held 23-36 ms from its start to the answer (p90 60-134), and a bot woke 5 ms late (p90 41)
for a slot handed over. CPU 16-17 ms a send in each bot; py-spy: 21 % of a bot's samples in the
alarm's passes (each of the 4 bots booked Telegram's 30/s for itself, claimed four times what it
could send, and put 60 rows back in line every 50 ms), 17 % in the sends. Now: a pass claims at
most 4 x the outbox's concurrency ahead and leaves the other due rows as they are (picked at
random among rows due alike, so processes do not all claim the same first ones); a process's
waiting sends take their slots in one round trip (migration 0013: 5.2 sends a call with 4
bots); slots in flight are kept alive every second and taken back 5 s after a process died (30
before). After, same harness (load 3.4-5): 9.9-10.3 ms of CPU a send in each bot, a slot held
3.6-4.2 ms at the median (p90 20-47), the steady state at 29-30 sends/s; 0.923 and 0.957 of the
limit. One bot alone collapsed at load 7-9.6 in some runs (0.29-0.55; 0.97-0.98 at load 2.7-4.5;
the old code 0.94-0.96 at load 4.6-6.2): not explained yet (its takes and passes were slow: a
pass 0.7-2.8 s, 3 take calls a second).

Figures on the 2-core machine shared with other helpers (2026-12-03), 1,000 reminders:
  the code before and after, interleaved on one harness (same hour; fan-out rate, load):
                                   before            after
  SQLite (threaded), 1 process     0.935 (4.0)       0.983 (3.6)
  PostgreSQL, 1 process            0.906 (4.4)       0.967 (4.6)
  PostgreSQL, 2 processes          0.756 (7.1)       0.784 (6.5)
  PostgreSQL, 4 processes          0.814* (7.0)      0.917 (6.8)
  (before the hand-over and the chat's slot in the same call, 12:05-12:22: SQLite 0.972 ->
  0.982, PostgreSQL 1 process 0.936 -> 0.952, 2 processes 0.834 -> 0.935; one bot with
  timestamps, 600 reminders: 0.903 at load 5 -> 0.976 at load 2.6)
  python bench/processes.py --members 500 --fanout 1000, the code after, three runs (13:16, a
  quiet machine; then 12:55 and 12:48, busier):
                                 sign-ups/s (20 lives)  seats  fan-out rate    (s)  429s  twice  never  load
  SQLite (threaded), 1 process         1241       1902 500/500        0.986    33.8     0      0      0   0.4
  PostgreSQL, 1 process                 182        308 500/500        0.976    34.1     0      0      0   1.3
  PostgreSQL, 2 processes                93        197 500/500        0.977    34.1     0      0      0   1.4
  PostgreSQL, 4 processes               117         94 500/500        0.792    42.0     0      0      0   2.5
  SQLite (threaded), 1 process          463        485 500/500        0.961    34.7     0      0      0   3.2
  PostgreSQL, 1 process                  43         72 500/500        0.957*   34.8     0      0      0   3.5
  PostgreSQL, 2 processes                39         96 500/500        0.939    35.5     0      0      0   4.6
  PostgreSQL, 4 processes                26         28 500/500        0.877*   38.0     0      0      0   6.9
  SQLite (threaded), 1 process          126        136 500/500        0.930    35.8     0      0      0   5.9
  PostgreSQL, 1 process                  61        125 500/500        0.967    34.4     0      0      0   4.4
  PostgreSQL, 2 processes                58         49 500/500        0.899    37.0     0      0      0   5.7
  PostgreSQL, 4 processes                29         22 500/500        0.761*   43.7     0      0      0   8.3
No 429 and none reminded twice or never in any run. At load 0.4-5 the fan-out reaches 0.94-0.98
of the limit with 1 or 2 bots (steady state 28-30 sends/s); 4 bots vary most: 0.969 alone at
load 1.4 (13:23, with timestamps: slot held 7.9 ms to the answer, arrival to the 30th after it
1,033 ms at the median), 0.79 in the run above at load 2.5, 0.88-0.92 at load 7; at load 6-8
the bots and PostgreSQL are short of CPU (4 bots at load 8.3: 0.76, one still starting).
Sign-ups: PostgreSQL was also busy with other helpers' suites creating databases (with 100
members and 2 processes the code before gave 17-38/s at 12:47, this code 129/s at 12:05). One live's row lock
costs one process 40-50 % of its rate (182 against 308/s quiet, 43-61 against 72-125/s busy);
more processes do not help on two cores even over 20 lives (quiet: 308 / 197 / 94 per s with
1 / 2 / 4; one live 182 / 93 / 117): the work is CPU, and each process brings its own
interpreter to the same two cores.

Run: python bench/processes.py [--members 2000] [--fanout 2000] [--quick] [--only fanout]
         [--processes 1,2,4] [--no-sqlite] [--trace FOLDER]
     (then python bench/trace_sends/report.py FOLDER for where each send's time went)
     (PostgreSQL from SOLIDAIRE_TEST_POSTGRES_URL, e.g. as .ci/run exports it)
     --quick: 100 sign-ups and 60 reminders, with 1 process on SQLite and 2 on PostgreSQL only
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import Clock
from bot.core.context import CoreConfig
from bot.core.dispatcher import Core
from bot.core.messages import Request
from bot.core.usecases import load_all
from bot.domain.model import Role, SpaceRef, UserRef
from bot.storage.database import open_store
from tests.processes import (
    Bot,
    member_ids,
    reminder_calls,
    reminders_received,
    seed,
    telegram_world,
)

SPACE = SpaceRef("shell", "discord")
SEATS = 500  # in all, over one live or `MANY` of them
MANY = 20  # lives in the second sign-up case
BATCH, EVERY = 100, 0.05
TELEGRAM_RATE = 30.0  # sends a second, overall (tests/fakes/telegram_api.py enforces it)


def request(who: str, line: str, facts: frozenset[Role] = frozenset()) -> Request:
    return Request(UserRef("shell", who), "", {}, SPACE, facts, who, None, who, line)


async def prepare(url: str, lives: int) -> None:
    """`lives` lives (ids 1..lives) sharing the `SEATS` seats evenly."""
    load_all()
    store = await open_store(url)
    try:
        core = Core(store, Clock(), CoreConfig(flood_limits=False), outbox=None)
        organizer = frozenset({Role.ORGANIZER})
        await core.handle_text(request("olga", "/setup", organizer))
        for n in range(lives):
            line = f'/schedule title="Bench {n}" when="demain 18h" capacity={SEATS // lives}'
            reply = await core.handle_text(request("olga", line, organizer))
            assert reply.ok, reply.messages[0].text.key
    finally:
        await store.close()


async def worker(url: str, first: int, count: int, start_at: float, lives: int) -> None:
    """One process: its share of the crowd, from `start_at` (wall clock, shared); member `i`
    joins live `i % lives + 1`."""
    load_all()
    store = await open_store(url)
    try:
        core = Core(store, Clock(), CoreConfig(flood_limits=False), outbox=None)
        await core.handle_text(request("warm-up", "/lives"))  # connections and caches
        await asyncio.sleep(max(0.0, start_at - time.time()))
        seated = 0

        async def join(i: int) -> None:
            nonlocal seated
            reply = await core.handle_text(request(f"m{i}", f"/join {i % lives + 1}"))
            assert reply.ok, reply.messages[0].text.key
            seated += reply.messages[0].text.key == "signup.confirmed"

        tasks = []
        for offset in range(0, count, BATCH):
            ids = range(first + offset, first + min(offset + BATCH, count))
            tasks += [asyncio.create_task(join(i)) for i in ids]
            await asyncio.sleep(EVERY)
        await asyncio.gather(*tasks)
        print(json.dumps({"end": time.time(), "seated": seated}))
    finally:
        await store.close()


def run_processes(url: str, members: int, processes: int, lives: int) -> tuple[float, int]:
    start_at = time.time() + 3.0  # every process connected and warm by then
    share = members // processes
    children = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--worker",
                url,
                str(p * share),
                str(share),
                str(start_at),
                str(lives),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for p in range(processes)
    ]
    outs = [
        json.loads(child.communicate(timeout=600)[0].strip().splitlines()[-1]) for child in children
    ]
    assert all(child.returncode == 0 for child in children)
    end = max(out["end"] for out in outs)
    return share * processes / (end - start_at), sum(out["seated"] for out in outs)


async def admin(url: str, statement: str) -> None:
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@dataclass
class FanOut:
    rate: float  # of the platform's limit
    seconds: float
    too_many: int
    twice: int
    never: int
    late: bool  # some bot was still starting when the reminders fell due


def lead(processes: int, members: int) -> float:
    """Seconds from the seeding's start to the reminders being due: the seeding done (one unit
    of work, ~1 s per 100 members on PostgreSQL under load) and every bot started by then (each
    imports its libraries, connects and asks Telegram who it is: 3-16 s for 4 bots on the 2
    shared cores). Due as they started, the fan-out measured their start: at load 7 with 4 bots
    the first 22 s went at 13 sends/s, the rest at 28-30."""
    return 6.0 + 3.0 * processes + members / 100


def traced(trace: str, label: str) -> None:
    """The bots started from now load bench/trace_sends/sitecustomize.py (`bot_env` passes
    this process's environment on) and write their phases under `trace/label`."""
    folder = Path(trace) / label.replace(" ", "_").replace(",", "")
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["SOLIDAIRE_TRACE"] = str(folder)
    here = str(Path(__file__).resolve().parent / "trace_sends")
    os.environ["PYTHONPATH"] = os.pathsep.join([here, os.environ.get("PYTHONPATH", "")])


async def fan_out(url: str, members: int, processes: int) -> FanOut:
    """`members` reminders due now, sent by `processes` whole bots (see the docstring)."""
    fake = telegram_world(members)
    await fake.start()
    bots: list[Bot] = []
    try:
        due = await seed(url, members, lead=lead(processes, members), pressed_live=False)
        with tempfile.TemporaryDirectory() as folder:
            bots = [Bot.launch(f"bench-{p}", url, fake, Path(folder)) for p in range(processes)]
            deadline = time.monotonic() + 60 + members / TELEGRAM_RATE * 3
            while not all(bot.started for bot in bots):
                if time.monotonic() > deadline or not all(b.alive for b in bots):
                    raise SystemExit("a bot did not start:\n" + bots[0].output())
                await asyncio.sleep(0.1)
            late = datetime.now(UTC) > due
            while len(reminder_calls(fake)) - fake.too_many < members:
                if time.monotonic() > deadline or not all(b.alive for b in bots):
                    raise SystemExit("the bots did not send every reminder:\n" + bots[0].output())
                await asyncio.sleep(0.1)
            await asyncio.sleep(0.5)  # a double would come now, if any
            for bot in bots:
                await bot.terminate()
    finally:
        for bot in bots:
            bot.reap()
        await fake.stop()
    received = reminders_received(fake, members)
    times = reminder_calls(fake)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    accepted = sum(received.values())
    rate = (accepted - 1) / span / TELEGRAM_RATE if span else 0.0
    return FanOut(
        rate,
        span,
        fake.too_many,
        sum(1 for n in received.values() if n > 1),
        sum(1 for m in member_ids(members) if not received[m]),
        late,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=2000, help="sign-ups at once")
    parser.add_argument("--fanout", type=int, default=2000, help="reminders due at once")
    parser.add_argument("--quick", action="store_true", help="a smoke run (see the docstring)")
    parser.add_argument(
        "--only", choices=("signups", "fanout"), help="one of the two measures (default: both)"
    )
    parser.add_argument(
        "--processes", default="1,2,4", help="bot processes on PostgreSQL, e.g. 4 or 1,2,4"
    )
    parser.add_argument(
        "--sqlite", action=argparse.BooleanOptionalAction, default=True, help="the SQLite row"
    )
    parser.add_argument(
        "--trace",
        metavar="FOLDER",
        help="fan-out only: each bot's phases per send and thread CPU (bench/trace_sends)",
    )
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        url, first, count, start_at, lives = args.worker
        asyncio.run(worker(url, int(first), int(count), float(start_at), int(lives)))
        return
    if args.quick:
        args.members, args.fanout = 100, 60
    configs: list[tuple[str, str, int]] = []
    if args.sqlite:
        configs.append(("sqlite", "SQLite (threaded), 1 process", 1))
    server = os.environ.get("SOLIDAIRE_TEST_POSTGRES_URL")
    counts = [int(n) for n in args.processes.split(",")]
    if not server:
        print("PostgreSQL skipped: SOLIDAIRE_TEST_POSTGRES_URL is not set")
    else:
        for processes in (2,) if args.quick else counts:
            label = f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
            configs.append(("postgresql", label, processes))
    rows = []
    for kind, label, processes in configs:
        signups: dict[int, tuple[float, int] | None] = {}
        fan = None
        for lives in (1, MANY) if args.only != "fanout" else ():
            with database(kind, server) as url:
                asyncio.run(prepare(url, lives))
                try:
                    signups[lives] = run_processes(url, args.members, processes, lives)
                except (AssertionError, IndexError, ValueError) as failed:
                    # A worker failed (it printed why): the rest still runs.
                    print(f"{label}: the sign-ups failed ({type(failed).__name__})")
                    signups[lives] = None
        if args.only != "signups":
            if args.trace:
                traced(args.trace, label)
            with database(kind, server) as url:
                fan = asyncio.run(fan_out(url, args.fanout, processes))
        rows.append((label, signups, fan, os.getloadavg()[0]))
    print(
        f"{args.members} members joining, all at once, one live of {SEATS} seats, then {MANY} "
        f"lives of {SEATS // MANY} (an even share each); {args.fanout} reminders due at once, "
        "each to its own private Telegram chat"
    )
    print(
        f"  {'':30} {'sign-ups/s':>10} {'(' + str(MANY) + ' lives)':>10} {'seats':>6}  "
        f"{'fan-out rate':>12} {'(s)':>6} {'429s':>5} {'twice':>6} {'never':>6} {'load':>5}"
    )
    for label, signups, fan, load in rows:
        one, many = signups.get(1), signups.get(MANY)
        left = " ".join(
            f"{done[0]:10.0f}" if done else f"{'(failed)' if signups else '-':>10}"
            for done in (one, many)
        )
        seats = "/".join(str(done[1]) if done else "-" for done in (one, many))
        right = (
            f"{fan.rate:11.3f}{'*' if fan.late else ' '} {fan.seconds:6.1f} {fan.too_many:5d} "
            f"{fan.twice:6d} {fan.never:6d}"
            if fan
            else f"{'(not run)':>12}"
        )
        print(f"  {label:30} {left} {seats:>6}  {right} {load:5.1f}")
    print("  (fan-out rate: of Telegram's 30/s, aim >= 0.95; 429s and twice: aim 0; never: 0;")
    print("   *: some bot was still starting when the reminders fell due;")
    print("   seats: given in the one live / in all the lives, 500 each; load: 1-minute average)")
    print(f"rerun: python {' '.join(sys.argv)}")


@contextlib.contextmanager
def database(kind: str, server: str | None) -> Iterator[str]:
    """A fresh database: a SQLite file, or a new database on the PostgreSQL server."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        return
    from sqlalchemy.engine import make_url

    assert server is not None
    name = f"solidaire_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(admin(server, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(drop(server, name))


async def drop(server: str, name: str) -> None:
    """Drops the bench's database; an autovacuum worker busy in it (after thousands of inserts)
    cannot be ended by this role, so a drop it blocks is tried again once it is done."""
    import asyncpg

    for _ in range(40):
        try:
            await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (asyncpg.InsufficientPrivilegeError, asyncpg.ObjectInUseError):
            await asyncio.sleep(0.5)
    print(f"could not drop the database {name}: drop it by hand")


if __name__ == "__main__":
    main()
