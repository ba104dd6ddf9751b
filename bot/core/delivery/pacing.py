"""Which due rows leave now and which go back in line: the sender's plan for one chunk.

Rows are grouped into sends first (`group`): a reminder's mentions batched, a moderation
space's cards together (one card, or a digest: see bot/core/qa/digests.py). Then each send asks
its platform when its chat is next free (`pace`): within `horizon` it books that slot and
leaves now (the platform's limiter waits out the rest); later, it is put back in line for
that time. So no send holds a sender's slot while a chat's window is closed, one busy chat
never holds back another, and a row left waiting is not due again before its chat is free:
the alarm does not come back for it in between.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.core.delivery.ledger import Delivery
from bot.core.delivery.planning import IN_THREAD
from bot.core.delivery.staleness import mention_batches
from bot.core.delivery.vocabulary import CORE_PLATFORM, Kind
from bot.core.messages import Destination
from bot.core.ports import ChatPlatform, paced
from bot.core.qa.digests import digest_size

HORIZON = 1.0  # seconds: a chat free within this gets its send now; later, the row waits
# Rows put back in line wait until a multiple of this (rounded up): rows deferred for the same
# reason (the platform's slots booked a second ahead) then share one `until`, so one UPDATE
# puts them all back. Unrounded, each row's time differed by microseconds (the clock read per
# row) and the sender deferred a fan-out's rows one statement each: up to 500 per pass, passes
# 50 ms apart under a burst of presses, measured at 45 % of the database thread's time.
DEFER_GRAIN = 0.05


@dataclass(frozen=True)
class Send:
    """One message to send (or one core row to act on), and where it goes."""

    rows: list[Delivery]
    dest: Destination


def group(keep: list[Delivery], reminders: list[Delivery]) -> list[list[Delivery]]:
    """Sends of the due rows: mentions batched, a moderation space's cards together."""
    singles: list[list[Delivery]] = []
    cards: dict[tuple[str, str], list[Delivery]] = {}
    for row in keep:
        if row.kind == Kind.MODERATION:
            cards.setdefault((row.dest.platform, row.dest.chat_id), []).append(row)
        else:
            singles.append([row])
    return singles + list(cards.values()) + mention_batches(reminders)


def needs_thread(row: Delivery, platform: ChatPlatform | None) -> bool:
    """Whether the post goes in the thread opened on the live's announcement (Discord)."""
    return (
        platform is not None
        and row.kind in IN_THREAD
        and row.live_id is not None
        and not row.dest.private
        and row.dest.thread_id is None
        and platform.capabilities.threads
    )


def pace(
    batches: Sequence[list[Delivery]],
    platforms: Mapping[str, ChatPlatform],
    where: Callable[[Delivery], Destination],
    now: datetime,
    horizon: float,
) -> tuple[list[Send], list[tuple[list[Delivery], datetime]]]:
    """`(sends that leave now, rows put back in line until a time)`."""
    go: list[Send] = []
    later: list[tuple[list[Delivery], datetime]] = []
    for batch in batches:
        first = batch[0]
        platform = platforms.get(first.dest.platform)
        if first.dest.platform == CORE_PLATFORM:
            go.append(Send(batch, first.dest))
            continue
        if platform is None:
            continue  # that platform is not running in this process: the rows wait for it
        dest = where(first)
        pacer = paced(platform)
        if pacer is None or first.kind == Kind.EVENT:
            go.append(Send(batch, dest))  # unlimited (the shell), or a calendar's own route
            continue
        size = digest_size(platform.capabilities) if first.kind == Kind.MODERATION else len(batch)
        for start in range(0, len(batch), size):
            wait = pacer.free_in(dest)
            if wait > horizon:
                later.append((batch[start:], _grain(now + timedelta(seconds=wait))))
                break
            pacer.book(dest)
            go.append(Send(batch[start : start + size], dest))
    return go, later


def _grain(when: datetime) -> datetime:
    """`when` rounded up to the next multiple of `DEFER_GRAIN` seconds (never earlier)."""
    step = timedelta(seconds=DEFER_GRAIN)
    over = (when - datetime.min.replace(tzinfo=when.tzinfo)) % step
    return when if not over else when + (step - over)


def in_thread(dest: Destination, thread: str | None) -> Destination:
    return replace(dest, thread_id=thread) if thread is not None else dest
