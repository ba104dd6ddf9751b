"""While a member types a live, Discord offers the lives that fit the command: the coming ones
to join or ask about, the ones on air or just ended to run or close, drafts to their hosts."""

from __future__ import annotations

from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import BOB, HUGO, MIA, World


async def test_the_lives_offered_fit_the_command(world: World) -> None:
    await set_up(world)
    await scheduled(world, "Atelier vélo")
    await scheduled(world, "Cuisine du monde", when="2027-01-13 18:30")
    bob, hugo, mia = world.person(BOB), world.person(HUGO), world.person(MIA)
    assert await bob.picks("join", "") == [
        ("#1 · mar. 12 janv. 18:30 · Atelier vélo", 1),
        ("#2 · mer. 13 janv. 18:30 · Cuisine du monde", 2),
    ]
    assert [v for _, v in await bob.picks("join", "cuis")] == [2]
    assert [v for _, v in await bob.picks("ask", "#1")] == [1]
    # Nothing on air yet; once live, the live is offered to run and leaves nothing else.
    assert await hugo.picks("next", "") == []
    answered(await hugo.types("golive", live=2))
    assert await mia.picks("queue", "") == [
        ("#2 (🔴 En direct) · mer. 13 janv. 18:30 · Cuisine du monde", 2)
    ]
    answered(await hugo.types("end", live=2))
    assert [v for _, v in await mia.picks("modlog", "")] == [2]  # ended within the week
    assert [v for _, v in await bob.picks("join", "")] == [1]


async def test_a_draft_is_offered_to_its_host_only(world: World) -> None:
    await set_up(world)
    bob, mia = world.person(BOB), world.person(MIA)
    await bob.types("propose", title="Réparer une crevaison")
    await world.settle()
    said = await mia.types("proposals", parts=2)
    await mia.presses("Accepter", world.messages_of(said)[-1])
    assert [v for _, v in await bob.picks("publish", "")] == [1]
    assert await mia.picks("publish", "") == []
    assert await bob.picks("join", "") == []  # not announced: nobody can join it yet
