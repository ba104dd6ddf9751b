"""Lives in the platforms' own calendars (Discord Scheduled Events) and in the thread opened on
their announcement: what the sender needs beyond plain messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot.core.context import reach
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.payloads import dump_message
from bot.core.delivery.vocabulary import Kind, event_cap_key
from bot.core.messages import Destination, OutMessage, SendResult, Text
from bot.core.ports import Capabilities, ChatPlatform, EventCalendar, LiveEvent, UnitOfWork
from bot.domain.model import Live

EVENT_CAP = "event_cap"  # the reason a platform gives when a server holds its maximum of events


def live_event(live: Live) -> LiveEvent:
    return LiveEvent(
        live_id=live.id,
        title=f"#{live.id} {live.title}"[:100],
        description=live.description[:1000],
        starts_at=live.starts_at,
        ends_at=live.ends_at,
        link=live.link,
        status=live.status,
    )


def calendar_of(platform: ChatPlatform | None) -> EventCalendar | None:
    return platform if isinstance(platform, EventCalendar) else None


async def sync_events(
    platforms: Mapping[str, ChatPlatform],
    events: Sequence[tuple[Destination, str]],
    live: Live | None,
    key: str,
) -> SendResult:
    """Brings every created event of the live to its state; a failure for now makes the caller
    try again later (a sync is idempotent)."""
    outcome = SendResult(True)
    if live is None:
        return outcome
    for dest, event_id in events:
        calendar = calendar_of(platforms.get(dest.platform))
        if calendar is None:
            continue
        result = await calendar.sync_event(dest.chat_id, event_id, live_event(live), key=key)
        if not result.delivered and not result.permanent:
            outcome = result
    return outcome


async def thread_of(uow: UnitOfWork, live_id: int, dest: Destination) -> str | None:
    """The thread opened on the live's announcement in that channel (its id is the message's)."""
    for posted, message_id in await uow.deliveries.posted(live_id, Kind.ANNOUNCEMENT):
        if posted.platform == dest.platform and posted.chat_id == dest.chat_id:
            return message_id
    return None


async def events_of(uow: UnitOfWork, live_id: int) -> list[tuple[Destination, str]]:
    return await uow.deliveries.posted(live_id, Kind.EVENT)


async def tell_host_event_cap(
    uow: UnitOfWork, row: Delivery, now: datetime, capabilities: Mapping[str, Capabilities]
) -> None:
    """The server is full of events: the live is announced, but its event could not be made;
    its host is told, in their language, where they read the bot."""
    live = await uow.lives.get(row.live_id) if row.live_id is not None else None
    community = await uow.communities.get(live.community_id) if live is not None else None
    host = await uow.members.get(live.created_by) if live is not None else None
    if live is None or community is None or host is None:
        return
    dest = await reach(uow, host, community, capabilities)
    locale = host.language or community.language
    message = OutMessage(Text(locale, "event.cap", {"id": live.id, "title": live.title}))
    if not dest.private:
        message = replace(message, mentions=(host.ref,))
    key, kind = event_cap_key(row.key), Kind.EVENT_CAP
    await uow.deliveries.add(key, kind, now, dest, dump_message(message), host.id, live.id)
