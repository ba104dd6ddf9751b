"""Presses that reach the bot late: Discord counts its 3 seconds from when it made the
interaction, not from when the bot read it. A stall of the bot's event loop (a long garbage
collection, the core taken by another process) leaves the presses made meanwhile waiting in
the gateway socket; they arrive together, each with less than 3 s left (issue 12: after a 1.4 s
stall, 559 of 1,000 presses of a burst went unanswered)."""

from __future__ import annotations

import time

from tests.adapters.discord.steps import scheduled, set_up
from tests.adapters.discord.test_delivery import Slow
from tests.adapters.discord.world import ANNOUNCE, GUILD, Answer, World, button

PRESSERS = range(700, 706)


async def test_presses_made_during_a_stall_are_answered_within_discords_3_seconds(
    world: World,
) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    fake = world.fake
    for user in PRESSERS:
        fake.add_member(GUILD, user, f"m{user}")
    join = button(announcement, "Participer")
    # The database answers each unit of work after 2 s (it is busy): the core needs as long
    # as the adapter gives it before it defers.
    core = world.app.core
    core.store = Slow(core.store, 2.0)
    pressed = [
        fake.press(user, ANNOUNCE, int(announcement["id"]), join, guild_id=GUILD)
        for user in PRESSERS
    ]
    time.sleep(1.2)  # noqa: ASYNC251 - the stall itself: the loop blocked, the presses unread
    for iid in pressed:
        said = Answer(await fake.wait_response(iid, timeout=8), iid)
        assert "tu participes" in said.text, said.response
    assert fake.late_acks == []  # each acknowledged (deferred) within Discord's 3 s
    core.store = world.app.store
    seats = await world.app.store.run(lambda uow: uow.signups.counts(1))
    assert seats.confirmed == len(PRESSERS)
