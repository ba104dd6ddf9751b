"""Steps shared by the Discord tests: a community set up, a live scheduled and announced."""

from __future__ import annotations

from typing import Any

from tests.adapters.discord.world import (
    ANNOUNCE,
    HOSTS,
    HUGO,
    MODERATION,
    MODS,
    OLGA,
    Answer,
    World,
)

REFUSALS = (
    "Je ne connais pas la commande",
    "s’est mal passé",
    "n’as pas le droit",
    "n’est relié à aucune communauté",
    "Il manque",
    "don’t know the command",
    "went wrong",
    "not allowed",
    "is missing",
    "not linked to any community",
)


def answered(said: Answer, *parts: str) -> str:
    """The bot answered privately, with none of the generic refusals, saying each of `parts`."""
    text = said.text
    assert text, "the bot said nothing"
    assert said.ephemeral, f"answered for everyone: {text}"
    assert not any(r in text for r in REFUSALS), text
    for part in parts:
        assert part in text, (part, text)
    return text


async def set_up(world: World) -> None:
    """Olga sets the community up: announcements, moderation, and who hosts and moderates."""
    said = await world.person(OLGA).types(
        "setup",
        announce_channel=ANNOUNCE,
        moderation_channel=MODERATION,
        host_role=HOSTS,
        moderator_role=MODS,
    )
    answered(said, "Communauté « Atelier » créée")


async def scheduled(world: World, title: str = "Atelier vélo", **fields: Any) -> dict[str, Any]:
    """Hugo schedules a live; returns its announcement, once posted."""
    await world.settle()  # what earlier commands owe is out first
    before = len(world.channel(ANNOUNCE))
    said = await world.person(HUGO).types(
        "schedule", title=title, when=fields.pop("when", "2027-01-12 18:30"), **fields
    )
    answered(said, "C’est noté")
    await world.settle()
    posted = world.channel(ANNOUNCE)[before:]
    assert len(posted) == 1 and "📣" in posted[0]["content"], posted
    return posted[0]
