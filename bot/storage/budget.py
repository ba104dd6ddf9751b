"""One send budget per bot token, shared by every process on the same PostgreSQL.

Each process paces its own sends in memory (`bot/adapters/limits.py`); two processes fanning out
at once would each keep the platform's limits and together pass them. So on PostgreSQL a send
also takes its slots here: one row per (token, window), the platform's overall window and the
chat's, holding the time the window's next send may leave. For the platform's window one atomic
statement (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, `reserve`) takes the next slot,
`max(next_at, now)`, moves `next_at` one interval on and says how long to wait for it; a chat's
window is taken only when free now (`take`, just before the send) or else says when it frees.
The row's lock is the arbiter between processes: no other protocol, no Redis, one round trip.

Why a "next free time" and not a count per fixed window (`window_start`, `used`): the platforms
count in sliding windows, and N sends at the end of one fixed window plus N at the start of the
next are 2N within one second. Slots spaced by `W/N` (with the limiter's margin) never put more
than N in any window of W seconds, whichever process takes them.

The clock is the database's (`clock_timestamp()`): the processes' clocks need not agree. A slot
whose send is then abandoned is lost, never given twice (the budget errs on the slow side).

On SQLite a single process writes the file and the in-memory limiter is enough: `shared_budget`
answers None there and nothing is stored.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.outage import outages_said
from bot.storage.send_window import SharedWindow, short_window, token_key

__all__ = ["SendBudget", "shared_budget", "token_key"]

_RESERVE = text(
    """
    INSERT INTO send_budget AS b (token_key, window_key, next_at)
    VALUES (:token, :window, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (token_key, window_key) DO UPDATE
    SET next_at = GREATEST(b.next_at, clock_timestamp()) + make_interval(secs => :interval)
    RETURNING EXTRACT(EPOCH FROM
        b.next_at - make_interval(secs => :interval) - clock_timestamp())::float8
    """
)
"""The slot taken is the new `next_at` less one interval; the answer is the seconds until it
(zero or less: now)."""

_TAKE = text(
    """
    INSERT INTO send_budget AS b (token_key, window_key, next_at)
    VALUES (:token, :window, clock_timestamp() + make_interval(secs => :interval))
    ON CONFLICT (token_key, window_key) DO UPDATE
    SET next_at = clock_timestamp() + make_interval(secs => :interval)
    WHERE b.next_at <= clock_timestamp()
    RETURNING 0.0::float8
    """
)
"""Granted (a row) only when the window is free now; refused, nothing changes."""

_FREE_IN = text(
    "SELECT EXTRACT(EPOCH FROM next_at - clock_timestamp())::float8 FROM send_budget "
    "WHERE token_key = :token AND window_key = :window"
)

_PRUNE = text(
    "DELETE FROM send_budget WHERE token_key = :token "
    "AND next_at < clock_timestamp() - make_interval(secs => :idle)"
)

PRUNE_EVERY = 2000  # reservations between two prunes of this token's idle windows
IDLE = 3600.0  # seconds: a window free for this long is the same as no row at all


class SendBudget:
    """The shared budget of one bot token: `reserve` (platform) and `take` (chat) are the
    gates a send passes."""

    def __init__(self, engine: AsyncEngine, token: str) -> None:
        # One statement, committed as it runs: no COMMIT round trip between the slot's grant
        # and the send (the row's lock is held only by the statement).
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._engine_given, self._token_given = engine, token
        self._token = token_key(token)
        self._taken = 0

    async def reserve(self, window: str, interval: float) -> float:
        """Takes `window`'s next slot (slots `interval` seconds apart, across processes);
        returns the seconds to wait before sending (0: at once)."""
        params: dict[str, Any] = {
            "token": self._token,
            "window": short_window(window),
            "interval": interval,
        }
        with outages_said():
            async with self._engine.connect() as conn:
                wait = float((await conn.execute(_RESERVE, params)).scalar_one())
                answered = time.monotonic()
        self._taken += 1
        if self._taken % PRUNE_EVERY == 0:
            await self.prune()
        # Counted from the answer, not from now: the connection's return to the pool (and a
        # prune) must not make this send later than its slot, closer to the next one's.
        return max(0.0, wait - (time.monotonic() - answered))

    async def take(self, window: str, interval: float) -> float:
        """Takes `window`'s slot if it is free now (0.0), else takes nothing and returns the
        seconds until it frees. For a chat's window, taken once the platform's slot is held,
        just before the send: a slot queued for would be late by the platform's wait, and
        then closer to the next send to that chat (by the other process) than it allows."""
        params: dict[str, Any] = {
            "token": self._token,
            "window": short_window(window),
            "interval": interval,
        }
        with outages_said():
            async with self._engine.connect() as conn:
                if (await conn.execute(_TAKE, params)).first() is not None:
                    return 0.0
                wait = (await conn.execute(_FREE_IN, params)).scalar_one_or_none()
        return max(0.001, float(wait or 0.0))  # freed meanwhile: asked again at once

    def window(self, window: str, count: int, per: float) -> SharedWindow:
        """`window` as a strict sliding window shared by the processes (`send_window.py`):
        for the platform's overall limit, where a late slot must not earn a 429."""
        return SharedWindow(self._engine_given, self._token_given, window, count, per)

    async def prune(self, idle: float = IDLE) -> int:
        """Forgets this token's windows free for `idle` seconds (the table stays bounded by
        the chats written to recently). Returns how many went."""
        async with self._engine.connect() as conn:
            result = await conn.execute(_PRUNE, {"token": self._token, "idle": idle})
        return int(result.rowcount or 0)


def shared_budget(store: object, token: str) -> SendBudget | None:
    """The budget shared through `store`'s database when it is PostgreSQL, else None (one
    process on SQLite: its in-memory limiter is the whole budget)."""
    engine = getattr(store, "engine", None)
    if isinstance(engine, AsyncEngine) and engine.dialect.name == "postgresql":
        return SendBudget(engine, token)
    return None
