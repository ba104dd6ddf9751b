"""The platform's overall window shared by the processes of one bot, as its server counts it.

Why not the spaced slots of `budget.py` (`reserve`) for it: those are spaced on the database's
clock, but the server counts a request when it arrives, and between the slot and the arrival lie
the event loop's turns, the HTTP client and the network. A request late by a few tens of
milliseconds went with the ones slotted after it: 31 sendMessage in one second (issue 17).

Here, as `bot/adapters/window.py` does within a process, a request holds a row from when it
leaves (`frees_at` NULL) until `per` seconds after its answer came back (`release`): the server
counted it somewhere in between, so no more than `count` of them, whichever process sent them,
ever fall in one of its windows. A row whose answer never came (its process died mid-send) is
dropped once not kept alive for `ABANDONED` seconds.

`take` is one call of a function (migration 0012) serialised on the window by an advisory lock
on its key: drop the rows freed or abandoned, count, insert one if fewer than `count`, else hand
over the answered row that frees first, from when it frees (the caller sleeps until then: no
round trip lost between a slot freeing and its next use); the chat's spaced slot in
`send_budget` is taken with it, for the same moment, or nothing is. One round trip, the lock
held only while the server runs it. Under READ COMMITTED each statement sees what the previous
holder of the lock committed. The clock is the database's (`clock_timestamp()`): the processes'
clocks need not agree; only durations a process measured (from just before it asked for a slot
to the answer) are added to it.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.outage import outages_said

# A slot in flight is kept alive by its process (`keep`, every `KEEP` seconds): one not kept
# for `ABANDONED` seconds belongs to a process that died mid-send (or lost its release). Safe:
# the process sent nothing after its last `keep` but within `KEEP`, and the server counted
# that request within the network's delay of it; dropped `ABANDONED` after the `keep`, the slot
# frees at least `ABANDONED - KEEP - per` (~3 s) after the server could have counted it. Held
# 30 s without an answer before (issue 17): a process killed mid-fan-out cost the others up to
# 8 of the 30 slots for 30 s.
KEEP = 1.0
ABANDONED = 5.0
STALE = 120.0  # seconds: a slot asked for this long ago is no longer kept (its release failed)
POLL = 0.01  # seconds: every slot in flight, none frees at a known time; asked again then

_TAKE = text(
    "SELECT slot, wait, chat_wait, at FROM solidaire_take_send_slot("
    "CAST(:token AS varchar), CAST(:window AS varchar), :count, CAST(:abandoned AS float8), "
    "CAST(:chat AS varchar), CAST(:chat_interval AS float8))"
)
"""Migration 0012's function: the lock, forgetting, counting, the chat's slot and the window's
taken in one round trip."""

_TAKE_MANY = text(
    "SELECT idx, slot, wait, chat_wait, at FROM solidaire_take_send_slots("
    "CAST(:token AS varchar), CAST(:window AS varchar), :count, CAST(:abandoned AS float8), "
    "CAST(:chats AS varchar[]), CAST(:intervals AS float8[]))"
)
"""Migration 0013's function: the same, for each send of a list, in one round trip."""

Taken = tuple[int | None, float, bool]
"""A send's answer from `take`: (slot, seconds until it may be used, False); (None, seconds
until its chat is free, True); (None, seconds before asking again, False): every slot in
flight."""

_SENT = text(
    """
    UPDATE send_slot SET frees_at = LEAST(clock_timestamp(), to_timestamp(CAST(:bound AS float8)))
        + make_interval(secs => CAST(:per AS float8))
    WHERE id = :id
    """
)
"""Two bounds on when the answer came, on the database's clock; the earlier one counts (LEAST
ignores a NULL `bound`): now, as the release runs after the answer; and the database's clock
when the take ran plus how long this process saw pass from just before it asked to the answer
(`bound`). The second makes the release's own delay (a connection from the pool, the round
trip, a busy event loop) cost the window nothing, as long as it is written within `per`
seconds; until then the slot counts as in flight."""

_KEEP = text(
    "UPDATE send_slot SET taken_at = GREATEST(taken_at, clock_timestamp()) "
    "WHERE id = ANY(CAST(:ids AS bigint[])) AND frees_at IS NULL"
)
"""The slots still in flight are this live process's: not abandoned. A handed-over slot keeps
its later start (`GREATEST`): an unused one frees from there (`_UNUSED`), not before."""

_UNUSED = text("UPDATE send_slot SET frees_at = taken_at WHERE id = :id")
"""Never sent: free from its start (now, or the moment a handed-over slot was to start, until
which the request that held it before still counts)."""


class SharedWindow:
    """`count` requests in any `per` seconds for one token's `window`, across processes."""

    def __init__(self, engine: AsyncEngine, token: str, window: str, count: int, per: float):
        # One statement, committed as it runs (the function's lock is held only meanwhile).
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._params: dict[str, Any] = {
            "token": token_key(token),
            "window": short_window(window),
            "count": count,
            "abandoned": ABANDONED,
        }
        self.per = per
        # slot -> (when this process asked for it, on its monotonic clock; the database's
        # clock as the take ran, epoch seconds): the release's bound on the answer.
        self._asked: dict[int, tuple[float, float]] = {}

    async def take(self, chat: str | None = None, chat_interval: float = 0.0) -> Taken:
        """(a slot, seconds until it may be used, False): 0.0, or when the slot that frees first
        does, handed over. With `chat` (its window in `send_budget`, slots `chat_interval`
        seconds apart) that chat's slot is taken for the same moment, or if the chat is not
        free then nothing is: (None, seconds until it is, True). Every slot in flight:
        (None, seconds before asking again, False)."""
        asked = time.monotonic()
        params = {
            **self._params,
            "chat": None if chat is None else short_window(chat),
            "chat_interval": chat_interval,
        }
        with outages_said():
            async with self._engine.connect() as conn:
                slot, wait, chat_wait, at = (await conn.execute(_TAKE, params)).one()
        return self._answer(asked, slot, wait, chat_wait, at)

    async def take_many(self, chats: list[tuple[str | None, float]]) -> list[Taken]:
        """`take` for each of several sends, in order (each a chat, or None, and its spacing),
        in one round trip: a process with N sends ready takes N slots at once, the next ones
        to free when the window is full."""
        asked = time.monotonic()
        params = {
            **self._params,
            "chats": [None if chat is None else short_window(chat) for chat, _ in chats],
            "intervals": [interval for _, interval in chats],
        }
        with outages_said():
            async with self._engine.connect() as conn:
                rows = (await conn.execute(_TAKE_MANY, params)).all()
        out: list[Taken] = [(None, POLL, False)] * len(chats)
        for idx, slot, wait, chat_wait, at in rows:
            out[int(idx) - 1] = self._answer(asked, slot, wait, chat_wait, at)
        return out

    def _answer(self, asked: float, slot: Any, wait: Any, chat_wait: Any, at: Any) -> Taken:
        if slot is not None:
            self._asked[int(slot)] = (asked, float(at))
            return int(slot), max(0.0, float(wait)), False
        if chat_wait is not None:
            return None, float(chat_wait), True
        return None, POLL, False

    async def keep(self) -> int:
        """Marks this process's slots in flight (taken, not yet released) as alive (`ABANDONED`);
        returns how many it holds."""
        now = time.monotonic()
        for slot in [slot for slot, (asked, _) in self._asked.items() if now - asked > STALE]:
            del self._asked[slot]  # its release was given up on: let it be abandoned
        ids = list(self._asked)
        if ids:
            with outages_said():
                async with self._engine.connect() as conn:
                    await conn.execute(_KEEP, {"ids": ids})
        return len(ids)

    async def release(self, slot: int, *, sent: bool, answered: float | None = None) -> None:
        """`sent`: the request may have reached the server, its slot frees `per` seconds after
        its answer (`answered`, this process's monotonic clock; default now) as the database
        bounds it (`_SENT`); else it is free from its start."""
        asked = self._asked.get(slot)
        if sent:
            bound = None
            if asked is not None:
                bound = asked[1] + ((answered or time.monotonic()) - asked[0])
            statement, params = _SENT, {"id": slot, "per": self.per, "bound": bound}
        else:
            statement, params = _UNUSED, {"id": slot}
        with outages_said():
            async with self._engine.connect() as conn:
                await conn.execute(statement, params)
        self._asked.pop(slot, None)  # kept until written: a release tried again keeps its bound


def token_key(token: str) -> str:
    """What stands for the token in the tables: its SHA-256, so the database never holds it."""
    return hashlib.sha256(token.encode()).hexdigest()


def short_window(window: str) -> str:
    """The window's name as the columns hold it (128 characters at most)."""
    if len(window) > 128:
        return "#" + hashlib.sha256(window.encode()).hexdigest()
    return window
