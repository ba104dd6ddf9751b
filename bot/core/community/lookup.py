"""Finding the member an argument names: `@username`, a platform id, or a Discord-style mention."""

from __future__ import annotations

import re

from bot.core.context import Context
from bot.domain.model import Member, UserRef

_MENTION = re.compile(r"<@!?([0-9]+)>")


async def find_member(ctx: Context, text: str) -> Member | None:
    """Looks on the caller's platform only: ids of one platform mean nothing on another."""
    platform = ctx.member.platform
    wanted = text.strip()
    mention = _MENTION.fullmatch(wanted)
    if mention:
        wanted = mention.group(1)
    if wanted.startswith("@"):
        return await ctx.uow.members.by_username(platform, wanted[1:])
    if not wanted:
        return None
    found = await ctx.uow.members.by_ref(UserRef(platform, wanted))
    return found or await ctx.uow.members.by_username(platform, wanted)


async def need_member(ctx: Context, name: str = "member") -> Member:
    """The member of this community named by the argument, refused as unknown otherwise.

    Someone the bot has never seen in this community is unknown, so a typo never mutes, hosts
    or co-hosts a stranger.
    """
    raw = ctx.need(name)
    found = await find_member(ctx, raw)
    if found is None or ctx.community_id not in await ctx.uow.communities.communities_of(found.id):
        ctx.refuse("error.unknown_member", member=raw[:64])
    return found
