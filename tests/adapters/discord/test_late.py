"""A press Discord no longer takes: it reached the bot more than 3 s after it was made (a stall
of the bot's event loop kept it in the gateway's socket). Discord refuses any answer (10062) and
shows "This interaction failed", yet the sign-up is made: the member is told privately, through
the ledger, in their language, once (`bot/adapters/discord/late.py`)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from bot.core.ports import UnitOfWork
from bot.domain.model import Member, SignUp, SignupStatus, UserRef
from tests.adapters.discord.steps import scheduled, set_up
from tests.adapters.discord.world import ANNOUNCE, CHLOE, GUILD, World, button

LATE = 3.5  # seconds between the press and its arrival: past Discord's 3
GONE = 10.0  # so late that the bot does not even try: Discord would refuse it
NADIA, ODILE, PAUL = 720, 721, 722  # French members: DMs open, DMs closed, DMs open


async def until(world: World, done: Callable[[], bool], within: float = 8.0) -> None:
    """Sends what the ledger owes until `done` (the press's unit and the DM are on their way)."""
    end = time.monotonic() + within
    while not done():
        assert time.monotonic() < end, "not done in time"
        await world.settle()
        await asyncio.sleep(0.05)


def dms(world: World, user: int) -> list[str]:
    return [m["content"] for m in world.fake.dms.get(user, [])]


async def member(world: World, user: int) -> tuple[Member | None, SignUp | None]:
    """The member as the bot knows them, and their sign-up to the live (#1)."""

    async def work(uow: UnitOfWork) -> tuple[Member | None, SignUp | None]:
        found = await uow.members.by_ref(UserRef("discord", str(user)))
        return found, await uow.signups.get(1, found.id) if found is not None else None

    return await world.app.store.run(work)


async def signed_up(world: World, user: int) -> bool:
    _, signup = await member(world, user)
    return signup is not None and signup.status is SignupStatus.CONFIRMED


async def test_a_press_that_reached_us_too_late_is_answered_by_dm_in_the_members_language(
    world: World,
) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    fake = world.fake
    fake.add_member(GUILD, NADIA, "Nadia", accepts_dms=True)
    join, message = button(announcement, "Participer"), int(announcement["id"])
    made = time.monotonic() - LATE  # Discord made these presses 3.5 s ago
    late = [
        fake.press(user, ANNOUNCE, message, join, guild_id=GUILD, at=made)
        for user in (NADIA, CHLOE)
    ]
    await until(world, lambda: bool(dms(world, NADIA)) and bool(dms(world, CHLOE)))
    assert sorted(fake.late_acks) == sorted(late)  # Discord took no answer to either
    assert all(fake.interactions[iid].response is None for iid in late)
    (nadia,) = dms(world, NADIA)
    assert "Échec de l’interaction" in nadia and "tu participes au live #1" in nadia, nadia
    (chloe,) = dms(world, CHLOE)
    assert "This interaction failed" in chloe and "You’re in! Live #1" in chloe, chloe
    assert await signed_up(world, NADIA) and await signed_up(world, CHLOE)
    await world.settle()
    assert len(dms(world, NADIA)) == 1  # owed once, sent once


async def test_a_press_answered_in_time_sends_no_dm_and_closed_dms_post_nothing(
    world: World,
) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    fake = world.fake
    fake.add_member(GUILD, ODILE, "Odile")  # refuses DMs from the server's members
    fake.add_member(GUILD, PAUL, "Paul", accepts_dms=True)
    join, message = button(announcement, "Participer"), int(announcement["id"])
    posted = len(world.channel(ANNOUNCE))
    late = fake.press(ODILE, ANNOUNCE, message, join, guild_id=GUILD, at=time.monotonic() - LATE)
    on_time = fake.press(PAUL, ANNOUNCE, message, join, guild_id=GUILD)
    response = await fake.wait_response(on_time, timeout=5)
    assert response.kind == 4 and "tu participes" in str(response.data.get("content"))
    await until(world, lambda: late in fake.late_acks)
    end = time.monotonic() + 8
    while not (await member(world, ODILE))[0].dm_unreachable:  # type: ignore[union-attr]
        assert time.monotonic() < end, "the lost answer's DM was never tried"
        await world.settle()  # the DM is tried, refused (50007), and they are remembered so
        await asyncio.sleep(0.05)
    assert await signed_up(world, ODILE)
    assert dms(world, PAUL) == [] and dms(world, ODILE) == []
    assert len(world.channel(ANNOUNCE)) == posted  # nobody is pinged in the channel instead
