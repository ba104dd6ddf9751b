"""Issue 15 in a real browser: a community on Discord and Telegram turns its public page on;
a reader who never met the bot opens it (in English, from another time zone), sees the live,
its time in the live's zone and in their own, its seats as a count, and buttons that join on
Telegram in one tap (the bot's deep link for that live) or open the Discord invite. Without
script the page reads the same. Screenshots of a phone and a desk are kept with the test, and each page passes axe-core's
audit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.adapters.both.world import TG_ANNOUNCE, World, link_both
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import OLGA
from tests.adapters.telegram.world import urls
from tests.adapters.web.steps import audited

TIMEOUT = 10_000
SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


async def test_a_reader_opens_the_public_page_and_finds_how_to_join(
    world: World, browser: Any, tmp_path: Path
) -> None:
    await link_both(world)
    said = await world.dc.person(OLGA).types(
        "setup", public=True, invite="https://discord.gg/atelier"
    )
    base = world.app.core.config.public_url
    answered(said, f"Page publique de la communauté : {base}/c/1")
    posted = await scheduled(
        world.dc, "Réparer son vélo 🚲", when="2027-01-12 18:30", capacity=12,
        description="Crevaison, freins, chaîne : on apprend ensemble.",
    )  # fmt: skip
    assert f"{base}/c/1/1" in posted["content"] and f"{base}/c/1.ics" in posted["content"]
    await world.tg.people["Zoé"].says("/start")
    await world.tg.people["Zoé"].says("/participer 1")
    await world.settle()
    assert any(f"{base}/c/1/1" in m["text"] for m in world.tg_group(TG_ANNOUNCE))

    reader = await browser.new_context(locale="en-US", timezone_id="America/New_York")
    page = await reader.new_page()
    page.set_default_timeout(TIMEOUT)
    await page.goto(f"{base}/c/1")
    await page.locator("h1", has_text="Upcoming lives of Atelier").wait_for()
    item = page.locator("ol.lives li", has_text="Réparer son vélo 🚲")
    text = await item.inner_text()
    assert "Tuesday 12 January 2027 at 18:30 (Paris time)" in text, text
    assert "11 seats left" in text and "Hosted by Hugo" in text, text
    assert "(Tuesday, January 12 at 12:30 PM EST where you are)" in text, text
    assert "Zoé" not in await page.content()
    telegram = page.get_by_role("link", name="Open on Telegram")
    assert await telegram.get_attribute("href") == "https://t.me/solidaire_bot"
    for name, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(tmp_path / f"schedule-{name}.png"), full_page=True)
    assert await audited(page) == ""  # axe-core's WCAG 2.1 A/AA rules

    await item.get_by_role("link", name="Réparer son vélo 🚲").click()
    await page.locator("h1", has_text="Réparer son vélo 🚲").wait_for()
    join = page.get_by_role("link", name="Join on Telegram")
    assert await join.get_attribute("href") == "https://t.me/solidaire_bot?start=join_1"
    discord = page.get_by_role("link", name="Join the Discord server")
    assert await discord.get_attribute("href") == "https://discord.gg/atelier"
    assert "Crevaison, freins, chaîne" in await page.locator(".description").inner_text()
    for name, (width, height) in SIZES.items():
        await page.set_viewport_size({"width": width, "height": height})
        await page.screenshot(path=str(tmp_path / f"live-{name}.png"), full_page=True)
    assert await audited(page) == ""
    # Nothing wider than a phone: no sideways scrolling.
    await page.set_viewport_size({"width": 320, "height": 640})
    assert await page.evaluate("document.documentElement.scrollWidth") <= 320

    # The switch to French, and the same page without script.
    await page.get_by_role("link", name="Français").click()
    await page.locator("a", has_text="Participer sur Telegram").wait_for()
    still = await browser.new_context(java_script_enabled=False, locale="fr-FR")
    plain = await still.new_page()
    await plain.goto(f"{base}/c/1/1")
    words = await plain.locator("main").inner_text()
    assert "mardi 12 janvier 2027 à 18:30 (heure de Paris)" in words
    assert "chez toi" not in words  # the reader's own zone needs the script
    assert "11 places restantes" in words
    for path in (
        tmp_path / f"{kind}-{size}.png" for kind in ("schedule", "live") for size in SIZES
    ):
        assert path.stat().st_size > 0
    await reader.close()
    await still.close()

    # Zoé's own calendar: the chat's button opens a page that offers the subscription.
    said = await world.tg.people["Zoé"].says("/calendrier")
    (link,) = [url for message in said for url in urls(message)]
    phone = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844})
    mine = await phone.new_page()
    mine.set_default_timeout(TIMEOUT)
    await mine.goto(link)
    await mine.locator("h1", has_text="Ton agenda Solidaire").wait_for()
    webcal = mine.get_by_role("link", name="📅 S’abonner (Apple, Outlook, Thunderbird…)")
    assert await webcal.get_attribute("href") == "webcal://" + link.split("://")[1] + ".ics"
    assert await mine.input_value("#feed-url") == link + ".ics"
    await mine.get_by_role("button", name="Copier").wait_for()  # shown by the script
    await mine.screenshot(path=str(tmp_path / "calendar-phone.png"), full_page=True)
    assert await audited(mine) == ""
    await phone.close()
