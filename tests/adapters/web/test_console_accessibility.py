"""The console's three pages pass axe-core's audit (WCAG 2.x A and AA rules: labels, names,
contrast, landmarks, live regions, language) in the real browser, filled as during a live:
a question waiting, one approved, one on air, and a refused link's page. axe-core ships inside
axe-playwright-python and is injected into the page; nothing is fetched."""

from __future__ import annotations

from typing import Any

from tests.adapters.both.world import World
from tests.adapters.discord.steps import answered
from tests.adapters.discord.world import HUGO, MIA
from tests.adapters.web.steps import a_live_on_both, audited, link_on

TIMEOUT = 10_000  # ms


async def test_every_console_page_passes_an_accessibility_audit(world: World, browser: Any) -> None:
    await a_live_on_both(world)
    for text in ("Comment débuter à vélo en ville ?", "Quel casque choisir ?", "Et la pluie ?"):
        await world.tg.people["Zoé"].says(f'/question live=1 question="{text}"')
    said = await world.dc.person(MIA).types("console", live=1)
    answered(said, "La console du live #1")
    console = await browser.new_page(locale="fr-FR")
    console.set_default_timeout(TIMEOUT)
    await console.goto(link_on(world.dc.message_of(said)))
    await console.locator("#queue li", has_text="Et la pluie ?").wait_for()
    await console.keyboard.press("j")
    await console.keyboard.press("a")
    await console.locator("#approved li").first.wait_for()
    hugo = world.dc.person(HUGO)
    answered(await hugo.types("golive", live=1), "#1")
    answered(await hugo.types("next", live=1), "Q")
    await console.locator("#on-air li").first.wait_for()
    assert await audited(console) == ""

    await console.click("#overlay-new")
    await console.locator("#overlay-url").wait_for()
    assert await audited(console) == ""  # the link field it shows is labelled too
    overlay = await browser.new_page(locale="en-GB")
    overlay.set_default_timeout(TIMEOUT)
    await overlay.goto(await console.input_value("#overlay-url"))
    await overlay.locator("#question").wait_for()
    assert await audited(overlay) == ""

    host_said = await hugo.types("console", live=1)
    host = await browser.new_page(locale="fr-FR")
    host.set_default_timeout(TIMEOUT)
    await host.goto(link_on(world.dc.message_of(host_said)))
    await host.locator("#on-air li").first.wait_for()
    assert await audited(host) == ""

    refused = await browser.new_page(locale="fr-FR")
    url = link_on(world.dc.message_of(said))
    await refused.goto(url.replace("/console/1/", "/console/2/"))
    assert await audited(refused) == ""
