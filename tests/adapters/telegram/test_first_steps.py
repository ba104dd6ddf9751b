"""A community starts on Telegram: set up, linked, a live scheduled, announced and joined."""

from __future__ import annotations

import re

from tests.adapters.telegram.world import ANNOUNCE, MODERATION, World, button, urls


async def set_up(world: World) -> str:
    """Alice sets the announce group up and links the moderation chat; returns the code."""
    alice = world.people["Alice"]
    await alice.says("/start")
    said = await alice.says("/setup", where=ANNOUNCE)
    assert any("communauté" in m["text"].lower() for m in said), said
    said = await alice.says("/link", where=ANNOUNCE)
    code = re.search(r"\b([A-Z0-9]{6,})\b", said[-1]["text"])
    assert code, said
    # The code went to Alice privately, never into the group.
    assert all(code.group(1) not in m["text"] for m in world.group(ANNOUNCE))
    said = await alice.says(f"/link {code.group(1)} moderation", where=MODERATION)
    assert said, "the moderation chat link was not confirmed"
    return code.group(1)


async def test_the_command_menus_are_set_in_both_languages(world: World) -> None:
    fr = world.fake.commands_for(None, "fr")
    en = world.fake.commands_for(None, "en")
    assert "participer" in {c["command"] for c in fr}
    assert "join" in {c["command"] for c in en}
    assert "present" in {c["command"] for c in fr} and "here" in {c["command"] for c in en}
    admins = world.fake.commands_for({"type": "all_chat_administrators"}, "fr")
    assert "planifier" in {c["command"] for c in admins}
    assert "planifier" not in {c["command"] for c in fr}


async def test_a_live_is_scheduled_announced_and_joined_in_one_tap(world: World) -> None:
    await set_up(world)
    alice, bob = world.people["Alice"], world.people["Bob"]
    said = await alice.says(
        "/schedule\ntitle: Initiation à Python\nwhen: 2027-01-12 18:30\nduration: 90\ncapacity: 50"
    )
    assert "#1" in said[-1]["text"], said
    announcement = world.group(ANNOUNCE)[-1]
    assert "Initiation à Python" in announcement["text"]
    join = button(announcement, "Participer|Join")
    assert join.startswith("j:")

    # Bob never opened a private chat with the bot: the press signs him up and opens it.
    await bob.presses("Participer", announcement, where=ANNOUNCE)
    answer = world.fake.answers()[-1]
    assert answer["url"] == "https://t.me/solidaire_bot?start=join_1"
    said = await bob.says("/start join_1")
    # Already signed up by the press: the live itself is the answer, not a refusal.
    assert "Initiation à Python" in said[-1]["text"] and "49" in said[-1]["text"], said
    said = await bob.says("/myschedule")
    assert "Initiation à Python" in said[-1]["text"]
    assert urls(announcement) == []
