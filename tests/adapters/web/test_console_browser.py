"""Issue 14 in a real browser: a moderator opens the console from a link the bot sent on
Discord, sees a question asked on Telegram arrive without reloading, approves it with the
keyboard, and the stream's on-air page shows it once the host types /next on Discord; a
decision taken in the Telegram moderators' chat shows in the console at once. Forged, expired
and other-live links are refused and change nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bot.core.console.tokens import Claims, Kind, sign
from bot.core.ports import UnitOfWork
from tests.adapters.both.world import DC_MODERATION, TG_MODERATION, World
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import HUGO, MIA
from tests.adapters.telegram.world import urls
from tests.adapters.web.steps import a_live_on_both, link_on, statuses

TIMEOUT = 10_000  # ms: what the page may take to show a change


async def test_a_moderator_runs_the_queue_in_the_browser(
    world: World, browser: Any, tmp_path: Path
) -> None:
    await a_live_on_both(world)
    said = await world.dc.person(MIA).types("console", live=1)
    answered(said, "La console du live #1")
    console = await browser.new_page()
    console.set_default_timeout(TIMEOUT)
    await console.goto(link_on(world.dc.message_of(said)))
    await console.locator("#queue-empty", has_text="Rien à relire").wait_for()

    # Zoé asks on Telegram: the card arrives by itself, with her name (hidden to the public).
    await world.tg.people["Zoé"].says(
        '/question live=1 anonymous=oui question="Comment débuter à vélo en ville ?"'
    )
    card = console.locator("#queue li", has_text="Comment débuter à vélo en ville ?")
    await card.wait_for()
    assert "Zoé (anonyme pour le public)" in await card.inner_text()

    # Approved with the keyboard alone: j picks it, a approves it.
    await console.keyboard.press("j")
    await console.keyboard.press("a")
    await console.locator("#approved li", has_text="Comment débuter").wait_for()
    await console.locator("#said", has_text=re.compile("Q1 (est )?approuvée")).wait_for()
    await world.settle()
    cards = [
        m["content"] for m in world.dc_channel(DC_MODERATION) if "Question Q1 " in m["content"]
    ]
    assert cards and "approuvée par Mia" in cards[0], cards  # the chat's card says who
    assert any("est publiée" in m["text"] for m in world.tg.people["Zoé"].inbox())

    # The on-air page for the stream, opened from the console, shows nothing yet.
    await console.click("#overlay-new")
    await console.locator("#overlay-url").wait_for()  # shown once the bot made the link
    overlay_url = await console.input_value("#overlay-url")
    overlay = await browser.new_page()
    overlay.set_default_timeout(TIMEOUT)
    await overlay.goto(overlay_url)
    assert await overlay.locator("#stage").is_hidden()
    transparent = "getComputedStyle(document.body).backgroundColor"
    assert await overlay.evaluate(transparent) == "rgba(0, 0, 0, 0)"

    # Hugo goes live and puts the next question on air from Discord: both pages follow.
    hugo = world.dc.person(HUGO)
    answered(await hugo.types("golive", live=1), "#1")
    answered(await hugo.types("next", live=1), "Q1")
    await overlay.locator("#question", has_text="Comment débuter à vélo en ville ?").wait_for()
    assert await overlay.locator("#author").inner_text() == ""  # anonymous on air too
    await console.locator("#on-air li", has_text="Comment débuter").wait_for()

    # Dan's insult is held with its reason; Théo refuses it in the Telegram moderators' chat,
    # and the console says so at once.
    await world.tg.people["Dan"].says("/question 1 Tu es un vrai connard")
    held = console.locator("#queue li", has_text="connard")
    await held.wait_for()
    assert "insulte" in await held.inner_text()
    # Kept beside the test's output for a person to look at: a phone and a desk.
    for name, (width, height) in {"phone": (390, 844), "desktop": (1280, 800)}.items():
        await console.set_viewport_size({"width": width, "height": height})
        await console.screenshot(path=str(tmp_path / f"console-{name}.png"), full_page=True)
    assert (tmp_path / "console-phone.png").stat().st_size > 0
    await world.settle()
    tg_card = next(m for m in world.tg_group(TG_MODERATION) if "Question Q2 " in m["text"])
    await world.tg.people["Théo"].presses("Refuser", tg_card, where=TG_MODERATION)
    await console.locator("#said", has_text="Q2 refusée par Théo").wait_for()
    await held.wait_for(state="detached")


async def test_the_host_sees_no_held_question_nor_its_author(world: World, browser: Any) -> None:
    await a_live_on_both(world)
    await world.tg.people["Zoé"].says("/question 1 Une question encore à relire")
    said = await world.dc.person(HUGO).types("console", live=1)
    answered(said, "console d’animation")
    page = await browser.new_page()
    page.set_default_timeout(TIMEOUT)
    await page.goto(link_on(world.dc.message_of(said)))
    await page.locator("#approved-empty", has_text="Aucune question approuvée").wait_for()
    assert await page.locator("#queue-section").is_hidden()
    await world.tg.people["Dan"].says("/question 1 Une autre question à relire")
    await world.settle()
    await page.wait_for_timeout(300)  # a refresh later, still nothing of them
    content = await page.content()
    assert "à relire" not in content.replace("Rien à relire", "") and "Zoé" not in content
    assert "Dan" not in content


async def test_forged_expired_and_other_live_links_are_refused(world: World, browser: Any) -> None:
    await a_live_on_both(world)
    await scheduled(world.dc, "Atelier tricot")  # live #2
    said = await world.tg.people["Théo"].says("/console 1")  # a moderator, on Telegram
    (url,) = urls(said[-1])
    base, token = url.rsplit("/", 1)
    payload, mac = token.split(".")
    sid = await world.app.store.run(lambda uow: _session_of(uow))
    key = await world.app.store.run(lambda uow: uow.console.key("console", "unused", _now(world)))
    expired = sign(key, Claims(sid, Kind.LINK, _now(world).replace(year=2000)))
    page = await browser.new_page(locale="fr-FR")  # a refused link speaks the browser's language
    before = await statuses(world)
    for address, says, status in (
        (f"{base}/{payload}.{'A' * len(mac)}", "n’est pas valide", 403),
        (f"{base}/{expired}", "a expiré", 401),
        (url.replace("/console/1/", "/console/2/"), "autre live", 403),
    ):
        response = await page.goto(address)
        assert response is not None and response.status == status, address
        assert says in await page.locator("[role=alert]").inner_text()
    assert await statuses(world) == before


async def _session_of(uow: UnitOfWork) -> str:
    from sqlalchemy import select

    from bot.storage.web_tables import console_sessions

    conn = uow.connection  # type: ignore[attr-defined]
    return str((await conn.execute(select(console_sessions.c.id))).scalar_one())


def _now(world: World) -> Any:
    return world.app.core.clock.now()
