"""The Discord button of a public page (issue 15): `/setup public` on Discord makes a permanent
invite when the bot holds Create Instant Invite in the announcements channel, and says what is
missing (and the `invite=` way) when it does not; the page then offers the invite."""

from __future__ import annotations

import aiohttp

from tests.adapters.both.world import World, link_both
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import GUILD, OLGA
from tests.fakes.discord_state import BOT_DEFAULT_PERMISSIONS, CREATE_INSTANT_INVITE


async def test_setup_makes_the_invite_the_public_page_offers(world: World) -> None:
    await link_both(world)
    olga = world.dc.person(OLGA)
    said = answered(await olga.types("setup", public=True, parts=2), "Page publique")
    assert "permission « Créer une invitation »" in said and "setup:" in said
    assert world.dc.fake.invites == {}
    world.dc.fake.set_bot_permissions(GUILD, BOT_DEFAULT_PERMISSIONS | CREATE_INSTANT_INVITE)
    said = answered(await olga.types("setup", public=True, parts=2), "invitation permanente")
    (code,) = world.dc.fake.invites
    assert f"https://discord.gg/{code}" in said
    assert world.dc.fake.invites[code]["max_age"] == 0  # permanent: the page keeps it
    answered(await olga.types("setup", public=True), "Page publique")
    assert len(world.dc.fake.invites) == 1  # made once, then kept
    await scheduled(world.dc)
    base = world.app.core.config.public_url
    async with aiohttp.ClientSession() as client, client.get(f"{base}/c/1/1") as got:
        page = await got.text()
    assert f'class="button discord" href="https://discord.gg/{code}"' in page
