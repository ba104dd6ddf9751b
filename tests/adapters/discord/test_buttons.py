"""Buttons are persistent: their custom id is the codec's action, so a press works whenever it
comes, even to a process started after the message was posted. The Ask button opens a form."""

from __future__ import annotations

from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import (
    ANNOUNCE,
    BOB,
    CHLOE,
    HUGO,
    MIA,
    MODERATION,
    World,
    labels,
)


async def test_a_live_is_announced_with_its_thread_and_joined_after_a_restart(
    world: World,
) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    assert labels(announcement) == ["Participer", "Poser une question", "Détails"]
    # The live's thread is opened on the announcement, so it takes the announcement's id.
    thread = world.fake.threads[int(announcement["id"])]
    assert (thread["name"], thread["parent_id"]) == ("#1 Atelier vélo", ANNOUNCE)

    await world.restart()
    bob = world.person(BOB)
    answered(await bob.presses("Participer", announcement), "tu participes au live #1")
    answered(await bob.presses("Détails", announcement), "Atelier vélo")
    answered(await bob.types("myschedule"), "Atelier vélo")
    # A few seconds on (edits are spaced), the announcement counts him, buttons kept.
    stored = world.fake.world.store[int(announcement["id"])]
    await world.fake.wait_for(lambda: "inscriptions : 1" in stored["content"], timeout=10)
    assert labels(stored) == ["Participer", "Poser une question", "Détails"]


async def test_a_question_asked_in_the_form_is_approved_and_put_on_air(world: World) -> None:
    await set_up(world)
    announcement = await scheduled(world)
    bob, mia, hugo = world.person(BOB), world.person(MIA), world.person(HUGO)
    form = await bob.opens_form("Poser une question", announcement)
    assert (form["custom_id"], form["title"]) == ("k:1", "Poser une question")
    # A restart between opening the form and sending it loses nothing.
    await world.restart()
    said = await bob.fills(form, {"question": "Faut-il un casque ?", "anonymous": "yes"})
    answered(said, "Q1", "relue")
    await world.settle()
    card = world.channel(MODERATION)[-1]
    assert "Faut-il un casque ?" in card["content"] and "anonyme pour le public" in card["content"]
    answered(await mia.presses("Approuver", card), "Q1")

    answered(await hugo.types("golive", live=1))
    await world.settle()
    live_now = world.channel(ANNOUNCE)[-1]
    answered(await bob.presses("Je suis là", live_now))
    answered(await hugo.types("next", live=1), "Faut-il un casque ?")
    await world.settle()
    # On air in the live's thread, the one opened on its announcement (same id).
    on_air = world.fake.messages(int(announcement["id"]))[-1]["content"]
    assert "Faut-il un casque ?" in on_air and "Bob" not in on_air  # asked anonymously


async def test_pages_turn_and_settings_change_in_place(world: World) -> None:
    await set_up(world)
    for day in range(11, 17):
        await scheduled(world, f"Atelier {day}", when=f"2027-01-{day} 18:30")
    chloe = world.person(CHLOE)
    said = await chloe.types("lives", parts=6)  # a heading, then five lives with their buttons
    assert "Atelier 15" in said.text and "Atelier 16" not in said.text
    turned = await chloe.presses("Next", world.messages_of(said)[-1], parts=2)
    assert "Atelier 16" in turned.text and turned.ephemeral

    settings = await chloe.types("settings")
    assert "Direct messages: no" in settings.text
    switched = await chloe.presses("direct messages on", world.message_of(settings))
    assert switched.response.kind == 7 and "Direct messages: yes" in switched.text
