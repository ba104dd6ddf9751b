"""The platform's overall window shared by the processes of one bot, as its server counts it.

Why not the spaced slots of `budget.py` (`reserve`) for it: those are spaced on the database's
clock, but the server counts a request when it arrives, and between the slot and the arrival lie
the event loop's turns, the HTTP client and the network. A request late by a few tens of
milliseconds went with the ones slotted after it: 31 sendMessage in one second (issue 17).

Here, as `bot/adapters/window.py` does within a process, a request holds a row from when it
leaves (`frees_at` NULL) until `per` seconds after its answer came back (`release`): the server
counted it somewhere in between, so no more than `count` of them, whichever process sent them,
ever fall in one of its windows. A row whose answer never came (its process died mid-send) is
dropped once `ABANDONED` seconds old.

`take` is one short transaction serialised on the window by an advisory lock on its key: drop
the rows freed or abandoned, count, insert one if fewer than `count`. Under READ COMMITTED each
statement sees what the previous holder of the lock committed. The clock is the database's
(`clock_timestamp()`): the processes' clocks need not agree.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.outage import outages_said

ABANDONED = 30.0  # seconds: a slot taken this long ago with no answer belongs to a dead process
POLL = 0.01  # seconds: every slot in flight, none frees at a known time; asked again then

_LOCK = text(
    "SELECT pg_advisory_xact_lock("
    "hashtextextended(CAST(:token AS text) || '/' || CAST(:window AS text), 17))"
)

_FORGET = text(
    """
    DELETE FROM send_slot WHERE token_key = :token AND window_key = :window
    AND (frees_at <= clock_timestamp()
         OR (frees_at IS NULL
             AND taken_at < clock_timestamp() - make_interval(secs => :abandoned)))
    """
)

_INSERT = text(
    """
    INSERT INTO send_slot (token_key, window_key, taken_at)
    SELECT CAST(:token AS varchar), CAST(:window AS varchar), clock_timestamp()
    WHERE (SELECT count(*) FROM send_slot
           WHERE token_key = :token AND window_key = :window) < :count
    RETURNING id
    """
)

_FIRST_FREE = text(
    "SELECT EXTRACT(EPOCH FROM min(frees_at) - clock_timestamp())::float8 FROM send_slot "
    "WHERE token_key = :token AND window_key = :window"
)

_SENT = text(
    "UPDATE send_slot SET frees_at = clock_timestamp() + make_interval(secs => :per) WHERE id = :id"
)

_UNUSED = text("DELETE FROM send_slot WHERE id = :id")


class SharedWindow:
    """`count` requests in any `per` seconds for one token's `window`, across processes."""

    def __init__(self, engine: AsyncEngine, token: str, window: str, count: int, per: float):
        self._engine = engine
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._params: dict[str, Any] = {
            "token": token_key(token),
            "window": short_window(window),
            "count": count,
            "abandoned": ABANDONED,
        }
        self.per = per

    async def take(self) -> tuple[int | None, float]:
        """(the slot's id, 0.0) when one is free now, else (None, seconds until one frees)."""
        params = self._params
        with outages_said():
            async with self._engine.begin() as conn:
                await conn.execute(_LOCK, params)
                await conn.execute(_FORGET, params)
                slot = (await conn.execute(_INSERT, params)).scalar_one_or_none()
                if slot is not None:
                    return int(slot), 0.0
                first = (await conn.execute(_FIRST_FREE, params)).scalar_one_or_none()
        return None, POLL if first is None else max(0.001, float(first))

    async def release(self, slot: int, *, sent: bool) -> None:
        """`sent`: the request may have reached the server, its slot frees `per` seconds from
        now (the database's now, at least as late as its answer); else it is free at once."""
        params = {"id": slot, "per": self.per}
        with outages_said():
            async with self._autocommit.connect() as conn:
                await conn.execute(_SENT if sent else _UNUSED, params)


def token_key(token: str) -> str:
    """What stands for the token in the tables: its SHA-256, so the database never holds it."""
    return hashlib.sha256(token.encode()).hexdigest()


def short_window(window: str) -> str:
    """The window's name as the columns hold it (128 characters at most)."""
    if len(window) > 128:
        return "#" + hashlib.sha256(window.encode()).hexdigest()
    return window
