"""What each calendar feed holds, read from storage; the web adapter writes it as iCalendar.

Feeds are fetched by calendar programs every few minutes to hours, by every subscriber, and
writing 500 events takes a good part of a second: the adapter keeps what it wrote under the
feed's `key` and writes again only when the key changes. A key is cheap to read (one aggregate
for a community, the member's sign-ups for a person) and changes whenever what the feed would
say changes: a live added, moved, renamed, cancelled (revisions only rise), a sign-up, a new
reminder setting, and at least every hour (host's names, lives leaving the 30-day window).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.calendar.links import live_signature, signature_ok
from bot.core.calendar.repositories import Shown
from bot.core.console.tokens import new_secret
from bot.core.context import CoreConfig, locale_for
from bot.core.delivery.planning import offsets
from bot.core.ports import Clock, Store, UnitOfWork
from bot.domain.model import Community, LiveStatus, SignupStatus

PAST = timedelta(days=30)  # ended lives stay this long: a calendar keeps last month's events
LIMIT = 500  # events in one feed at most
KEY_NAME = "calendar"


@dataclass(frozen=True)
class Event:
    """One live as a calendar shows it."""

    shown: Shown
    zone: str  # its community's time zone, in which it was scheduled
    alarms: tuple[timedelta, ...] = ()  # before the start
    tentative: bool = False  # on the waiting list


@dataclass(frozen=True)
class Feed:
    key: str  # what the adapter caches the written feed under
    name: str
    locale: str
    events: tuple[Event, ...] = ()


def _hour(now: datetime) -> str:
    return now.strftime("%Y%m%d%H")


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


async def community_key(store: Store, clock: Clock, community_id: int) -> str | None:
    """The key of a public community's feed; None when there is no such public community."""
    now = clock.now()

    async def work(uow: UnitOfWork) -> str | None:
        community = await uow.communities.get(community_id)
        if community is None or not community.public:
            return None
        version = await uow.calendars.version(community_id, now - PAST)
        return _digest("c", community, version, _hour(now))

    return await store.run(work)


async def community_feed(store: Store, clock: Clock, community_id: int) -> Feed | None:
    now = clock.now()

    async def work(uow: UnitOfWork) -> Feed | None:
        community = await uow.communities.get(community_id)
        if community is None or not community.public:
            return None
        version = await uow.calendars.version(community_id, now - PAST)
        found = await uow.calendars.window(community_id, now - PAST, now, LIMIT)
        shown = await uow.calendars.shown(found)
        events = tuple(Event(s, community.timezone) for s in shown)
        key = _digest("c", community, version, _hour(now))
        return Feed(key, community.name, community.language, events)

    return await store.run(work)


async def member_key(
    store: Store, clock: Clock, config: CoreConfig, token: str
) -> tuple[str, int] | None:
    """The key of the feed this token opens and its member; None: not a token of ours."""
    now = clock.now()

    async def work(uow: UnitOfWork) -> tuple[str, int] | None:
        member_id = await uow.calendars.owner(token)
        if member_id is None:
            return None
        return await _member_key(uow, config, member_id, now), member_id

    return await store.run(work)


async def _member_key(uow: UnitOfWork, config: CoreConfig, member_id: int, now: datetime) -> str:
    """One aggregate, not the rows: the key is read at every fetch of the feed. The member's
    communities' settings (their reminders) count too, through their rows."""
    member = await uow.members.get(member_id)
    versions = await uow.calendars.member_version(member_id, now - PAST)
    communities = await uow.communities.communities_of(member_id)
    rows = [await uow.communities.get(c) for c in communities]
    return _digest("m", member, versions, rows, config.language, _hour(now))


async def member_feed(
    store: Store, clock: Clock, config: CoreConfig, member_id: int
) -> Feed | None:
    """The lives the member signed up for (the waiting list as tentative, without alarms),
    with alarms at the member's own reminder offsets, else their community's."""
    now = clock.now()

    async def work(uow: UnitOfWork) -> Feed | None:
        member = await uow.members.get(member_id)
        if member is None:
            return None
        mine = await uow.calendars.signed_up(member_id, now - PAST, LIMIT)
        shown = await uow.calendars.shown([live for live, _ in mine])
        communities: dict[int, Community] = {}
        for community_id in sorted({live.community_id for live, _ in mine}):
            found = await uow.communities.get(community_id)
            if found is not None:
                communities[community_id] = found
        events = []
        for s, (_, status) in zip(shown, mine, strict=True):
            community = communities.get(s.live.community_id)
            if community is None:
                continue
            waiting = status is SignupStatus.WAITLISTED
            alarms = () if waiting else tuple(o for _, o in offsets(member, community))
            events.append(Event(s, community.timezone, alarms, waiting))
        first = next(iter(communities.values()), None)
        locale = locale_for(member, first, config)
        key = await _member_key(uow, config, member_id, now)
        return Feed(key, member.display_name, locale, tuple(events))

    return await store.run(work)


async def live_feed(
    store: Store, clock: Clock, live_id: int, *, signature: str | None = None
) -> Feed | None:
    """One live as a file: by its signed address (any community), or, without a signature,
    only a published live of a public community. None: nothing to show (and nothing said)."""
    now = clock.now()

    async def work(uow: UnitOfWork) -> Feed | None:
        live = await uow.lives.get(live_id)
        if live is None or live.status is LiveStatus.DRAFT:
            return None
        community = await uow.communities.get(live.community_id)
        if community is None:
            return None
        if signature is None:
            if not community.public:
                return None
        elif not signature_ok(await signing_key(uow, now), live_id, signature):
            return None
        (shown,) = await uow.calendars.shown([live])
        key = _digest("l", live, shown, community, _hour(now))
        return Feed(key, live.title, community.language, (Event(shown, community.timezone),))

    return await store.run(work)


async def signing_key(uow: UnitOfWork, now: datetime) -> str:
    """Made the first time it is asked for, then kept (as the console's)."""
    return await uow.console.key(KEY_NAME, new_secret(), now)


async def live_file_signature(uow: UnitOfWork, live_id: int, now: datetime) -> str:
    return live_signature(await signing_key(uow, now), live_id)
