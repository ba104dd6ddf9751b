"""What a community's public schedule page shows: its upcoming lives and one page per live.

Public means anyone on the internet: only a community that opted in (`/setup public=yes`), only
published lives, and of people only counts and the hosts' names. Anything else (no such
community, a private one, a draft, a live of another community) is None: the adapter answers
the same short "not found" to all of them, so a page discloses nothing about what it hides.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.calendar.repositories import Shown
from bot.core.ports import Clock, Store, UnitOfWork
from bot.domain.model import Community, LiveStatus, SpaceRole

PAGE_SIZE = 20  # lives on one page of the schedule


@dataclass(frozen=True)
class Public:
    community: Community
    platforms: frozenset[str]  # where its announce spaces are: the page's join buttons
    lives: tuple[Shown, ...]
    total: int = 0  # upcoming lives in all (the schedule's pages)
    page: int = 0


async def _community(uow: UnitOfWork, community_id: int) -> tuple[Community, frozenset[str]] | None:
    community = await uow.communities.get(community_id)
    if community is None or not community.public:
        return None
    spaces = await uow.communities.spaces(community_id, SpaceRole.ANNOUNCE)
    return community, frozenset(s.platform for s in spaces if s.active)


async def schedule(store: Store, clock: Clock, community_id: int, page: int) -> Public | None:
    now = clock.now()

    async def work(uow: UnitOfWork) -> Public | None:
        found = await _community(uow, community_id)
        if found is None:
            return None
        community, platforms = found
        lives, total = await uow.calendars.upcoming(community_id, now, page * PAGE_SIZE, PAGE_SIZE)
        shown = await uow.calendars.shown(lives)
        return Public(community, platforms, tuple(shown), total, page)

    return await store.run(work)


async def wants_invite(store: Store, community_id: int) -> bool:
    """A public community whose page has no Discord invite yet: the bot may make one."""

    async def work(uow: UnitOfWork) -> bool:
        community = await uow.communities.get(community_id)
        return community is not None and community.public and community.invite is None

    return await store.run(work)


async def keep_invite(store: Store, community_id: int, url: str) -> None:
    await store.run(lambda uow: uow.communities.update(community_id, invite=url))


async def one_live(store: Store, community_id: int, live_id: int) -> Public | None:
    async def work(uow: UnitOfWork) -> Public | None:
        found = await _community(uow, community_id)
        live = await uow.lives.get(live_id)
        if found is None or live is None:
            return None
        if live.community_id != community_id or live.status is LiveStatus.DRAFT:
            return None
        community, platforms = found
        return Public(community, platforms, tuple(await uow.calendars.shown([live])), 1)

    return await store.run(work)
