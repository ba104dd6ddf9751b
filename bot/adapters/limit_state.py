"""What the send limiter keeps per chat and counts, and the clock it waits on (`limits.py`):
apart from how it waits, so that both halves of the limiter (`limits.py`, whole sends;
`limit_wire.py`, requests at the wire) share them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from bot.adapters.window import Window

WAITED = 0.001  # seconds of waiting that count as a wait in the figures
_ROUNDING = 1e-9  # keeps a top-up just under a full bucket, so it never has to wait
_NEGLIGIBLE = 1e-6  # of a slot: a top-up this small is far inside the margin, skipped


@dataclass(frozen=True)
class LimiterStats:
    """Counters since start, over sends and edits alike: delivered, refused otherwise, 429s
    seen, requests that had to wait (and for how long in all), chats currently tracked, and
    (`at_wire` only) HTTP requests that took their global slot at the wire."""

    sent: int
    failed: int
    rate_limited: int
    waits: int
    waited_seconds: float
    chats: int
    requests: int = 0


@dataclass
class ChatLimits:
    """One chat's bucket (requests gated at the wire) or window (whole sends, `window.py`);
    `users` counts sends holding or queueing for it (never forgotten then)."""

    limiter: AsyncLimiter
    window: Window
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0
    users: int = 0


def loop_now() -> float:
    """The event loop's clock, the one `AsyncLimiter` reads (monotonic)."""
    return asyncio.get_running_loop().time()


async def sleep_until(deadline: float) -> None:
    delay = deadline - loop_now()
    if delay > 0:
        await asyncio.sleep(delay)


async def top_up(limiter: AsyncLimiter, late: float) -> None:
    """Takes back what the bucket leaked during `late` seconds, so it is full again now.

    The bucket is held under the chat's lock, so the amount is free at once and nothing waits.
    """
    leaked = min(late * limiter.max_rate / limiter.time_period, limiter.max_rate)
    amount = leaked * (1 - _ROUNDING)
    if amount > _NEGLIGIBLE * limiter.max_rate:
        await limiter.acquire(amount)
