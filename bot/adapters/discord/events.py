"""A live's Discord Scheduled Event, brought to the live's state: created (external, with an
end time and a location of at most 100 characters), edited, started (active) when the live
goes on air, completed when it ends, cancelled when it is cancelled.

Discord allows scheduled -> active -> completed and scheduled -> cancelled only: a live ended
without having gone on air on Discord passes through active; an active event cannot be
cancelled, so it is completed. An event deleted by hand is made again while the live is still
ahead or on air.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import discord
from discord import EventStatus

from bot.core.messages import SendResult, Text
from bot.core.ports import LiveEvent
from bot.domain.model import LiveStatus
from bot.i18n.catalog import render, supported

LOCATION = 100  # characters of an external event's location
NAME, DESCRIPTION = 100, 1000
AHEAD = timedelta(minutes=1)  # Discord refuses to create an event starting in the past
FINISHED = (EventStatus.completed, EventStatus.cancelled)


async def sync_event(
    client: discord.Client,
    space_id: str,
    event_id: str | None,
    event: LiveEvent,
    default_locale: str,
) -> SendResult:
    guild = client.get_guild(int(space_id))
    if guild is None:
        return SendResult(False, permanent=True, reason="the bot is not in that server")
    current = await _fetch(guild, event_id)
    if current is None:
        if event.status not in (LiveStatus.SCHEDULED, LiveStatus.LIVE):
            return SendResult(True, message_id=event_id)  # nothing left to show
        location = _location(event, guild, default_locale)
        current = await guild.create_scheduled_event(**_create_fields(event, location))
    elif current.status in FINISHED:
        return SendResult(True, message_id=str(current.id))  # Discord keeps it as it ended
    else:
        current = await _edit(current, event, _location(event, guild, default_locale))
    current = await _move(current, event.status)
    return SendResult(True, message_id=str(current.id))


async def _fetch(guild: discord.Guild, event_id: str | None) -> discord.ScheduledEvent | None:
    if event_id is None:
        return None
    try:
        return await guild.fetch_scheduled_event(int(event_id), with_counts=False)
    except discord.NotFound:
        return None  # deleted by hand in Discord


def _location(event: LiveEvent, guild: discord.Guild, default_locale: str) -> str:
    """The live's link when it fits, else a pointer to the announcement."""
    if event.link and len(event.link) <= LOCATION:
        return event.link
    locale = supported(str(guild.preferred_locale)) or default_locale
    return render(Text(locale, "discord.event.location", {"id": event.live_id}))[:LOCATION]


def _times(event: LiveEvent) -> tuple[datetime, datetime]:
    start = max(event.starts_at, datetime.now(UTC) + AHEAD)
    return start, max(event.ends_at, start + (event.ends_at - event.starts_at))


def _create_fields(event: LiveEvent, location: str) -> dict[str, Any]:
    start, end = _times(event)
    fields: dict[str, Any] = {
        "name": event.title[:NAME],
        "start_time": start,
        "end_time": end,
        "entity_type": discord.EntityType.external,
        "location": location,
        "privacy_level": discord.PrivacyLevel.guild_only,
    }
    if event.description:
        fields["description"] = event.description[:DESCRIPTION]
    return fields


async def _edit(
    current: discord.ScheduledEvent, event: LiveEvent, location: str
) -> discord.ScheduledEvent:
    """Only what differs is sent: an unchanged start is never re-sent (Discord refuses a
    start in the past, which a live running late has)."""
    changes: dict[str, Any] = {}
    if current.name != event.title[:NAME]:
        changes["name"] = event.title[:NAME]
    if (current.description or "") != event.description[:DESCRIPTION]:
        changes["description"] = event.description[:DESCRIPTION]
    if current.status is EventStatus.scheduled and current.start_time != event.starts_at:
        changes["start_time"] = _times(event)[0]
    if current.end_time != event.ends_at and event.ends_at > current.start_time:
        changes["end_time"] = event.ends_at
    if current.location != location:
        changes["location"] = location
    if not changes:
        return current
    return await current.edit(**changes)


async def _move(current: discord.ScheduledEvent, status: LiveStatus) -> discord.ScheduledEvent:
    if status is LiveStatus.LIVE and current.status is EventStatus.scheduled:
        return await current.start()
    if status is LiveStatus.ENDED:
        if current.status is EventStatus.scheduled:
            current = await current.start()
        if current.status is EventStatus.active:
            return await current.end()
    if status is LiveStatus.CANCELLED:
        if current.status is EventStatus.scheduled:
            return await current.cancel()
        if current.status is EventStatus.active:
            return await current.end()
    return current
