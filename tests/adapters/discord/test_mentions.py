"""On Discord a command named in a message is a command mention (`</join:id>`): each reader's app
shows it in their own language and runs it in one tap. Every command `/help` names is a slash
command, the moderators' ones included, and fields carry their French names from one table."""

from __future__ import annotations

import re

from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import BOB, CHLOE, MIA, MODERATION, World


async def test_help_names_each_command_by_its_mention_in_either_language(world: World) -> None:
    await set_up(world)
    join = world.mention("join")
    french = answered(await world.person(BOB).types("help"), f"{join} <live> : participer")
    english = answered(await world.person(CHLOE).types("help"), f"{join} <live>: sign up")
    for text in (french, english):  # never a command typed by hand, which Discord won't run
        assert not re.search(r"(^|\s)/(participer|join)\b", text), text
    assert f"{world.mention('help')} participer" in french  # how to get an example


async def test_refusals_and_answers_mention_the_commands_they_name(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    bob = world.person(BOB)
    said = await bob.types("queue", live=1)
    assert f"d’utiliser {world.mention('queue')} ici" in said.text
    said = await bob.types("ask", live=1, question="ab")
    assert f"Exemple : {world.mention('ask')} 12 Comment débuter ?" in said.text


async def test_help_for_one_command_gives_its_example(world: World) -> None:
    await set_up(world)
    said = await world.person(BOB).types("help", command="participer")
    answered(said, f"Exemple : {world.mention('join')} 12")


async def test_the_moderators_commands_are_slash_commands_too(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    bob, chloe, mia = world.person(BOB), world.person(CHLOE), world.person(MIA)
    for who, text in (
        (bob, "Faut-il un casque ?"),
        (chloe, "Which tyres?"),
        (bob, "Et la pluie ?"),
    ):
        answered(await who.types("ask", live=1, question=text), "Q")
    answered(await mia.types("approve", question="Q1 Q2"), "Q1, Q2 : approuvées")
    answered(await mia.types("reject", question="Q3", reason="Doublon"), "Q3 est refusée")
    answered(await chloe.types("vote", question="Q1"), "Q1")
    answered(await mia.types("merge", question="Q2", into="Q1"), "Q2 est fusionnée avec Q1")
    synced = {c["name"]: c for c in world.fake.commands[None]}
    assert {synced[n]["name_localizations"]["fr"] for n in ("approve", "reject", "merge")} == {
        "approuver",
        "refuser",
        "fusionner",
    }


async def test_the_french_names_of_options_are_the_fields_french_names(world: World) -> None:
    synced = {c["name"]: c for c in world.fake.commands[None]}

    def french(command: str) -> list[str]:
        return [o["name_localizations"]["fr"] for o in synced[command]["options"]]

    assert french("settings") == ["langue", "fuseau", "rappels", "messages_prives"]
    assert french("schedule")[:3] == ["titre", "quand", "duree"]
    assert french("edit")[-2:] == ["coanimation", "serie"]


async def test_a_message_owed_by_the_outbox_mentions_commands_too(world: World) -> None:
    """Messages to others are rendered by the platform when sent: the mentions are there too."""
    await set_up(world)
    chloe, mia = world.person(CHLOE), world.person(MIA)
    answered(await chloe.types("settings", dms=True, where=None))
    answered(await chloe.types("propose", title="Fixing a flat"))
    await world.settle()
    card = world.channel(MODERATION)[-1]
    answered(await mia.presses("Accepter", card))
    await world.settle()
    (told,) = [
        m["content"] for m in world.channel(world.fake.dm_channel(CHLOE)) if "#1" in m["content"]
    ]
    assert f"{world.mention('edit')} 1 when=" in told and f"{world.mention('publish')} 1" in told
