"""Every command of the spec as a slash command, run by someone who may run it, through the real
discord.py and the fake Discord; answers are private to the person who acted."""

from __future__ import annotations

import re

from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import (
    ANNOUNCE,
    BOB,
    CHLOE,
    GENERAL,
    GUILD,
    HUGO,
    MIA,
    MODERATION,
    NINA,
    OLGA,
    World,
    labels,
)
from tests.fakes.discord_state import (
    BOT_DEFAULT_PERMISSIONS,
    CREATE_PUBLIC_THREADS,
    MANAGE_EVENTS,
)

SECOND = 820_000_000_000_000_001  # another server of Olga's


async def test_member_commands(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    bob = world.person(BOB)
    answered(await bob.types("lives", parts=2), "Atelier vélo")  # a heading, then the live
    answered(await bob.types("live", live=1), "Atelier vélo")
    answered(await bob.types("join", live=1), "tu participes au live #1")
    answered(await bob.types("myschedule"), "Atelier vélo")
    answered(await bob.types("ask", live=1, question="Faut-il un casque ?"), "Q1")
    answered(await bob.types("questions", live=1), "#1")
    answered(await bob.types("leave", live=1), "Atelier vélo")
    # In English for Chloé, whose Discord speaks English; some work in a DM with the bot.
    chloe = world.person(CHLOE)
    answered(await chloe.types("join", live=1), "Atelier vélo")
    answered(await chloe.types("myschedule", where=None), "Atelier vélo")
    answered(await chloe.types("settings", dms=True, where=None), "yes")
    answered(await chloe.types("propose", title="Fixing a flat", description="In 10 minutes"))
    answered(await chloe.types("help", where=None), "/join")
    said = await chloe.types("forgetme")
    assert answered(said) and said.response.data["components"], "a confirmation button"


async def test_host_commands(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    hugo, bob = world.person(HUGO), world.person(BOB)
    await bob.types("join", live=1)
    answered(await hugo.types("edit", live=1, title="Atelier vélo facile", cohost=BOB), "facile")
    answered(await hugo.types("golive", live=1), "en direct")
    answered(await hugo.types("next", live=1))
    answered(await bob.types("end", live=1, replay="https://example.org/replay"), "terminé")
    await scheduled(world, "Brasure", when="2027-01-21 19:00")
    answered(await hugo.types("cancel", live=2, reason="imprévu"), "Brasure")


async def test_a_draft_from_an_accepted_proposal_is_published(world: World) -> None:
    await set_up(world)
    bob, mia = world.person(BOB), world.person(MIA)
    answered(await bob.types("propose", title="Réparer une crevaison"))
    said = await mia.types("proposals", parts=2)  # a heading, then a card with its buttons
    answered(said, "Réparer une crevaison")
    await world.settle()
    card = world.channel(MODERATION)[-1]
    assert "Réparer une crevaison" in card["content"] and "Accepter" in labels(card)
    answered(await mia.presses("Accepter", card))
    answered(await bob.types("edit", live=1, when="2027-02-02 18:00"))
    answered(await bob.types("publish", live=1), "#1")
    await world.settle()
    assert any("Réparer une crevaison" in m["content"] for m in world.channel(ANNOUNCE))


async def test_moderator_commands(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    mia, nina, bob = world.person(MIA), world.person(NINA), world.person(BOB)
    answered(await bob.types("ask", live=1, question="Faut-il un casque ?"), "Q1")
    answered(await mia.types("queue", live=1, parts=2), "Q1")
    answered(await mia.types("modlog", live=1))
    answered(await mia.types("proposals"))
    # Nina moderates through the Manage Messages permission alone.
    answered(await nina.types("mute", member=BOB, length="2h"), "Bob")
    answered(await nina.types("unmute", member=BOB), "Bob")


async def test_organizer_commands(world: World) -> None:
    await set_up(world)
    olga = world.person(OLGA)
    answered(await olga.types("setup", premoderation=False, language="fr"), "Pré-modération : non")
    shown = answered(await olga.types("link"), "Ton code")
    assert "Ton code" not in "".join(m["content"] for m in world.channel(ANNOUNCE))
    # In a second server of hers, the code links it to the same community, for all to see.
    code = re.search(r"\b([A-Z0-9]{8})\b", shown)
    assert code is not None, shown
    world.fake.add_guild(SECOND, "Atelier bis", owner_id=OLGA)
    world.fake.add_channel(SECOND, SECOND + 1, "annonces")
    linked = await olga.types("link", server=SECOND, where=SECOND + 1, code=code.group(1))
    assert not linked.ephemeral and "Relié à la communauté « Atelier »" in linked.text
    answered(await olga.types("host", member=BOB), "Bob")
    answered(await olga.types("unhost", member=BOB), "Bob")
    answered(await olga.types("stats"))
    answered(await olga.types("export", what="lives"))
    # Unlinking is said for everyone: the server learns the bot stops announcing there.
    said = await olga.types("unlink", where=GENERAL)
    assert not said.ephemeral and "n’est plus relié" in said.text
    assert "n’est plus relié" in world.channel(GENERAL)[-1]["content"]


async def test_setup_says_which_permissions_the_bot_lacks(world: World) -> None:
    world.fake.set_bot_permissions(GUILD, BOT_DEFAULT_PERMISSIONS & ~CREATE_PUBLIC_THREADS & ~MANAGE_EVENTS)  # fmt: skip
    said = await world.person(OLGA).types("setup", parts=2, moderation_channel=MODERATION)
    text = answered(said, "Communauté « Atelier » créée")
    assert f"permissions dans <#{ANNOUNCE}> : créer des fils publics, gérer les évènements" in text
    assert f"<#{MODERATION}>" not in text  # it lacks nothing there


async def test_every_slash_command_carries_its_french_name(world: World) -> None:
    synced = {c["name"]: c for c in world.fake.commands[None]}
    assert synced["join"]["name_localizations"] == {"fr": "participer"}
    assert synced["forgetme"]["name_localizations"] == {"fr": "oubliemoi"}
    setup = {o["name"]: o for o in synced["setup"]["options"]}
    assert setup["announce_channel"]["name_localizations"] == {"fr": "salon_annonces"}
    assert setup["announce_channel"]["type"] == 7 and setup["host_role"]["type"] == 8
    assert setup["premoderation"]["type"] == 5
    live = synced["join"]["options"][0]
    assert (live["name"], live["type"], live["autocomplete"]) == ("live", 4, True)
    assert {o["name"]: o["type"] for o in synced["schedule"]["options"]} == {
        "title": 3, "when": 3, "duration": 4, "description": 3, "link": 3,
        "capacity": 4, "tags": 3, "repeat": 3, "count": 4,
    }  # fmt: skip
    assert synced["mute"]["options"][0]["type"] == 6  # a member is a user option


async def test_here_checks_in_while_the_live_is_on_air(world: World) -> None:
    await set_up(world)
    await scheduled(world)
    await scheduled(world, "Brasure", when="2027-01-21 19:00")
    bob, hugo = world.person(BOB), world.person(HUGO)
    answered(await bob.types("join", live=1), "tu participes au live #1")
    early = await bob.types("here", live=1)
    assert early.ephemeral and early.text == "Le live #1 n’est pas en direct en ce moment."
    answered(await hugo.types("golive", live=1), "en direct")
    assert [v for _, v in await bob.picks("here", "")] == [1]  # the live on air, only
    answered(await bob.types("here", live=1), "Bienvenue au live #1 « Atelier vélo »")
    again = await bob.types("here", live=1)
    assert again.ephemeral and again.text == "C’est déjà noté, tu es là 🙂"
    here = next(c for c in world.fake.commands[None] if c["name"] == "here")
    assert here["name_localizations"] == {"fr": "present"}
    assert here["description_localizations"] == {
        "fr": "Dire que tu es là, pendant un live en direct"
    }
