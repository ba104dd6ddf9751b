"""How lives are shown: the short line of a list and the full card, as catalog texts."""

from __future__ import annotations

from functools import lru_cache
from zoneinfo import ZoneInfo

from bot.core import codec
from bot.core.messages import Button, OutMessage, Raw, Text
from bot.core.ports import UnitOfWork
from bot.domain.model import Live, LiveStatus, SeatCount
from bot.i18n.dates import format_short, format_when


async def host_names(uow: UnitOfWork, live_id: int) -> str:
    """The live's hosts as shown on its card ("" when none is left)."""
    hosts = [await uow.members.get(m) for m in await uow.lives.hosts(live_id)]
    return ", ".join(h.display_name for h in hosts if h is not None)


def when(locale: str, live: Live, tz: ZoneInfo) -> Raw:
    """The start in full words (`mardi 1 décembre 2026 à 18:30 (heure de Paris)`)."""
    return Raw(_in_words(live.starts_at, tz, locale))


# Every sign-up's answer says when its live starts: under a crowd, the same few words each time
# (babel took about a tenth of a sign-up's unit of work in the profile of bench/signup_burst.py).
_in_words = lru_cache(maxsize=1024)(format_when)


def seats(locale: str, live: Live, counts: SeatCount) -> Text:
    if live.capacity is None:
        return Text(locale, "live.seats.unlimited", {"taken": counts.confirmed})
    left = max(live.capacity - counts.confirmed, 0)
    if left == 0:
        return Text(locale, "live.seats.full", {"waiting": counts.waitlisted})
    return Text(locale, "live.seats.left", {}, count=left)


def line(locale: str, live: Live, tz: ZoneInfo) -> Text:
    return Text(
        locale,
        "live.line",
        {
            "id": live.id,
            "title": live.title,
            "short": Raw(format_short(live.starts_at, tz, locale)),
        },
    )


def card(
    locale: str, live: Live, tz: ZoneInfo, counts: SeatCount, host: str, public: Text | None = None
) -> Text:
    """The full description of a live (announcements and `/live`); `public`: the lines that
    give its public page and calendar, when its community has them."""
    status = Text(locale, f"live.status.{live.status.value}")
    if live.status in (LiveStatus.CANCELLED, LiveStatus.ENDED):
        state = status  # seats no longer mean anything
    else:
        state = Text(
            locale, "live.card.open", {"seats": seats(locale, live, counts), "status": status}
        )
    parts: dict[str, Text | Raw | str | int] = {
        "id": live.id,
        "title": live.title,
        "when": when(locale, live, tz),
        "duration": live.duration_min,
        "host": host,
        "state": state,
    }
    extra: list[Text] = []
    if live.description:
        extra.append(Text(locale, "live.card.description", {"description": live.description}))
    if live.link:
        extra.append(Text(locale, "live.card.link", {"link": live.link}))
    if live.tags:
        extra.append(Text(locale, "live.card.tags", {"tags": ", ".join(live.tags)}))
    if live.replay:
        extra.append(Text(locale, "live.card.replay", {"replay": live.replay}))
    if public is not None:
        extra.append(public)
    return Text(locale, "live.card", {**parts, "extra": tuple(extra)})


def announcement(
    locale: str, live: Live, tz: ZoneInfo, counts: SeatCount, host: str, public: Text | None = None
) -> OutMessage:
    """The post in every announce space, with Join / Ask / Details buttons."""
    text = Text(locale, "live.announce", {"card": card(locale, live, tz, counts, host, public)})
    buttons = (
        Button(Text(locale, "button.join"), codec.encode("join", live.id)),
        Button(Text(locale, "button.ask"), codec.encode("ask", live.id)),
        Button(Text(locale, "button.details"), codec.encode("live", live.id)),
    )
    return OutMessage(text, (buttons,), thread_title=f"#{live.id} {live.title}"[:100])
