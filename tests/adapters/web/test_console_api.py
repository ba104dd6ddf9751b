"""The console's requests as a page sends them, over real HTTP to the bot: each action goes
through the dispatcher and its policy; bad input (a question decided meanwhile, a page older
than the bot, a token replayed after logout, another live's token, a malformed request, a
host's page asking a moderator's action) gets a clear message and changes nothing."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import aiohttp

from bot.core.ports import UnitOfWork
from bot.domain.model import QuestionStatus
from tests.adapters.both.world import World
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import HUGO, MIA
from tests.adapters.web.steps import a_live_on_both, link_on, statuses

PAGE_DATA = re.compile(r'data-page="([^"]*)"')
VERSION = re.compile(r'data-version="([^"]*)"')


class Page:
    """What the console's script does: open the link, keep the page's token, post actions."""

    def __init__(
        self, client: aiohttp.ClientSession, base: str, live: int, token: str, version: str
    ) -> None:
        self.client, self.base, self.live = client, base, live
        self.token, self.version = token, version

    @classmethod
    async def open(cls, client: aiohttp.ClientSession, url: str) -> Page:
        async with client.get(url) as got:
            assert got.status == 200, await got.text()
            shown = await got.text()
            assert got.headers["Referrer-Policy"] == "no-referrer"
        data = PAGE_DATA.search(shown)
        version = VERSION.search(shown)
        assert data is not None and version is not None
        page = json.loads(html.unescape(data.group(1)))
        base = url.split("/console/")[0]
        return cls(client, base, int(page["live"]), page["token"], version.group(1))

    async def post(self, path: str, body: Any, **headers: str) -> tuple[int, dict[str, Any]]:
        sent = {"Authorization": f"Bearer {self.token}", "X-Console-Version": self.version}
        sent.update(headers)
        url = f"{self.base}/console/{self.live}/{path}"
        data = body if isinstance(body, bytes) else None
        async with self.client.post(
            url, json=None if data is not None else body, data=data, headers=sent
        ) as got:
            return got.status, await got.json()


async def link_for(world: World, who: int) -> str:
    said = await world.dc.person(who).types("console", live=1)
    answered(said, "console")
    return link_on(world.dc.message_of(said))


async def asked(world: World, text: str) -> None:
    await world.tg.people["Zoé"].says(f"/question 1 {text}")


async def test_actions_go_through_the_dispatcher_and_bad_input_changes_nothing(
    world: World,
) -> None:
    await a_live_on_both(world)
    await asked(world, "Comment débuter ?")
    await asked(world, "Quel vélo choisir ?")
    url = await link_for(world, MIA)
    async with aiohttp.ClientSession() as client:
        page = await Page.open(client, url)
        status, said = await page.post("act", {"action": "approve", "question": 1})
        assert (status, said["ok"]) == (200, True) and "Q1 est approuvée" in said["message"]

        before = await statuses(world)
        # The same question again (a second moderator, a stale card): refused, told why.
        status, said = await page.post("act", {"action": "approve", "question": 1})
        assert status == 409 and "déjà été traitée" in said["message"], said
        assert "Q1 approuvée par Mia." in said["message"], said  # who won, and how
        # Malformed requests: not JSON, an unknown action, a question that is no number.
        for body in (b"{not json", {"action": "delete", "question": 2}, {"action": "approve"},
                     {"action": "approve", "question": "2; drop"}, [1, 2]):  # fmt: skip
            status, said = await page.post("act", body)
            assert status == 400 and "rien n’a changé" in said["message"], (body, said)
        # A page loaded before the bot was upgraded.
        status, said = await page.post(
            "act", {"action": "approve", "question": 2}, **{"X-Console-Version": "old"}
        )
        assert status == 409 and "n’est plus à jour" in said["message"], said
        # A question of another live.
        await scheduled(world.dc, "Atelier tricot")
        await world.tg.people["Zoé"].says("/question 2 Quelle laine ?")
        status, said = await page.post("act", {"action": "approve", "question": 3})
        assert status == 409 and "Q3" in said["message"], said
        assert await statuses(world) == before
        assert await _status(world, 3) is QuestionStatus.PENDING

        # Logged out: the page's token, replayed, is refused; the link too.
        status, said = await page.post("logout", {})
        assert status == 200 and "Session fermée" in said["message"]
        status, said = await page.post("act", {"action": "approve", "question": 2})
        assert status == 401 and said["reason"] == "revoked", said
        async with client.get(url) as got:
            assert got.status == 401
        assert await _status(world, 2) is QuestionStatus.PENDING


async def test_a_hosts_page_cannot_moderate(world: World) -> None:
    await a_live_on_both(world)
    await asked(world, "Comment débuter ?")
    url = await link_for(world, HUGO)
    async with aiohttp.ClientSession() as client:
        page = await Page.open(client, url)
        for action in ("approve", "reject", "mute"):
            status, said = await page.post("act", {"action": action, "question": 1})
            assert status == 409 and "pas le droit" in said["message"], (action, said)
        assert await _status(world, 1) is QuestionStatus.PENDING
        status, said = await page.post("act", {"action": "next"})  # not on air yet
        assert status == 409 and "#1" in said["message"], said


async def _status(world: World, question: int) -> QuestionStatus | None:
    async def work(uow: UnitOfWork) -> QuestionStatus | None:
        found = await uow.questions.get(question)
        return found.status if found else None

    return await world.app.store.run(work)
