"""Members named in moderation commands, and how a member's name shows once they are gone."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.lookup import find_member
from bot.core.messages import Param, Text
from bot.domain.model import Member


async def member_arg(ctx: Context, name: str = "member") -> Member:
    """The member of this community named by the argument, refused as unknown otherwise.

    Someone the bot has never seen in this community is unknown, so a typo never mutes a stranger.
    """
    raw = ctx.need(name)
    found = await find_member(ctx, raw)
    if found is None or ctx.community_id not in await ctx.uow.communities.communities_of(found.id):
        ctx.refuse("error.unknown_member", member=raw[:64])
    return found


async def display_name(ctx: Context, member_id: int | None, locale: str) -> Param:
    """The member's name as user text, or "deleted member" once they used /forgetme."""
    member = await ctx.uow.members.get(member_id) if member_id is not None else None
    if member is None:
        return Text(locale, "member.deleted")
    return member.display_name
