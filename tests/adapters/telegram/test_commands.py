"""Every command of the spec typed on Telegram, by the person who may use it, in French (the
alias) and in English (the name), through the real python-telegram-bot and the fake server."""

from __future__ import annotations

from typing import Any

from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, MODERATION, World, button

REFUSALS = (
    "Je ne connais pas la commande",
    "quelque chose s’est mal passé",
    "n’as pas le droit",
    "I don't know the command",
    "went wrong",
    "not allowed",
    "Il manque",
    "is missing",
)


def answered(said: list[dict[str, Any]], *parts: str) -> str:
    """The bot answered, with none of the generic refusals, and said each of `parts`."""
    assert said, "the bot said nothing"
    text = "\n".join(m["text"] for m in said)
    assert not any(r in text for r in REFUSALS), text
    for part in parts:
        assert part in text, (part, text)
    return text


async def scheduled(world: World) -> None:
    await set_up(world)
    alice = world.people["Alice"]
    answered(
        await alice.says('/planifier title="Atelier vélo" when="2027-01-12 18:30" capacity=2'),
        "#1",
    )


async def test_member_commands_in_french(world: World) -> None:
    await scheduled(world)
    bob, tom = world.people["Bob"], world.people["Mia"]
    await bob.says("/start")
    answered(await bob.says("/programme"), "Atelier vélo")
    answered(await bob.says("/direct 1"), "Atelier vélo")
    answered(await bob.says("/participer #1"), "Atelier vélo")
    answered(await bob.says("/mesinscriptions"), "Atelier vélo")
    answered(await bob.says("/question 1 Faut-il un casque ?"), "Q1")
    answered(await bob.says("/questions 1"))
    answered(await bob.says("/desinscrire 1"), "Atelier vélo")
    # (Bob has typed nine commands in a few seconds: Mia goes on, below the flood limit.)
    bob = tom
    await bob.says("/start")
    answered(await bob.says("/reglages"))
    answered(await bob.says('/proposer title="Réparer une crevaison" description="En 10 minutes"'))
    answered(await bob.says("/aide"), "/participer")
    said = await bob.says("/oubliemoi")
    assert button(said[-1], "."), "forgetme asks for a confirmation with a button"


async def test_member_commands_in_english(world: World) -> None:
    await scheduled(world)
    chloe = world.people["Chloe"]
    await chloe.says("/start")
    await chloe.says("/participer 1")  # joins the community through a live
    answered(await chloe.says("/lives"), "Atelier vélo")
    answered(await chloe.says("/live 1"), "Atelier vélo")
    answered(await chloe.says("/myschedule"), "Atelier vélo")
    answered(await chloe.says("/leave 1"), "Atelier vélo")
    answered(await chloe.says("/join 1"), "Atelier vélo")
    answered(await chloe.says("/ask 1 Do I need a helmet?"), "Q1")
    answered(await chloe.says("/settings"))
    answered(await chloe.says("/help"), "/join")
    answered(await chloe.says("/stop"))


async def test_host_commands(world: World) -> None:
    await scheduled(world)
    alice, bob = world.people["Alice"], world.people["Bob"]
    await bob.says("/start")
    await bob.says("/participer 1")
    # An organizer grants the host role by replying to one of Bob's messages in the group.
    hello = world.fake.push_text(bob.id, ANNOUNCE, "bonjour")
    await world.settle()
    answered(
        await alice.says("/animateur", where=ANNOUNCE, reply_to=hello["message"]["message_id"])
    )
    answered(await bob.says('/schedule title="Soudure" when="2027-01-20 19:00"'), "#2")
    answered(await bob.says('/modifier 2 title="Soudure facile"'), "Soudure facile")
    answered(await bob.says("/endirect 2"))
    answered(await bob.says("/suivante 2"))
    answered(await bob.says("/terminer 2 https://example.org/replay"))
    answered(await bob.says('/planifier title="Brasure" when="2027-01-21 19:00"'), "#3")
    answered(await bob.says("/annuler 3 imprévu"))
    answered(await alice.says("/retirer @bob", where=ANNOUNCE))


async def test_moderator_and_organizer_commands(world: World) -> None:
    await scheduled(world)
    alice, mia, bob = world.people["Alice"], world.people["Mia"], world.people["Bob"]
    await mia.says("/start")
    await bob.says("/start")
    await bob.says("/participer 1")
    await bob.says("/question 1 Faut-il un casque ?")
    answered(await mia.says("/file 1"), "Q1")
    answered(await mia.says("/journal 1"))
    answered(await mia.says("/propositions"))
    answered(await mia.says("/muet @bob 2h"))
    answered(await mia.says("/demuet @bob"))
    answered(await alice.says("/configurer premoderation=non", where=ANNOUNCE))
    answered(await alice.says("/chiffres"))
    answered(await alice.says("/exporter lives"))
    answered(await alice.says("/delier", where=MODERATION))
    # The queue's buttons work from the moderation chat (where Mia is a moderator).
    world.fake.set_status(MODERATION, mia.id, "member")


async def test_publish_a_draft_from_an_accepted_proposal(world: World) -> None:
    await scheduled(world)
    mia, bob = world.people["Mia"], world.people["Bob"]
    await mia.says("/start")
    await bob.says("/start")
    await bob.says("/participer 1")
    await bob.says('/propose title="Réparer une crevaison" description="En 10 minutes"')
    said = await mia.says("/proposals")
    card = said[-1]
    answered(await mia.presses("Accepter|Accept", card))
    draft = [m for m in bob.inbox() if "#2" in m["text"]]
    assert draft, "the proposer is told about the draft"
    answered(await bob.says('/edit 2 when="2027-02-02 18:00"'))
    answered(await bob.says("/publier 2"))
    assert any("Réparer une crevaison" in m["text"] for m in world.group(ANNOUNCE))


async def test_the_moderators_commands_by_their_french_names_and_help_with_an_example(
    world: World,
) -> None:
    await scheduled(world)
    mia, bob, chloe = world.people["Mia"], world.people["Bob"], world.people["Chloe"]
    for who in (mia, bob, chloe):
        await who.says("/start")
    await bob.says("/participer 1")
    await bob.says("/question 1 Faut-il un casque ?")
    await bob.says("/question 1 Et sous la pluie ?")
    await bob.says("/question 1 Quels outils apporter ?")
    answered(await mia.says("/approuver Q1 Q2"), "Q1, Q2 : approuvées")
    answered(await mia.says("/refuser Q3 Hors sujet"), "Q3 est refusée")
    answered(await mia.says("/fusionner Q2 Q1"), "Q2 est fusionnée avec Q1")
    await chloe.says("/join 1")
    answered(await chloe.says("/vote Q1"), "Q1")
    said = answered(await mia.says("/aide refuser"), "Exemple : /refuser Q45 Hors sujet")
    assert "/reject" not in said
    answered(await chloe.says("/help join"), "Example: /join 12")
    admins = {
        c["command"] for c in world.fake.commands_for({"type": "all_chat_administrators"}, "fr")
    }
    assert {"approuver", "refuser", "fusionner"} <= admins
