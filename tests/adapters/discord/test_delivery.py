"""What the bot posts: user text that pings no one, mentions of exactly the members meant, DMs
refused for good, a ledger row shown once, a 429 waited out, and answers in time even when the
database is slow."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import TypeVar

import discord

from bot.core.messages import Destination, OutMessage, Param, Raw, Text
from bot.core.ports import Store, UnitOfWork
from bot.domain.model import UserRef
from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import (
    ANNOUNCE,
    BOB,
    CHLOE,
    GENERAL,
    HUGO,
    LOUD,
    MIA,
    MODERATION,
    OLGA,
    World,
)

T = TypeVar("T")
SHOUT = f"@everyone @here <@&{LOUD}> <@{OLGA}>"


async def test_user_text_pings_no_one(world: World) -> None:
    # The server is set so that this text would ping: the bot may mention everyone, the role
    # is mentionable.
    client = world.service.client
    loud = await client.get_partial_messageable(GENERAL).send(
        SHOUT, allowed_mentions=discord.AllowedMentions.all()
    )
    assert world.fake.pings(world.fake.world.store[loud.id]) == {
        "everyone", "here", f"role:{LOUD}", f"user:{OLGA}",
    }  # fmt: skip

    await set_up(world)
    announcement = await scheduled(world, f"Venez {SHOUT}")
    assert world.fake.pings(announcement) == set()
    bob, mia, hugo = world.person(BOB), world.person(MIA), world.person(HUGO)
    answered(await bob.types("ask", live=1, question=f"Une question {SHOUT} ?"))
    await world.settle()
    card = world.channel(MODERATION)[-1]
    assert "Une question" in card["content"] and world.fake.pings(card) == set()
    await mia.presses("Approuver", card)
    await hugo.types("golive", live=1)
    await hugo.types("next", live=1)
    await world.settle()
    on_air = world.fake.messages(int(announcement["id"]))[-1]  # in the live's thread
    assert "Question à l’antenne" in on_air["content"]
    assert "Une question" in on_air["content"] and world.fake.pings(on_air) == set()
    posted = world.channel(ANNOUNCE)
    # The one ping in the channel is meant: Bob (no DMs) told that his question is published.
    pinged = [world.fake.pings(m) for m in posted]
    assert all(p <= {f"user:{BOB}"} for p in pinged) and {f"user:{BOB}"} in pinged


async def test_a_reminder_pings_exactly_the_members_it_names(world: World) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    thread = Destination("discord", str(ANNOUNCE), False, thread_id=announcement["id"])
    many = tuple(UserRef("discord", str(900_000_000_000_000_000 + n)) for n in range(93))
    names = (UserRef("discord", str(BOB)), UserRef("discord", str(CHLOE)), *many)
    params: dict[str, Param] = {"id": 1, "title": f"Atelier {SHOUT}", "when": Raw("demain")}
    reminder = OutMessage(Text("fr", "reminder.mention", params), mentions=names)
    result = await world.service.outbound.send(thread, reminder, key="reminder:live=1")
    assert result.delivered
    # In the live's thread, in two messages (95 mentions do not fit in 2,000 characters).
    sent = world.channel(int(announcement["id"]))
    assert len(sent) == 2 and all(len(m["content"]) <= 2000 for m in sent)
    pinged = set().union(*(world.fake.pings(m) for m in sent))
    assert pinged == {f"user:{ref.id}" for ref in names}


async def test_a_message_for_a_thread_that_is_gone_goes_to_its_channel(world: World) -> None:
    gone = Destination("discord", str(GENERAL), False, thread_id="810000000000009999")
    note = OutMessage(Text("fr", "discord.done"))
    sent = await world.service.outbound.send(gone, note, key="onair:q=1:space=1")
    assert sent.delivered and world.channel(GENERAL)[-1]["content"] == "C’est fait."


async def test_a_member_refusing_dms_is_a_permanent_refusal(world: World) -> None:
    out = world.service.outbound
    note = OutMessage(Text("fr", "discord.done"))
    refused = await out.send(Destination("discord", str(BOB), True), note, key="dm:bob")
    assert (refused.delivered, refused.permanent) == (False, True)
    assert "50007" in (refused.reason or "")
    sent = await out.send(Destination("discord", str(CHLOE), True), note, key="dm:chloe")
    assert sent.delivered and [m["content"] for m in world.fake.dms[CHLOE]] == ["C’est fait."]


async def test_every_request_of_a_first_dm_takes_its_slot_of_the_global_limit(
    world: World,
) -> None:
    """A first DM is two requests (the DM channel opened, then the post), and discord.py sends
    a request refused with 429 again on its own: each takes its global slot at the wire. Before,
    the limiter counted the send and the opening but not discord.py's retries (260 429s over
    2,000 first DMs in `bench/fanout.py --via discord`)."""
    out, limited = world.service.outbound, world.service.limited
    before, calls = limited.stats(), len(world.fake.calls)
    world.fake.fail_next("POST", r"^/channels/\d+/messages$", status=429, body={}, retry_after=0.05)
    note = OutMessage(Text("fr", "discord.done"))
    sent = await out.send(Destination("discord", str(CHLOE), True), note, key="dm:chloe")
    assert sent.delivered and [m["content"] for m in world.fake.dms[CHLOE]] == ["C’est fait."]
    made = [f"{c.method} {c.path.split('/')[1]}" for c in world.fake.calls[calls:]]
    assert made == ["POST users", "POST channels", "POST channels"]  # opened, 429, again
    after = limited.stats()
    assert (after.requests - before.requests, after.rate_limited - before.rate_limited) == (3, 1)
    # The DM channel is kept: the next DM to Chloé is one request.
    again = await out.send(Destination("discord", str(CHLOE), True), note, key="dm:chloe:2")
    assert again.delivered and limited.stats().requests - after.requests == 1


async def test_a_press_answer_never_takes_a_slot_of_the_global_limit(world: World) -> None:
    """Interaction callbacks are outside Discord's global limit: a press's answer must never
    queue behind a fan-out's requests."""
    await set_up(world)
    await scheduled(world)
    limited = world.service.limited
    before = limited.stats().requests
    said = await world.person(BOB).types("live", live=1)
    assert "Atelier vélo" in said.text
    assert limited.stats().requests == before


async def test_a_ledger_row_sent_twice_is_shown_once(world: World) -> None:
    out, dest = world.service.outbound, Destination("discord", str(GENERAL), False)
    note = OutMessage(Text("fr", "discord.done"))
    first = await out.send(dest, note, key="announce:live=7:space=1")
    again = await out.send(dest, note, key="announce:live=7:space=1")  # a crash, then a retry
    assert first.message_id == again.message_id and len(world.channel(GENERAL)) == 1


async def test_a_429_is_waited_out_and_the_announcement_lands_once(world: World) -> None:
    await set_up(world)
    world.fake.fail_next(
        "POST", rf"^/channels/{ANNOUNCE}/messages$", status=429, body={}, retry_after=0.05
    )
    await scheduled(world)
    posts = [c for c in world.fake.calls if c.path == f"/channels/{ANNOUNCE}/messages"]
    assert len(posts) == 2 and world.fake.too_many == 1
    assert len(world.channel(ANNOUNCE)) == 1


async def test_a_slow_database_still_gets_its_answer_in_time(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    core = world.app.core
    core.store = Slow(core.store, 4.0)
    started = time.monotonic()
    said = await world.person(BOB).types("live", live=1)
    assert time.monotonic() - started >= 4.0
    assert said.response.kind == 5 and said.ephemeral  # deferred within Discord's 3 seconds
    assert world.fake.late_acks == [] and "Atelier vélo" in said.text
    # An answer for everyone, deferred: the "thinking" note stays private and says where the
    # answer went; the answer itself is posted for the channel.
    core.store = Slow(world.app.store, 1.2)  # two reads: past the 2 s the bot waits
    said = await world.person(OLGA).types("unlink", where=GENERAL, parts=2)
    assert said.response.kind == 5 and said.ephemeral and "C’est affiché" in said.texts[0]
    assert "n’est plus relié" in world.channel(GENERAL)[-1]["content"]
    assert world.fake.late_acks == []


class Slow:
    """A store whose every unit of work waits first: a database under load."""

    def __init__(self, inner: Store, delay: float) -> None:
        self.inner, self.delay = inner, delay

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]], *, first: bool = False) -> T:
        await asyncio.sleep(self.delay)
        return await self.inner.run(work, first=first)

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self.inner.unit()
