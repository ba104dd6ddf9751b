"""Each kind of bad input gets its own short message, privately, and changes nothing."""

from __future__ import annotations

import pytest

from tests.adapters.discord.steps import scheduled, set_up
from tests.adapters.discord.world import ANNOUNCE, BOB, CHLOE, GUILD, HUGO, NINA, Answer, World


def refused(said: Answer, part: str) -> None:
    assert said.ephemeral, f"a refusal shown to everyone: {said.text}"
    assert part in said.text, (part, said.text)


async def test_the_live_the_date_the_link_and_the_title_are_checked(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    hugo, bob = world.person(HUGO), world.person(BOB)
    refused(await bob.types("join", live=999), "Je ne trouve pas le live « 999 »")
    refused(await hugo.types("schedule", title="Soudure", when="2020-01-01 10:00"), "passée")
    refused(
        await hugo.types("schedule", title="Soudure", when="31 février 18h"), "« 31 février 18h »"
    )
    refused(await hugo.types("edit", live=1, link="ftp//nope"), "« ftp//nope » n’est pas un lien")
    refused(await hugo.types("edit", live=1, title="x" * 101), "entre 3 et 100 caractères")
    # Nothing was changed by the refusals: one live, as it was, announced once.
    assert "Atelier vélo" in (await bob.types("live", live=1)).text
    await world.settle()
    assert ["Atelier vélo" in m["content"] for m in world.channel(ANNOUNCE)] == [True]


async def test_a_member_may_not_schedule_and_an_organizer_command_is_hidden(world: World) -> None:
    await set_up(world)
    bob = world.person(BOB)
    said = await bob.types("schedule", title="Soudure", when="2027-01-20 19:00")
    refused(said, f"Tu n’as pas le droit d’utiliser {world.mention('schedule')} ici")
    # Discord itself hides the organizers' commands from members (Manage Server by default).
    with pytest.raises(AssertionError, match="cannot see /setup"):
        world.fake.slash(BOB, "setup", {}, guild_id=GUILD, channel_id=ANNOUNCE)


async def test_a_muted_member_cannot_ask_and_questions_have_a_pace(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    nina, bob, chloe = world.person(NINA), world.person(BOB), world.person(CHLOE)
    # Bob never used the bot: picked in the member option, he is known from then on.
    await nina.types("mute", member=BOB, length="2h")
    refused(await bob.types("ask", live=1, question="Pourquoi ?"), "suspendu tes questions")
    for n in range(3):
        await chloe.types("ask", live=1, question=f"Question number {n + 1}?")
    refused(await chloe.types("ask", live=1, question="One more?"), "questions in 5 minutes")


async def test_too_many_commands_at_once(world: World) -> None:
    await set_up(world)
    bob = world.person(BOB)
    for _ in range(10):
        await bob.types("lives")
    refused(await bob.types("lives"), "Trop de commandes en 10 secondes")
