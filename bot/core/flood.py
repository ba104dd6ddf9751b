"""Per-member command flood limit (more than 10 commands in 10 seconds), on the injected clock."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from bot.domain.model import UserRef


class FloodGate:
    """A sliding window per member; kept in memory because a restart may forgive a flood."""

    def __init__(self, limit: int = 10, window: timedelta = timedelta(seconds=10)) -> None:
        self._limit = limit
        self._window = window
        self._seen: dict[UserRef, deque[datetime]] = {}

    def allow(self, who: UserRef, now: datetime) -> bool:
        times = self._seen.setdefault(who, deque())
        while times and now - times[0] >= self._window:
            times.popleft()
        if len(times) >= self._limit:
            return False
        times.append(now)
        if len(self._seen) > 50_000:  # forget idle members so memory stays bounded
            self._seen = {k: v for k, v in self._seen.items() if v and now - v[-1] < self._window}
        return True
