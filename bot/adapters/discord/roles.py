"""Roles on Discord are facts of the interaction: the member's permissions in the channel and
the roles they hold, read against the roles `/setup` chose for the server.

Also what `/setup` checks of the bot itself: the permissions it needs in the channels it
was given, said in plain words when one is missing.
"""

from __future__ import annotations

import discord

from bot.core.messages import OutMessage, Raw, Text
from bot.domain.model import Role, Space
from bot.i18n.catalog import render

# What the bot needs where it posts announcements (with their thread and their event)...
ANNOUNCE_NEEDS = (
    "view_channel",
    "send_messages",
    "embed_links",
    "create_public_threads",
    "send_messages_in_threads",
    "manage_events",
)
# ...and where it posts moderation cards.
MODERATION_NEEDS = ("view_channel", "send_messages", "embed_links")


def facts(
    permissions: discord.Permissions, role_ids: set[int], space: Space | None
) -> frozenset[Role]:
    """Manage Server makes an organizer; Manage Events or the host role a host; Manage
    Messages or the moderator role a moderator."""
    out: set[Role] = set()
    if permissions.manage_guild or permissions.administrator:
        out.add(Role.ORGANIZER)
    if permissions.manage_events or _holds(role_ids, space.host_role if space else None):
        out.add(Role.HOST)
    if permissions.manage_messages or _holds(role_ids, space.moderator_role if space else None):
        out.add(Role.MODERATOR)
    return frozenset(out)


def _holds(role_ids: set[int], wanted: str | None) -> bool:
    return wanted is not None and wanted.isdigit() and int(wanted) in role_ids


def member_facts(
    interaction: discord.Interaction[discord.Client], space: Space | None
) -> frozenset[Role]:
    user = interaction.user
    if not isinstance(user, discord.Member):
        return frozenset()  # in private messages nobody holds a server role
    return facts(interaction.permissions, {r.id for r in user.roles}, space)


def missing_permissions(guild: discord.Guild, space: Space, locale: str) -> list[OutMessage]:
    """One message per configured channel where the bot lacks something it needs."""
    out = []
    wanted = (
        (space.announce_channel, ANNOUNCE_NEEDS),
        (space.moderation_channel, MODERATION_NEEDS),
    )
    for channel_id, needs in wanted:
        channel = (
            guild.get_channel(int(channel_id)) if channel_id and channel_id.isdigit() else None
        )
        if channel is None:
            continue
        have = channel.permissions_for(guild.me)
        lacking = [name for name in needs if not getattr(have, name)]
        if lacking:
            names = ", ".join(render_permission(locale, name) for name in lacking)
            params = {"channel": Raw(f"<#{channel.id}>"), "permissions": Raw(names)}
            out.append(OutMessage(Text(locale, "discord.setup.missing", params)))
    return out


def render_permission(locale: str, name: str) -> str:
    return render(Text(locale, f"discord.permission.{name}"))
