"""What `solidaire doctor` asks Discord's REST API: who the token is, and what the bot may do in
each channel a community gave it, read the way Discord computes it (the server's roles, then the
channel's overwrites), against what it needs there (the same lists `/setup` checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bot.adapters.discord.roles import ANNOUNCE_NEEDS, MODERATION_NEEDS

OFFICIAL = "https://discord.com/api/v10"
ALL = discord.Permissions.all().value


class Refused(Exception):
    """Discord answered the call with an error status (`status`, its message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"{status} {message}")
        self.status = status


def needed(role: str) -> int:
    names = ANNOUNCE_NEEDS if role == "announce" else MODERATION_NEEDS
    return discord.Permissions(**dict.fromkeys(names, True)).value


def names_of(value: int) -> list[str]:
    """The flags set in `value` by discord.py's names, in the order the needs are listed."""
    have = discord.Permissions(value)
    order = (*ANNOUNCE_NEEDS, *(n for n, _ in discord.Permissions.all() if n not in ANNOUNCE_NEEDS))
    return [name for name in order if getattr(have, name)]


def channel_permissions(
    guild: dict[str, Any], member: dict[str, Any], channel: dict[str, Any], user_id: str
) -> int:
    """Discord's own computation: base permissions from @everyone and the member's roles
    (everything for the owner or an administrator), then the channel's overwrites for
    @everyone, for the member's roles together, and for the member."""
    if str(guild.get("owner_id")) == user_id:
        return ALL
    roles = {str(r["id"]): int(r["permissions"]) for r in guild.get("roles", [])}
    guild_id = str(guild["id"])
    member_roles = {str(r) for r in member.get("roles", [])}
    base = roles.get(guild_id, 0)
    for role_id in member_roles:
        base |= roles.get(role_id, 0)
    if base & discord.Permissions(administrator=True).value:
        return ALL
    overwrites = {str(o["id"]): o for o in channel.get("permission_overwrites") or []}

    def apply(value: int, allow: int, deny: int) -> int:
        return (value & ~deny) | allow

    if (everyone := overwrites.get(guild_id)) is not None:
        base = apply(base, int(everyone["allow"]), int(everyone["deny"]))
    allow = deny = 0
    for role_id in member_roles:
        if (over := overwrites.get(role_id)) is not None:
            allow |= int(over["allow"])
            deny |= int(over["deny"])
    base = apply(base, allow, deny)
    if (own := overwrites.get(user_id)) is not None:
        base = apply(base, int(own["allow"]), int(own["deny"]))
    return base


@dataclass
class DiscordApi:
    session: aiohttp.ClientSession
    token: str
    base: str = OFFICIAL

    async def get(self, path: str) -> dict[str, Any]:
        headers = {"Authorization": f"Bot {self.token}", "User-Agent": "Solidaire doctor"}
        async with self.session.get(f"{self.base.rstrip('/')}{path}", headers=headers) as got:
            body = await got.json(content_type=None)
            if got.status >= 400:
                message = body.get("message", "") if isinstance(body, dict) else ""
                raise Refused(got.status, message or got.reason or "")
            assert isinstance(body, dict), body
            return body


@dataclass(frozen=True)
class ChannelCheck:
    channel_id: str
    channel_name: str
    needed: int
    have: int

    @property
    def missing(self) -> int:
        return self.needed & ~self.have


async def check_guild(
    api: DiscordApi, bot_id: str, guild_id: str, channels: list[tuple[str, str]]
) -> list[ChannelCheck] | None:
    """Each (channel id, role) of the guild checked; None when the bot is not a member."""
    guild = await api.get(f"/guilds/{guild_id}")
    try:
        member = await api.get(f"/guilds/{guild_id}/members/{bot_id}")
    except Refused as refused:
        if refused.status == 404:
            return None
        raise
    out = []
    for channel_id, role in channels:
        channel = await api.get(f"/channels/{channel_id}")
        have = channel_permissions(guild, member, channel, bot_id)
        out.append(
            ChannelCheck(channel_id, str(channel.get("name", channel_id)), needed(role), have)
        )
    return out
