"""Members named in moderation commands, and how a member's name shows once they are gone."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import Param, Text


async def display_name(ctx: Context, member_id: int | None, locale: str) -> Param:
    """The member's name as user text, or "deleted member" once they used /forgetme."""
    member = await ctx.uow.members.get(member_id) if member_id is not None else None
    if member is None:
        return Text(locale, "member.deleted")
    return member.display_name
