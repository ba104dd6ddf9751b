"""What a platform's pickers offer while a member types: lives for a `live` field, and the
settings of the space a command comes from (its role ids decide who hosts and moderates); and the
command a typo meant (`/joni 1` -> "Tu voulais dire /participer 1 ?").

Read-only and short: Discord wants an autocomplete answer within 3 seconds, so one unit of
work each, over the repositories' existing queries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.ports import Store, UnitOfWork
from bot.core.registry import ALIASES, COMMANDS, CommandSpec, word_for
from bot.domain.model import Live, LiveStatus, Space, UserRef

MAX_CHOICES = 25  # Discord shows at most 25 choices
SCAN = 100  # lives read to pick from: a community rarely has more ahead or just behind it
RECENT = timedelta(days=7)


class LiveKind(StrEnum):
    """Which lives fit a command's `live` field."""

    UPCOMING = "upcoming"  # scheduled or on air: /join, /ask, /live...
    HOSTED = "hosted"  # the same, plus drafts the member hosts: /edit, /publish, /cancel
    RECENT = "recent"  # on air or ended within a week: /next, /end, /queue, /modlog
    ON_AIR = "on_air"  # on air now (even past its planned end): /here


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


# -- the command a typo meant --------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9_]+")
LONG_WORD = 6  # from this length two slips (`/shedul`) are forgiven; one below it (`/joni`)
SHOWN_REST = 60  # characters of what followed the typo that the suggestion repeats


def command_meant(word: str) -> CommandSpec | None:
    """The command a mistyped word most likely meant, by its name or any alias (`/joni`,
    `shedule`, `réglages`); None when nothing is close enough. Slips are counted with swaps
    as one (optimal string alignment), so `joni` is one slip from `join`."""
    typed = "".join(
        ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch)
    )
    typed = typed.lstrip("/").split("@")[0]
    if not _WORD.fullmatch(typed):
        return None
    names = {name: name for name, spec in COMMANDS.items() if not spec.button_only}
    names |= {alias: name for alias, name in ALIASES.items() if name in names}
    if typed in names:
        return COMMANDS[names[typed]]
    if len(typed) < 3:
        return None  # two letters are one slip from too many commands
    slips = 2 if len(typed) >= LONG_WORD else 1
    found = process.extractOne(typed, list(names), scorer=OSA.distance, score_cutoff=slips)
    return COMMANDS[names[found[0]]] if found is not None else None


def typed_as(spec: CommandSpec, rest: str, locale: str) -> str:
    """`/participer 1`: the command meant, as the reader types it, with what followed (its
    first line, cut short) so that it can be typed again as is."""
    first, _, more = rest.strip().partition("\n")
    tail = first.strip()
    if len(tail) > SHOWN_REST:
        tail = tail[:SHOWN_REST].rstrip() + "…"
    elif more.strip():
        tail = f"{tail} …".strip()
    return f"/{word_for(spec.name, locale)} {tail}".rstrip()
