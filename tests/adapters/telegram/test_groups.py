"""Groups over time: the bot's own rights checked at /configurer, a group that becomes a
supergroup keeps its community, and a group that removes the bot gets nothing more."""

from __future__ import annotations

from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, World

SUPERGROUP = -100777


async def test_setup_says_when_the_bot_is_not_an_admin(world: World) -> None:
    alice = world.people["Alice"]
    await alice.says("/start")
    world.fake.set_status(ANNOUNCE, world.fake.bot_id, "member")
    said = await alice.says("/configurer", where=ANNOUNCE)
    assert "donne-moi les droits d’administration" in said[-1]["text"]
    world.fake.set_status(ANNOUNCE, world.fake.bot_id, "administrator")
    said = await alice.says("/configurer", where=ANNOUNCE)
    assert not any("administrateur" in m["text"] for m in said)


async def test_a_group_that_becomes_a_supergroup_keeps_its_community(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    world.fake.push_migration(ANNOUNCE, SUPERGROUP)
    await world.settle()
    await alice.says('/planifier title="Atelier vélo" when="2027-01-12 18:30"')
    await world.fake.wait_for(
        lambda: any("Atelier vélo" in m["text"] for m in world.fake.chat_log(SUPERGROUP))
    )
    said = await alice.says("/programme", where=SUPERGROUP)
    assert "Atelier vélo" in said[-1]["text"]


async def test_a_group_that_removes_the_bot_gets_nothing_more(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    await alice.says('/planifier title="Atelier vélo" when="2027-01-12 18:30"')
    world.fake.push_member_change(ANNOUNCE, world.fake.bot_id, "administrator", "kicked")
    await world.settle()
    before = len(world.fake.chat_log(ANNOUNCE))
    said = await alice.says("/endirect 1")  # "live now" goes to every announce space: none left
    assert "#1" in said[-1]["text"]
    await world.settle()
    assert len(world.fake.chat_log(ANNOUNCE)) == before
    # The group's admins are no longer organizers of a community it has left.
    said = await alice.says('/planifier title="Encore" when="2027-01-13 18:30"')
    assert "n’as pas le droit" in said[-1]["text"]
