"""Feeds written as iCalendar (RFC 5545) with the `icalendar` library.

Each live is one VEVENT whose UID never changes (`live-12@bot.example.org`), whose SEQUENCE is
the live's own (raised when it moves or is cancelled: calendars take the change rather than
keep the old time), and whose DTSTAMP is the time the feed was written; a cancelled live stays
as STATUS:CANCELLED so that calendars remove it. Times are written in the live's own zone with
its VTIMEZONE (a weekly series keeps 18:00 across a change of daylight saving time). The
library's helpers would stamp the wall clock and a random UID: both are set here.

Writing is CPU work (about two milliseconds an event): it runs in a worker process (`writer`)
and its result is kept by its content's key (`feedcache`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Timezone
from icalendar import Event as VEvent

from bot.core.calendar.feeds import Event, Feed
from bot.core.calendar.links import live_page
from bot.core.messages import Text
from bot.domain.model import LiveStatus
from bot.i18n.catalog import render

PRODID = "-//Solidaire//Calendars 1.0//FR"
REFRESH = timedelta(hours=1)  # how often calendar programs are asked to fetch again


def uid_host(base: str | None) -> str:
    """The domain part of every UID: the bot's public host, so UIDs are unique worldwide and
    stable for as long as the address is."""
    host = urlsplit(base).hostname if base else None
    return host or "solidaire.invalid"


def write(feed: Feed, *, base: str | None, stamp: datetime, public: bool) -> bytes:
    """The whole feed. `public`: its lives have public pages (their URL is the page's)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", feed.name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # an X- property: the library writes it as given
    host = uid_host(base)
    if feed.events:  # each zone's rules over the feed's span (the library's default: 68 years)
        first = min(e.shown.live.starts_at for e in feed.events).date() - ONE_DAY
        last = max(e.shown.live.ends_at for e in feed.events).date() + ONE_DAY
        for zone in sorted({e.zone for e in feed.events}):
            calendar.add_component(
                Timezone.from_tzinfo(ZoneInfo(zone), zone, first_date=first, last_date=last)
            )
    for event in feed.events:
        calendar.add_component(_event(event, feed.locale, host, base, stamp, public))
    return bytes(calendar.to_ical())


ONE_DAY = timedelta(days=1)


def _event(
    event: Event, locale: str, host: str, base: str | None, stamp: datetime, public: bool
) -> VEvent:
    live = event.shown.live
    zone = ZoneInfo(event.zone)
    out = VEvent()
    out.add("uid", f"live-{live.id}@{host}")
    out.add("dtstamp", stamp)
    out.add("sequence", live.sequence)
    out.add("summary", live.title)
    out.add("dtstart", live.starts_at.astimezone(zone))
    out.add("dtend", live.ends_at.astimezone(zone))
    out.add("status", _status(event))
    out.add("description", _description(event, locale))
    if public and base is not None:
        out.add("url", live_page(base, live))
    elif live.link:
        out.add("url", live.link)
    if live.link:
        out.add("location", live.link)
    if live.tags:
        out.add("categories", list(live.tags))
    if live.status is not LiveStatus.CANCELLED:
        for before in event.alarms:
            out.add_component(_alarm(before, live.title))
    return out


def _status(event: Event) -> str:
    if event.shown.live.status is LiveStatus.CANCELLED:
        return "CANCELLED"
    return "TENTATIVE" if event.tentative else "CONFIRMED"


def _alarm(before: timedelta, title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", -before)
    return alarm


def _description(event: Event, locale: str) -> str:
    live = event.shown.live
    parts = [live.description] if live.description else []
    if event.shown.hosts:
        parts.append(render(Text(locale, "web.ics.hosts", {"names": ", ".join(event.shown.hosts)})))
    if event.tentative:
        parts.append(render(Text(locale, "web.ics.waitlisted")))
    if live.replay:
        parts.append(render(Text(locale, "web.ics.replay", {"replay": live.replay})))
    return "\n\n".join(parts)
