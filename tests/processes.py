"""Whole `solidaire` processes on one database against the fake Telegram: what the multi-process
crash test (tests/integration/test_processes_fan_out.py) and bench/processes.py share.

Each bot is `python -m bot`, as a user starts it, configured by the environment only (the
database URL, the token and the fake's base URL, its process name, its lease). The fake runs on
the caller's event loop, with Telegram's published limits enforced (`enforce_limits`): a send
past them is a 429, counted in `fake.too_many`.

The database is seeded before the bots start, through the core's own use cases as the adapters
call them (`Core.handle_text`): Alice sets the Telegram group up with a one-hour reminder and
schedules a second live (announced in the group: its Join button is what members press). The
live to fan out starts an hour and `lead` seconds after the seeding starts (created through the
storage API: the `when` grammar reads minutes; an hour, not a minute, as a reminder still unsent
when its live starts is dropped), and every member is signed up to it with their reminder owed
by the core's planning (`plan_member`), as `/join` does, in one unit of work. The reminders are
due `lead` seconds after the seeding's start, already due when the bots start on a slow machine:
each bot reads the ledger's next due row at start and wakes for it, no other process's help
needed.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.context import CoreConfig
from bot.core.delivery.planning import plan_member
from bot.core.dispatcher import Core
from bot.core.messages import Request
from bot.core.usecases import load_all
from bot.domain.model import LiveStatus, Role, SignupStatus, SpaceRef, UserRef
from bot.domain.when import parse_length
from bot.storage.database import open_store
from tests.adapters.telegram.crash_support import BotProcess, bot_env, spawn
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
ANNOUNCE = -1001
ALICE = 1
FIRST_MEMBER = 10_000  # member i is Telegram user FIRST_MEMBER + i, in a private chat of that id
FANNED_OUT = "Rappels en nombre"  # the live whose reminders fan out
PRESSED = "Atelier ouvert"  # the live whose Join button members press meanwhile
REMINDER = "1h"  # the community's one reminder, before each live


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def member_ids(count: int) -> range:
    return range(FIRST_MEMBER, FIRST_MEMBER + count)


def telegram_world(members: int) -> FakeTelegram:
    """The fake, strict about limits: Alice admin of the group, every member in it and having
    started the bot (so that it may write to them privately). Not started yet."""
    fake = FakeTelegram(enforce_limits=True)
    fake.add_user(ALICE, "Alice", username="alice")
    fake.user_starts_bot(ALICE)
    for user in member_ids(members):
        fake.add_user(user, f"Membre {user}")
        fake.user_starts_bot(user)
    fake.add_group(ANNOUNCE, "Makers", admins=[ALICE], members=member_ids(members))
    return fake


def _said(reply: Any) -> str:
    return ", ".join(m.text.key for m in reply.messages)


async def seed(url: str, members: int, *, lead: float, pressed_live: bool = True) -> datetime:
    """Seeds the database (see the module's docstring); returns when the reminders are due."""
    load_all()
    store = await open_store(url)
    try:
        clock = SystemClock()
        core = Core(store, clock, CoreConfig(flood_limits=False), outbox=None)
        group = SpaceRef("telegram", str(ANNOUNCE))
        alice = UserRef("telegram", str(ALICE))
        organizer = frozenset({Role.ORGANIZER})

        async def as_alice(line: str) -> None:
            reply = await core.handle_text(
                Request(alice, "", {}, group, organizer, "Alice", "fr", "alice", line)
            )
            assert reply.ok, f"{line}: {_said(reply)}"

        await as_alice(f"/setup reminders={REMINDER}")
        if pressed_live:
            await as_alice(f'/schedule title="{PRESSED}" when="demain 18h" capacity=1000')

        now = clock.now()
        due = now + timedelta(seconds=lead)
        await store.run(lambda uow: _members_join(uow, core.config, now, due, members))
        return due
    finally:
        await store.close()


async def _members_join(
    uow: Any, config: CoreConfig, now: datetime, due: datetime, members: int
) -> None:
    """The live to fan out, created by Alice, and every member signed up to it
    with their reminder owed: what `/join` does (`lives/signups.py`), in one unit of work
    (300 joins one after the other, each locking the live, would take longer than the test),
    all as of `now`: on a loaded machine the reminders may be due before the unit ends."""
    space = await uow.communities.space("telegram", str(ANNOUNCE))
    community = await uow.communities.get(space.community_id)
    alice = await uow.members.by_ref(UserRef("telegram", str(ALICE)))
    live = await uow.lives.create(
        community.id, FANNED_OUT, "", due + parse_length(REMINDER), 60, None, None, [],
        LiveStatus.SCHEDULED, alice.id, None, now,
    )  # fmt: skip
    for user in member_ids(members):
        member = await uow.members.upsert(
            UserRef("telegram", str(user)), f"Membre {user}", None, "fr", now, dm=True
        )
        await uow.communities.add_membership(community.id, member.id, now)
        assert await uow.signups.join(live.id, member.id, None, now) is SignupStatus.CONFIRMED
        assert await plan_member(uow, config, community, live, member, now) == 1


class Bot(BotProcess):
    """One `python -m bot` on the shared database (`BotProcess`: its log, kill, terminate)."""

    @classmethod
    def launch(
        cls, name: str, url: str, fake: FakeTelegram, folder: Path, *, lease: int = 30
    ) -> Bot:
        env = bot_env(
            SOLIDAIRE_DATABASE_URL=url,
            SOLIDAIRE_PROCESS_NAME=name,
            SOLIDAIRE_LEASE_SECONDS=str(lease),
            TELEGRAM_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            SOLIDAIRE_WEB_LISTEN="off",
        )
        return cls(name, spawn(name, folder, env), folder / f"{name}.log")

    def says(self, text: str) -> bool:
        return text in self.output()

    @property
    def started(self) -> bool:
        return self.says("Telegram adapter started")

    @property
    def polls(self) -> bool:
        """Whether this one reads the bot's updates: the first to start takes the poller's lock;
        another says it waits, and says so again when it takes over."""
        waits = self.says("another process polls Telegram for this bot")
        return self.started and (not waits or self.says("polling here now"))


def reminders_received(fake: FakeTelegram, members: int) -> Counter[int]:
    """Reminders of the fanned-out live each member's private chat holds (accepted sends)."""
    return Counter(
        {
            user: sum(FANNED_OUT in m["text"] for m in fake.chat_log(user))
            for user in member_ids(members)
        }
    )


def reminder_calls(fake: FakeTelegram, first: int = FIRST_MEMBER) -> list[float]:
    """When the fake received each sendMessage to a member's private chat (refused ones too)."""
    return [
        call.at
        for call in fake.calls
        if call.method == "sendMessage" and int(call.params.get("chat_id", 0)) >= first
    ]


def announcement(fake: FakeTelegram, title: str = PRESSED) -> dict[str, Any] | None:
    for message in fake.chat_log(ANNOUNCE):
        if title in message["text"] and message["reply_markup"]:
            return message
    return None
