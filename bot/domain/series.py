"""Expand a repeating live into its start instants, keeping the local wall-clock time across DST."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.when import one_year_after

MIN_REPEAT_COUNT = 2
MAX_REPEAT_COUNT = 52


class Repeat(StrEnum):
    """How a live repeats; values are stored, so never rename them."""

    none = "none"
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"


@dataclass(frozen=True)
class SeriesError(Exception):
    """Refused series; ``code`` is ``bad_count`` or ``too_long``."""

    code: str

    def __str__(self) -> str:
        return self.code


def _monthly(start: date, months: int) -> date:
    """Same day of month as ``start``, ``months`` later, clamped to that month's last day."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


def series_starts(first: datetime, tz: ZoneInfo, repeat: Repeat, count: int) -> list[datetime]:
    """Aware UTC starts: ``first`` then same local time each step; gap times move forward."""
    if first.tzinfo is None:
        raise ValueError("first must be timezone-aware")
    allowed = count == 1 if repeat is Repeat.none else MIN_REPEAT_COUNT <= count <= MAX_REPEAT_COUNT
    if not allowed:
        raise SeriesError("bad_count")
    first = first.astimezone(UTC)
    local = first.astimezone(tz)
    wall, start = local.timetz().replace(tzinfo=None), local.date()
    starts = [first]
    for i in range(1, count):
        if repeat is Repeat.monthly:
            day = _monthly(start, i)
        else:
            day = start + timedelta(weeks=i if repeat is Repeat.weekly else 2 * i)
        # fold=0 is the first of a repeated hour; in a gap it keeps the pre-gap offset, so the
        # UTC round-trip lands the wall clock forward by the gap's length (02:30 -> 03:30).
        starts.append(datetime.combine(day, wall, tzinfo=tz).replace(fold=0).astimezone(UTC))
    if starts[-1] > one_year_after(first):
        raise SeriesError("too_long")
    return starts
