"""What every benchmark measures the same way: the event loop's longest stall, percentiles."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import UTC, datetime


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class StallMonitor:
    """Wakes every 5 ms and records how late it woke: the longest event-loop stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)

    def __enter__(self) -> StallMonitor:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0.5, 0.99) of the values."""
    return statistics.quantiles(values, n=1000)[int(q * 1000) - 1] if len(values) > 1 else values[0]


def rate(times: list[float]) -> float:
    """Events per second between the first and the last of these times (0 for fewer than 2)."""
    return (
        (len(times) - 1) / (times[-1] - times[0])
        if len(times) > 1 and times[-1] > times[0]
        else 0.0
    )
