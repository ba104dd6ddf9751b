"""Questions from a phone: asked from the group's button in the private chat, held for the
moderators' chat, decided by one of two moderators pressing at once, and the card says who."""

from __future__ import annotations

from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, MODERATION, World, button


async def a_live(world: World) -> dict:
    await set_up(world)
    await world.people["Alice"].says('/planifier title="Atelier vélo" when="2027-01-12 18:30"')
    return world.group(ANNOUNCE)[-1]


async def test_ask_from_the_group_goes_private_and_the_card_reaches_the_moderators(
    world: World,
) -> None:
    announcement = await a_live(world)
    bob, chloe = world.people["Bob"], world.people["Chloe"]
    await bob.says("/start")
    said = await bob.presses("Poser une question", announcement, where=ANNOUNCE)
    assert said[-1]["text"] == "Quelle est ta question ?"  # in Bob's private chat
    assert world.fake.answers()[-1]["text"] == "Je t'ai écrit en privé : pose ta question là-bas."
    await bob.says("Faut-il un <casque> & des gants ?")
    said = await bob.says("-")  # not anonymous
    assert "Q1" in said[-1]["text"]
    card = world.group(MODERATION)[-1]
    assert "Faut-il un <casque> & des gants ?" in card["text"] and "Bob" in card["text"]
    assert button(card, "Approuver") == "a:1"
    # Chloé never opened the private chat: one tap opens it on the question form.
    await chloe.presses("Poser une question", announcement, where=ANNOUNCE)
    assert world.fake.answers()[-1]["url"] == "https://t.me/solidaire_bot?start=ask_1"
    said = await chloe.says("/start ask_1")
    assert said[-1]["text"] == "What is your question?"


async def test_two_moderators_press_approve_at_once_and_one_decides(world: World) -> None:
    await a_live(world)
    alice, mia, bob = world.people["Alice"], world.people["Mia"], world.people["Bob"]
    await bob.says("/start")
    await bob.says("/question 1 Faut-il un casque ?")
    card = world.group(MODERATION)[-1]
    data = button(card, "Approuver")
    world.fake.push_callback(mia.id, MODERATION, card["message_id"], data)
    world.fake.push_callback(alice.id, MODERATION, card["message_id"], data)
    await world.settle()
    toasts = [a["text"] for a in world.fake.answers()[-2:]]
    assert sorted(toasts) == sorted(
        [
            "Q1 est approuvée : elle est visible par tout le monde.",
            "Q1 a déjà été traitée, sans doute par quelqu’un d’autre. Rien n’a changé.",
        ]
    ), toasts
    await world.settle()  # the card edit is sent by the outbox
    edited = world.group(MODERATION)[-1]
    assert edited["message_id"] == card["message_id"] and edited["edits"] == 1
    assert "approuvée par" in edited["text"] and edited["reply_markup"] is None
    told = [m["text"] for m in bob.inbox() if "est publiée" in m["text"]]
    assert len(told) == 1  # the asker is told once, privately
    said = await bob.says("/questions 1")
    assert "Faut-il un casque ?" in said[-1]["text"]
