"""Which due rows are still worth sending, and how they are grouped into sends."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from bot.core.delivery.ledger import Delivery
from bot.core.delivery.vocabulary import Kind
from bot.domain.model import Live, LiveStatus

MENTIONS_PER_MESSAGE = 75  # with a reminder's words: one Discord message of 2,000 characters
BEFORE_START = (Kind.REMINDER, Kind.SOON)


def stale(row: Delivery, live: Live | None, now: datetime) -> str | None:
    """Why a due row is no longer worth sending, or None."""
    if row.kind == Kind.ANNOUNCEMENT and (
        live is None or live.status not in (LiveStatus.SCHEDULED, LiveStatus.LIVE)
    ):
        return "the live was cancelled or is over before it could be announced"
    if row.kind in BEFORE_START and (
        live is None or live.status is not LiveStatus.SCHEDULED or now >= live.starts_at
    ):
        return "the live has started, ended or been cancelled"
    if row.kind == Kind.NUDGE and (live is None or live.status is not LiveStatus.SCHEDULED):
        return "the live went on air (or is over)"
    if row.kind == Kind.EVENT and (
        live is None or live.status not in (LiveStatus.SCHEDULED, LiveStatus.LIVE)
    ):
        return "the live was cancelled or is over before its event was made"
    if row.kind == Kind.AUTO_END and (
        live is None or live.status not in (LiveStatus.SCHEDULED, LiveStatus.LIVE)
    ):
        return "the live is already over"
    return None


def mention_batches(reminders: list[Delivery]) -> list[list[Delivery]]:
    """Private reminders go one by one; those posted in a space for the same live and time
    become one message mentioning everyone (at most 75 mentions a message)."""
    singles = [[row] for row in reminders if row.dest.private]
    shared: dict[tuple[Any, ...], list[Delivery]] = defaultdict(list)
    for row in reminders:
        if not row.dest.private:
            shared[(row.dest, row.live_id, row.due_at)].append(row)
    batches = []
    for rows in shared.values():
        for start in range(0, len(rows), MENTIONS_PER_MESSAGE):
            batches.append(rows[start : start + MENTIONS_PER_MESSAGE])
    return singles + batches
