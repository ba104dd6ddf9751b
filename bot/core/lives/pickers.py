"""What a platform's pickers offer while a member types: lives for a `live` field, and the
settings of the space a command comes from (its role ids decide who hosts and moderates).

Read-only and short: Discord wants an autocomplete answer within 3 seconds, so one unit of
work each, over the repositories' existing queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.ports import Store, UnitOfWork
from bot.domain.commands import LiveKind
from bot.domain.model import Live, LiveStatus, Space, UserRef

MAX_CHOICES = 25  # Discord shows at most 25 choices
SCAN = 100  # lives read to pick from: a community rarely has more ahead or just behind it
RECENT = timedelta(days=7)
__all__ = ["LiveKind", "Suggestion", "space_of", "suggest_lives"]

# The lives each picker of a `live` field offers (`bot.domain.commands` says which picker).
_STATUSES = {
    LiveKind.UPCOMING: (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    LiveKind.HOSTED: (LiveStatus.DRAFT, LiveStatus.SCHEDULED, LiveStatus.LIVE),
    LiveKind.RECENT: (LiveStatus.LIVE, LiveStatus.ENDED),
    LiveKind.ON_AIR: (LiveStatus.LIVE,),
}


@dataclass(frozen=True)
class Suggestion:
    live_id: int
    title: str
    starts_at: datetime
    timezone: str  # the community's: the adapter shows the start in it
    status: LiveStatus


async def suggest_lives(
    store: Store,
    platform: str,
    space_id: str | None,
    query: str,
    kind: LiveKind,
    *,
    actor: UserRef,
    now: datetime,
) -> list[Suggestion]:
    """Lives of the space's community (in a private chat: of every community of `actor`)
    whose number starts with, or whose title contains, what was typed; at most 25."""

    async def work(uow: UnitOfWork) -> list[Suggestion]:
        member = await uow.members.by_ref(actor)
        if space_id is not None:
            space = await uow.communities.space(platform, space_id)
            ids = [space.community_id] if space is not None and space.active else []
        else:
            ids = await uow.communities.communities_of(member.id) if member else []
        since = now - RECENT if kind in (LiveKind.RECENT, LiveKind.ON_AIR) else now
        found, _ = await uow.lives.upcoming(ids, since, None, 0, SCAN, _STATUSES[kind])
        if kind is LiveKind.RECENT:
            found.reverse()  # the latest first: that is the one being run
        zones = {}
        for community_id in ids:
            community = await uow.communities.get(community_id)
            if community is not None:
                zones[community_id] = community.timezone
        out = []
        for live in found:
            if not _matches(live, query):
                continue
            if live.status is LiveStatus.DRAFT and (
                member is None or member.id not in await uow.lives.hosts(live.id)
            ):
                continue  # a draft is seen by its hosts only
            tz = zones.get(live.community_id, "UTC")
            out.append(Suggestion(live.id, live.title, live.starts_at, tz, live.status))
            if len(out) == MAX_CHOICES:
                break
        return out

    return await store.run(work)


def _matches(live: Live, query: str) -> bool:
    wanted = query.strip().lstrip("#").casefold()
    if not wanted:
        return True
    if wanted.isdigit():
        return str(live.id).startswith(wanted)
    return wanted in live.title.casefold()


async def space_of(store: Store, platform: str, external_id: str) -> Space | None:
    """The active space with that external id (a Discord server), or None."""

    async def work(uow: UnitOfWork) -> Space | None:
        space = await uow.communities.space(platform, external_id)
        return space if space is not None and space.active else None

    return await store.run(work)
