"""What the bot owes and when: reminders, "starting soon", the host's nudge, the automatic end.

Each is a ledger row with a unique key before anything is sent; the key carries the live's start
so that moving a live owes fresh reminders while a reminder already sent is never sent again.
The sender (`outbox.py`) decides at send time what is still worth sending.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import CoreConfig, destinations, reach
from bot.core.delivery.payloads import dump_message, recipe
from bot.core.lives import views
from bot.core.messages import Destination, OutMessage
from bot.core.ports import UnitOfWork
from bot.domain.model import Community, Live, LiveStatus, Member, SignupStatus, SpaceRole
from bot.domain.when import LengthError, parse_length

REMINDER = "reminder"
SOON = "soon"
NUDGE = "nudge"
AUTO_END = "auto_end"
TIMED = (REMINDER, SOON, NUDGE, AUTO_END)
SOON_BEFORE = timedelta(minutes=15)
NUDGE_AFTER = timedelta(minutes=15)
AUTO_END_AFTER = timedelta(hours=2)
REFRESH = "refresh"
ANNOUNCEMENT = "announcement"
EDIT_SPACING = timedelta(seconds=3)  # at most one edit of an announcement this often
CORE_PLATFORM = "core"  # rows the process acts on itself (the automatic end), never sent
CARD_EDIT = "card_edit"  # every moderation card of a question, edited once it is decided
EVENT = "event"  # the live in a platform's own calendar (a Discord Scheduled Event)
LATE_ANSWER = "late_answer"  # the answer to a press the platform no longer takes
# Sent before anything else due: a member is waiting for these, while a reminder may be a few
# seconds late without harm (a fan-out of 2,000 reminders takes a minute at 30/s).
URGENT = (REFRESH, CARD_EDIT, LATE_ANSWER)
# Platforms whose spaces keep a calendar of their own; an event exists only for lives in the
# next 30 days (Discord's advice, and its cap of 100 events a server fills up otherwise).
CALENDAR_PLATFORMS = frozenset({"discord"})
EVENT_AHEAD = timedelta(days=30)
# Messages of a live that go in the thread opened on its announcement, where a platform has one.
IN_THREAD = frozenset({"reminder", "soon", "on_air"})


def _stamp(live: Live) -> str:
    return live.starts_at.strftime("%Y%m%dT%H%MZ")


def offsets(member: Member, community: Community) -> list[tuple[str, timedelta]]:
    """The member's reminder offsets, else the community's; unreadable ones are skipped."""
    out = []
    for label in member.reminders or community.reminders:
        try:
            out.append((label, parse_length(label)))
        except LengthError:
            continue
    return out


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
    dest = await reach(uow, member, community)
    planned = 0
    for label, offset in offsets(member, community):
        due = live.starts_at - offset
        if due <= now:
            continue
        row_key = f"reminder:live={live.id}:member={member.id}:offset={label}:start={_stamp(live)}"
        payload = recipe(REMINDER, offset=label)
        await uow.deliveries.plan(row_key, REMINDER, due, dest, payload, member.id, live.id)
        planned += 1
    return planned


async def plan_live(
    uow: UnitOfWork, config: CoreConfig, community: Community, live: Live, now: datetime
) -> None:
    """Owes the live's own timed messages: "starting soon" everywhere, the host's nudge if
    nobody went live, and the automatic end."""
    if live.status is not LiveStatus.SCHEDULED:
        return
    if live.starts_at - SOON_BEFORE > now:
        for space_id, dest in await destinations(uow, community.id, SpaceRole.ANNOUNCE):
            key = f"soon:live={live.id}:space={space_id}:start={_stamp(live)}"
            await uow.deliveries.plan(
                key, SOON, live.starts_at - SOON_BEFORE, dest, recipe(SOON), None, live.id
            )
    for host_id in await uow.lives.hosts(live.id):
        host = await uow.members.get(host_id)
        if host is None:
            continue
        key = f"nudge:live={live.id}:member={host_id}:start={_stamp(live)}"
        dest = await reach(uow, host, community)
        await uow.deliveries.plan(
            key, NUDGE, live.starts_at + NUDGE_AFTER, dest, recipe(NUDGE), host_id, live.id
        )
    await plan_events(uow, community, live, now)
    end_at = live.ends_at + AUTO_END_AFTER
    key = f"autoend:live={live.id}:start={_stamp(live)}"
    here = Destination(CORE_PLATFORM, str(live.id), False)
    await uow.deliveries.plan(key, AUTO_END, end_at, here, {}, None, live.id)  # nothing to say


async def plan_events(uow: UnitOfWork, community: Community, live: Live, now: datetime) -> None:
    """Owes the live's event in each calendar-keeping space, 30 days ahead at most. The key has
    no start time: once created, the event follows the live's changes (see the sender's
    refresh); one not created yet moves with the live."""
    for space in await uow.communities.spaces(community.id, SpaceRole.ANNOUNCE):
        if space.platform not in CALENDAR_PLATFORMS:
            continue
        due = max(now, live.starts_at - EVENT_AHEAD)
        dest = Destination(space.platform, space.external_id, private=False)
        key = f"event:live={live.id}:space={space.id}"
        await uow.deliveries.plan(key, EVENT, due, dest, {}, None, live.id)


async def plan_all(
    uow: UnitOfWork, config: CoreConfig, community: Community, live: Live, now: datetime
) -> None:
    """Everything a scheduled live owes: its own messages and each confirmed member's."""
    await plan_live(uow, config, community, live, now)
    for member_id in await uow.signups.member_ids(live.id, [SignupStatus.CONFIRMED]):
        await plan_member(uow, config, community, live, member_id, now)


async def unplan_member(uow: UnitOfWork, live: Live, member_id: int, now: datetime) -> None:
    await uow.deliveries.expire(live.id, [REMINDER], "left", now, member_id=member_id)


async def unplan_live(uow: UnitOfWork, live: Live, reason: str, now: datetime) -> None:
    """A cancelled or moved live owes none of its timed messages any more."""
    await uow.deliveries.expire(live.id, TIMED, reason, now)


async def refresh_announcements(uow: UnitOfWork, live: Live, now: datetime) -> None:
    """Seats or status changed: owe an update of the live's announcements, a few seconds on, so
    a burst of sign-ups makes one edit. The sender builds the state it finds then: latest wins."""
    await uow.deliveries.plan_refresh(live.id, now + EDIT_SPACING)


async def current_announcement(uow: UnitOfWork, live_id: int) -> OutMessage | None:
    """The announcement of a live as it should read now (seats left, status)."""
    live = await uow.lives.get(live_id)
    community = await uow.communities.get(live.community_id) if live is not None else None
    if live is None or community is None:
        return None
    counts = await uow.signups.counts(live.id)
    names = await views.host_names(uow, live.id) or "-"
    return views.announcement(community.language, live, ZoneInfo(community.timezone), counts, names)


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
    await uow.deliveries.plan(key, CARD_EDIT, now, dest, dump_message(card), None, live_id)
