"""What the bot owes and when: reminders, "starting soon", the host's nudge, the automatic end.

Each is a ledger row with a unique key before anything is sent; the key carries the live's start
so that moving a live owes fresh reminders while a reminder already sent is never sent again.
The sender (`outbox.py`) decides at send time what is still worth sending.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.calendar.links import public_links
from bot.core.context import CoreConfig, destinations, reach
from bot.core.delivery.ledger import Owed
from bot.core.delivery.payloads import dump_message, recipe
from bot.core.delivery.vocabulary import (
    CORE_PLATFORM,
    Kind,
    auto_end_key,
    event_key,
    late_answer_key,
    nudge_key,
    reminder_key_parts,
    soon_key,
)
from bot.core.lives import views
from bot.core.messages import Destination, OutMessage, Reply, Request, Text
from bot.core.ports import UnitOfWork
from bot.domain.model import Community, Live, LiveStatus, Member, SignupStatus, SpaceRole
from bot.domain.when import LengthError, parse_length

TIMED = (Kind.REMINDER, Kind.SOON, Kind.NUDGE, Kind.AUTO_END)
SOON_BEFORE = timedelta(minutes=15)
NUDGE_AFTER = timedelta(minutes=15)
AUTO_END_AFTER = timedelta(hours=2)
EDIT_SPACING = timedelta(seconds=3)  # at most one edit of an announcement this often
# An event exists only for lives in the next 30 days (Discord's advice, and its cap of 100
# events a server fills up otherwise).
EVENT_AHEAD = timedelta(days=30)
# Messages of a live that go in the thread opened on its announcement, where a platform has one.
IN_THREAD = frozenset({Kind.REMINDER, Kind.SOON, Kind.ON_AIR})


def offsets(member: Member, community: Community) -> list[tuple[str, timedelta]]:
    """The member's reminder offsets, else the community's; unreadable ones are skipped."""
    return list(_readable(tuple(member.reminders or community.reminders)))


@lru_cache(maxsize=64)
def _readable(labels: tuple[str, ...]) -> tuple[tuple[str, timedelta], ...]:
    """`offsets` of a list of labels, parsed once (every sign-up reads the same few lists)."""
    out = []
    for label in labels:
        try:
            out.append((label, parse_length(label)))
        except LengthError:
            continue
    return tuple(out)


# What every confirmed member of a live is owed alike, per offset: (key before the member id,
# key after it, due time, payload). Built once per live, start and list of offsets: a crowd of
# sign-ups made the same keys, times and payloads again for each member (the live's start is
# in the cache key, so a moved live gets fresh ones; only the member part differs per row).
# Its zone too: equal instants in two zones are equal keys, but their keys and due times are
# not written alike (the lives read from the database are all in UTC).
Shared = tuple[tuple[str, str, datetime, Mapping[str, Any]], ...]


@lru_cache(maxsize=256)
def _reminders_of(
    live_id: int, starts_at: datetime, zone: tzinfo | None, labels: tuple[str, ...]
) -> Shared:
    return tuple(
        (*reminder_key_parts(live_id, label, starts_at), starts_at - offset, _payload(label))
        for label, offset in _readable(labels)
    )


@lru_cache(maxsize=64)
def _payload(label: str) -> Mapping[str, Any]:
    # Read-only: one mapping shared by every row owed for this offset.
    return MappingProxyType(recipe(Kind.REMINDER, offset=label))


async def plan_member(
    uow: UnitOfWork,
    config: CoreConfig,
    community: Community,
    live: Live,
    who: Member | int,
    now: datetime,
) -> int:
    """Owes a confirmed member their reminders; times already past are not owed (the
    confirmation said when it starts). Returns how many were planned."""
    member = who if isinstance(who, Member) else await uow.members.get(who)
    if member is None or live.status is not LiveStatus.SCHEDULED:
        return 0
    # Where it goes is decided now; its words when it is sent (the member may have changed
    # language or time zone by then).
    dest = await reach(uow, member, community, config.capabilities)
    labels = tuple(member.reminders or community.reminders)
    member_id, live_id, starts_at = member.id, live.id, live.starts_at
    owed = [
        Owed(f"{head}{member_id}{tail}", Kind.REMINDER, due, dest, payload, member_id, live_id)
        for head, tail, due, payload in _reminders_of(live_id, starts_at, starts_at.tzinfo, labels)
        if due > now
    ]
    await uow.deliveries.plan_many(owed)  # one statement for all of them
    return len(owed)


async def plan_live(
    uow: UnitOfWork, config: CoreConfig, community: Community, live: Live, now: datetime
) -> None:
    """Owes the live's own timed messages: "starting soon" everywhere, the host's nudge if
    nobody went live, and the automatic end."""
    if live.status is not LiveStatus.SCHEDULED:
        return
    if live.starts_at - SOON_BEFORE > now:
        for space_id, dest in await destinations(uow, community.id, SpaceRole.ANNOUNCE):
            key = soon_key(live.id, space_id, live.starts_at)
            due = live.starts_at - SOON_BEFORE
            await uow.deliveries.plan(key, Kind.SOON, due, dest, recipe(Kind.SOON), None, live.id)
    for host_id in await uow.lives.hosts(live.id):
        host = await uow.members.get(host_id)
        if host is None:
            continue
        key = nudge_key(live.id, host_id, live.starts_at)
        dest = await reach(uow, host, community, config.capabilities)
        due = live.starts_at + NUDGE_AFTER
        await uow.deliveries.plan(key, Kind.NUDGE, due, dest, recipe(Kind.NUDGE), host_id, live.id)
    await plan_events(uow, config, community, live, now)
    end_at = live.ends_at + AUTO_END_AFTER
    key = auto_end_key(live.id, live.starts_at)
    here = Destination(CORE_PLATFORM, str(live.id), False)
    await uow.deliveries.plan(key, Kind.AUTO_END, end_at, here, {}, None, live.id)  # no words


async def plan_events(
    uow: UnitOfWork, config: CoreConfig, community: Community, live: Live, now: datetime
) -> None:
    """Owes the live's event in each space whose platform keeps a calendar, 30 days ahead at
    most. The key has no start time: once created, the event follows the live's changes (see
    the sender's refresh); one not created yet moves with the live."""
    for space in await uow.communities.spaces(community.id, SpaceRole.ANNOUNCE):
        if not config.offers(space.platform).calendar:
            continue
        due = max(now, live.starts_at - EVENT_AHEAD)
        dest = Destination(space.platform, space.external_id, private=False)
        key = event_key(live.id, space.id)
        await uow.deliveries.plan(key, Kind.EVENT, due, dest, {}, None, live.id)


async def plan_all(
    uow: UnitOfWork, config: CoreConfig, community: Community, live: Live, now: datetime
) -> None:
    """Everything a scheduled live owes: its own messages and each confirmed member's."""
    await plan_live(uow, config, community, live, now)
    for member_id in await uow.signups.member_ids(live.id, [SignupStatus.CONFIRMED]):
        await plan_member(uow, config, community, live, member_id, now)


async def unplan_member(uow: UnitOfWork, live: Live, member_id: int, now: datetime) -> None:
    await uow.deliveries.expire(live.id, [Kind.REMINDER], "left", now, member_id=member_id)


async def unplan_live(uow: UnitOfWork, live: Live, reason: str, now: datetime) -> None:
    """A cancelled or moved live owes none of its timed messages any more."""
    await uow.deliveries.expire(live.id, TIMED, reason, now)


async def refresh_announcements(uow: UnitOfWork, live: Live, now: datetime) -> None:
    """Seats or status changed: owe an update of the live's announcements, a few seconds on, so
    a burst of sign-ups makes one edit. The sender builds the state it finds then: latest wins."""
    await uow.deliveries.plan_refresh(live.id, now + EDIT_SPACING)


async def current_announcement(
    uow: UnitOfWork, live_id: int, public_url: str | None = None
) -> OutMessage | None:
    """The announcement of a live as it should read now (seats left, status); `public_url`:
    the bot's web address, for a public community's page and calendar links."""
    live = await uow.lives.get(live_id)
    community = await uow.communities.get(live.community_id) if live is not None else None
    if live is None or community is None:
        return None
    counts = await uow.signups.counts(live.id)
    names = await views.host_names(uow, live.id) or "-"
    public = public_links(community.language, public_url, community, live)
    tz = ZoneInfo(community.timezone)
    return views.announcement(community.language, live, tz, counts, names, public)


async def edit_cards(
    uow: UnitOfWork,
    key: str,
    cards: str,
    card: OutMessage,
    now: datetime,
    live_id: int | None = None,
) -> None:
    """A question or a proposal was decided: every card of it (the rows whose keys start with
    `cards`), on every platform, will read as `card` says (the sender finds where they were
    posted when it runs)."""
    dest = Destination(CORE_PLATFORM, cards, private=False)
    await uow.deliveries.plan(key, Kind.CARD_EDIT, now, dest, dump_message(card), None, live_id)


async def owe_late_answer(
    uow: UnitOfWork, req: Request, reply: Reply, locale: str, member_id: int, due: datetime
) -> None:
    """The answer, owed privately once the platform's deadline has passed (unless answered)."""
    first = reply.messages[0]
    late = OutMessage(Text(locale, "answer.late", {"answer": first.text}), first.buttons)
    dest = Destination(req.actor.platform, req.actor.id, private=True)
    await uow.deliveries.add(
        late_answer_key(req.receipt or 0),
        Kind.LATE_ANSWER,
        due,
        dest,
        dump_message(late),
        member_id,
        None,
    )


async def close_unstarted(uow: UnitOfWork, live_id: int, now: datetime) -> bool:
    """A live that never went on air, two hours after its planned end: ended, owing nothing."""
    if not await uow.lives.set_status(live_id, [LiveStatus.SCHEDULED], LiveStatus.ENDED, now):
        return False
    live = await uow.lives.get(live_id)
    assert live is not None
    await unplan_live(uow, live, "ended", now)
    await refresh_announcements(uow, live, now)
    return True
