"""Who a request comes from: the member (recorded as seen), the community of the place they
wrote in (in a private chat: the one they belong to, or the one of the live they name), the
roles they hold there, and the language and time zone to answer them in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.community.repositories import Place
from bot.core.context import Context, CoreConfig, locale_for
from bot.core.fields import parse_live_ref
from bot.core.messages import Request
from bot.core.ports import Clock, Store, UnitOfWork
from bot.domain.model import Community, Member, Role
from bot.i18n.catalog import supported


async def seen(uow: UnitOfWork, req: Request, now: datetime) -> tuple[Member, Place | None]:
    """Records the person (and their membership of the place's community); returns both."""
    member = await uow.members.upsert(
        req.actor, req.display_name or req.actor.id, req.username, req.locale, now, req.dm
    )
    place = None
    if req.space is not None:
        place = await uow.communities.place(req.space.platform, req.space.id, member.id)
    if place is not None and not place.member:  # a known member is not written again
        await uow.communities.add_membership(place.community.id, member.id, now)
    return member, place


async def context(uow: UnitOfWork, req: Request, clock: Clock, config: CoreConfig) -> Context:
    """What the use case gets: the person, where they are, and their roles there."""
    member, place = await seen(uow, req, clock.now())
    if place is not None:
        granted = {Role.HOST} if place.granted_host else set()
        held = frozenset(req.facts | {Role.MEMBER} | granted)
        return Context(req, uow, clock, config, member, place.space, place.community, held)
    community: Community | None = None
    if req.space is None:  # a private chat; a group not linked belongs to no community
        mine = await uow.communities.communities_of(member.id)
        if len(mine) == 1:
            community = await uow.communities.get(mine[0])
    found = await roles_of(uow, req, community, member.id)
    return Context(req, uow, clock, config, member, None, community, found)


async def roles_of(
    uow: UnitOfWork, req: Request, community: Community | None, member_id: int
) -> frozenset[Role]:
    facts = req.facts
    if req.community_facts is not None:
        facts = req.community_facts.get(community.id, frozenset()) if community else frozenset()
    held = set(facts) | {Role.MEMBER}
    if community is not None and await uow.communities.is_granted_host(community.id, member_id):
        held.add(Role.HOST)
    return frozenset(held)


async def community_from_live(ctx: Context) -> None:
    """In a private chat, the live named decides which community we are talking about."""
    live_id = parse_live_ref(ctx.arg("live") or "")
    live = await ctx.uow.lives.get(live_id) if live_id is not None else None
    if live is None:
        return
    ctx.community = await ctx.uow.communities.get(live.community_id)
    ctx.roles = await roles_of(ctx.uow, ctx.req, ctx.community, ctx.member.id)


async def locale_of(store: Store, req: Request, config: CoreConfig) -> str:
    """The language to answer this person in, without changing anything."""
    member, community = await store.run(lambda uow: _who(uow, req))
    if member is None:
        hinted = supported(req.locale)
        return hinted or (community.language if community else config.language)
    return locale_for(member, community, config)


async def zone_of(store: Store, req: Request, config: CoreConfig) -> ZoneInfo:
    """The time zone to show this person dates in, without changing anything."""
    member, community = await store.run(lambda uow: _who(uow, req))
    zone = (member.timezone if member else None) or (community and community.timezone)
    return ZoneInfo(zone or config.timezone)


async def _who(uow: UnitOfWork, req: Request) -> tuple[Member | None, Community | None]:
    member = await uow.members.by_ref(req.actor)
    if req.space is None:
        return member, None
    # The same lookup every command makes; member id 0 matches no host grant (ids start at 1).
    place = await uow.communities.place(
        req.space.platform, req.space.id, member.id if member else 0
    )
    return member, place.community if place else None
