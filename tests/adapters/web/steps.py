"""Steps shared by the console's tests: a live on both platforms, the link the bot sent, and the
questions' statuses as stored."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe

from bot.core.ports import UnitOfWork
from bot.domain.model import QuestionStatus
from tests.adapters.both.world import World, link_both
from tests.adapters.discord.steps import scheduled


def link_on(message: dict[str, Any]) -> str:
    """The one link button of a Discord message (the console's link is never in the text)."""
    found = [
        item["url"]
        for row in message.get("components") or []
        for item in row.get("components") or []
        if item.get("url")
    ]
    assert len(found) == 1, message
    assert "http" not in message["content"], message["content"]
    return str(found[0])


async def a_live_on_both(world: World) -> None:
    await link_both(world)
    await scheduled(world.dc)
    for name in ("Théo", "Zoé", "Dan"):
        await world.tg.people[name].says("/start")


async def statuses(world: World) -> dict[int, QuestionStatus]:
    async def work(uow: UnitOfWork) -> dict[int, QuestionStatus]:
        found = await uow.questions.by_status(1, tuple(QuestionStatus))
        return {q.id: q.status for q in found}

    return await world.app.store.run(work)


WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


async def audited(page: Any) -> str:
    """What axe found on the page as it is now, as a report; empty when nothing."""
    results = await Axe().run(page, options={**WCAG, "resultTypes": ["violations"]})
    return "" if results.violations_count == 0 else results.generate_report()
