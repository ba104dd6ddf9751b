"""The Discord invite a public community's page offers (issue 15): made by the bot itself when
`/setup` turns the page on and it holds Create Instant Invite in the announcements channel (a
permanent invite, one for all), else `/setup` says what is missing and that an organizer may give
one with `invite=`."""

from __future__ import annotations

import logging

import discord

from bot.core.calendar.public import keep_invite, wants_invite
from bot.core.dispatcher import Core
from bot.core.messages import OutMessage, Raw, Text
from bot.domain.model import Space

log = logging.getLogger(__name__)


async def offer_invite(
    core: Core, guild: discord.Guild, space: Space, locale: str
) -> list[OutMessage]:
    if space.announce_channel is None or not await wants_invite(core.store, space.community_id):
        return []
    channel = guild.get_channel(int(space.announce_channel))
    if not isinstance(channel, discord.TextChannel):
        return []
    if not channel.permissions_for(guild.me).create_instant_invite:
        return [OutMessage(Text(locale, "discord.setup.no_invite"))]
    try:
        invite = await channel.create_invite(
            max_age=0, max_uses=0, unique=False, reason="Solidaire: the community's public page"
        )
    except discord.HTTPException as error:
        log.info("no invite for the public page of community %s: %s", space.community_id, error)
        return [OutMessage(Text(locale, "discord.setup.no_invite"))]
    await keep_invite(core.store, space.community_id, invite.url)
    return [OutMessage(Text(locale, "discord.setup.invite_made", {"url": Raw(invite.url)}))]
