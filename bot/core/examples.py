"""Examples members can type as shown: dates in them are built from today, never fixed ones that
would soon be past."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

AHEAD = timedelta(days=7)
AT = "18:30"  # an evening hour, as most lives are


def example_when(now: datetime, tz: ZoneInfo) -> str:
    """A week from today at 18:30 in the reader's zone, as ISO: `2026-12-09 18:30`."""
    return f"{(now.astimezone(tz).date() + AHEAD).isoformat()} {AT}"
