"""Typing on Telegram (issue 10): a typo or a command without its slash is pointed at the command
meant, in the reader's language, privately; the group's own conversation gets no answer; and the
command flood limit still holds on the platform (only a script fed to the shell is spared)."""

from __future__ import annotations

from tests.adapters.telegram.test_commands import scheduled
from tests.adapters.telegram.world import ANNOUNCE, World


def texts(said: list[dict[str, object]]) -> str:
    return "\n".join(str(m["text"]) for m in said)


async def test_a_typo_is_pointed_at_the_command_meant(world: World) -> None:
    await scheduled(world)
    bob, chloe = world.people["Bob"], world.people["Chloe"]
    await bob.says("/start")

    said = texts(await bob.says("/joni 1"))
    assert "Je ne connais pas la commande /joni. Tu voulais dire « /participer 1 » ?" in said
    said = texts(await bob.says("participer 1"))
    assert "Tu voulais dire « /participer 1 » ? Une commande commence par « / »." in said
    assert "Tu voulais dire" not in texts(await bob.says("Bonjour !"))

    # In the group, plain text is the members' conversation: the bot says nothing.
    before = len(world.group(ANNOUNCE))
    assert await bob.says("join 1", where=ANNOUNCE) == []
    assert len(world.group(ANNOUNCE)) == before

    # An English reader sees the English name.
    await chloe.says("/start")
    assert "Did you mean “/join 1”?" in texts(await chloe.says("/jion 1"))


async def test_the_command_flood_limit_holds_on_telegram(world: World) -> None:
    await scheduled(world)
    bob = world.people["Bob"]
    for _ in range(10):
        assert "Doucement" not in texts(await bob.says("/programme"))
    assert "Doucement 🙂 Trop de commandes en 10 secondes" in texts(await bob.says("/programme"))
