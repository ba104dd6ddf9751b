"""Whole `solidaire` processes on one database against the fake Telegram (and, when asked, the
fake Discord): what the multi-process crash test (tests/integration/test_processes_fan_out.py)
and bench/processes.py share.

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
by the core's planning (`plan_member`), as `/join` does, in one unit of work. With Discord
members, Olga links the Discord server to the same community (`/link` with Alice's code) and
they are signed up the same way: their reminders go by private message on Discord. The reminders are
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
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[1]
ANNOUNCE = -1001
ALICE = 1
FIRST_MEMBER = 10_000  # member i is Telegram user FIRST_MEMBER + i, in a private chat of that id
FANNED_OUT = "Rappels en nombre"  # the live whose reminders fan out
PRESSED = "Atelier ouvert"  # the live whose Join button members press meanwhile
REMINDER = "1h"  # the community's one reminder, before each live
# Discord: snowflake-sized ids (mention escaping only recognises ids of 17 to 20 digits).
GUILD = 820_000_000_000_000_001
OLGA = 820_000_000_000_000_002  # the server's owner, organizer of the community there
FIRST_DISCORD_MEMBER = 820_000_000_000_010_000


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def member_ids(count: int) -> range:
    return range(FIRST_MEMBER, FIRST_MEMBER + count)


def discord_member_ids(count: int) -> range:
    return range(FIRST_DISCORD_MEMBER, FIRST_DISCORD_MEMBER + count)


def discord_world(members: int) -> FakeDiscord:
    """The fake Discord, strict about limits: Olga's server, every member in it and open to
    private messages. Not started yet."""
    fake = FakeDiscord(enforce_limits=True)
    fake.add_guild(GUILD, "Makers", owner_id=OLGA, locale="fr")
    for user in discord_member_ids(members):
        fake.add_member(GUILD, user, f"Membre {user}", accepts_dms=True)
    return fake


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


async def seed(
    url: str, members: int, *, lead: float, pressed_live: bool = True, discord_members: int = 0
) -> datetime:
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
        if discord_members:
            code = await core.handle_text(
                Request(alice, "", {}, group, organizer, "Alice", "fr", "alice", "/link")
            )
            linked = await core.handle_text(
                Request(
                    UserRef("discord", str(OLGA)), "", {}, SpaceRef("discord", str(GUILD)),
                    organizer, "Olga", "fr", "olga", f"/link {code.messages[0].text.params['code']}",
                )
            )  # fmt: skip
            assert linked.ok, _said(linked)

        now = clock.now()
        due = now + timedelta(seconds=lead)
        joining = [UserRef("telegram", str(user)) for user in member_ids(members)]
        joining += [UserRef("discord", str(user)) for user in discord_member_ids(discord_members)]
        await store.run(lambda uow: _members_join(uow, core.config, now, due, joining))
        return due
    finally:
        await store.close()


async def _members_join(
    uow: Any, config: CoreConfig, now: datetime, due: datetime, members: list[UserRef]
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
    for user in members:
        member = await uow.members.upsert(user, f"Membre {user.id}", None, "fr", now, dm=True)
        await uow.communities.add_membership(community.id, member.id, now)
        assert await uow.signups.join(live.id, member.id, None, now) is SignupStatus.CONFIRMED
        assert await plan_member(uow, config, community, live, member, now) == 1


class Bot(BotProcess):
    """One `python -m bot` on the shared database (`BotProcess`: its log, kill, terminate)."""

    discord: bool = False  # runs a range of the Discord bot's shards too

    @classmethod
    def launch(
        cls,
        name: str,
        url: str,
        fake: FakeTelegram,
        folder: Path,
        *,
        lease: int = 30,
        discord: FakeDiscord | None = None,
        shards: tuple[int, int] = (0, 1),
    ) -> Bot:
        """`discord`: the process also runs Discord, shard `shards[0]` of `shards[1]` (each
        process its own: every process sends through the ledger, whichever shard a server is
        on)."""
        env = bot_env(
            SOLIDAIRE_DATABASE_URL=url,
            SOLIDAIRE_PROCESS_NAME=name,
            SOLIDAIRE_LEASE_SECONDS=str(lease),
            TELEGRAM_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            SOLIDAIRE_WEB_LISTEN="off",
        )
        if discord is not None:
            env.update(
                DISCORD_TOKEN=discord.token,
                DISCORD_API_BASE_URL=discord.api_base,
                DISCORD_GATEWAY_URL=discord.gateway_url,
                DISCORD_SHARD_IDS=str(shards[0]),
                DISCORD_SHARD_COUNT=str(shards[1]),
            )
        bot = cls(name, spawn(name, folder, env), folder / f"{name}.log")
        bot.discord = discord is not None
        return bot

    def says(self, text: str) -> bool:
        return text in self.output()

    @property
    def started(self) -> bool:
        telegram = self.says("Telegram adapter started")
        return telegram and (not self.discord or self.says("Discord adapter started"))

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


def discord_reminders_received(fake: FakeDiscord, members: int) -> Counter[int]:
    """Reminders of the fanned-out live each Discord member's private messages hold."""
    return Counter(
        {
            user: sum(FANNED_OUT in m.get("content", "") for m in fake.dms.get(user, []))
            for user in discord_member_ids(members)
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
