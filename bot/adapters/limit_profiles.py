"""The platforms' limits as numbers (`Rate`, `LimitProfile`, Telegram's and Discord's), and what
the processes of one bot share of them (`SharedBudget`): read by the limiter (`limits.py`), the
composition root, the tests and the benches, apart from how the limiter waits."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

from bot.core.messages import Destination


@dataclass(frozen=True)
class Rate:
    """`count` sends in any window of `per` seconds."""

    count: int
    per: float

    @property
    def interval(self) -> float:
        """The spacing that keeps any window of `per` seconds at `count` sends or fewer."""
        return self.per / self.count


@dataclass(frozen=True)
class LimitProfile:
    """One platform's published limits.

    `per_group` applies on top of `per_chat` to a chat whose id starts with `-` (Telegram groups,
    supergroups and channels; a private chat's id is positive). `thread_is_chat`: on Discord a
    thread is a channel of its own with its own bucket; a Telegram topic shares its group's.
    `margin` slows every bucket a little; the room it leaves absorbs the delay between our grant
    and the server seeing the request (about 5 ms at Telegram's 30/s with 1 %). A larger jitter
    can still earn a 429: that chat (or everything) is then paused and the row retried.
    `idle_after`: how often idle chats are forgotten. `shared_margin`: the margin of the spaced
    slots taken in the budget shared between processes (`budget`: a chat's, and at the wire the
    platform's), wider than the local one: a slot granted by the database reaches the send after
    a round trip and a timer, and two processes' delays differ more than one event loop's
    (measured: 3 global 429s in 90 sends at 1 %). The platform's shared window for whole sends
    is strict (held until after the answer) and keeps `margin`.
    """

    overall: Rate
    per_chat: Rate
    per_group: Rate | None = None
    thread_is_chat: bool = False
    margin: float = 0.01
    idle_after: float = 60.0
    shared_margin: float = 0.05

    def chat_key(self, dest: Destination) -> str:
        if self.thread_is_chat and dest.thread_id:
            return f"{dest.chat_id}/{dest.thread_id}"
        return dest.chat_id

    def chat_interval(self, dest: Destination) -> float:
        interval = self.per_chat.interval
        if self.per_group is not None and dest.chat_id.startswith("-"):
            interval = max(interval, self.per_group.interval)
        return interval * (1 + self.margin)

    def global_bucket(self) -> tuple[float, float]:
        """`(capacity, seconds to leak it)` of the global bucket (see the module's docstring)."""
        capacity = 1 + self.overall.count * self.margin / (1 + self.margin) / 2
        return capacity, capacity * self.overall.interval * (1 + self.margin)

    def scaled(self, factor: float) -> LimitProfile:
        """The same limits on a clock running `1/factor` times faster (tests, benches)."""
        return replace(
            self,
            overall=Rate(self.overall.count, self.overall.per * factor),
            per_chat=Rate(self.per_chat.count, self.per_chat.per * factor),
            per_group=None
            if self.per_group is None
            else Rate(self.per_group.count, self.per_group.per * factor),
            idle_after=self.idle_after * factor,
        )


TELEGRAM = LimitProfile(
    overall=Rate(30, 1.0), per_chat=Rate(1, 1.0), per_group=Rate(20, 60.0), thread_is_chat=False
)
"""About 30 messages/s overall, 1/s in one chat, 20/min in one group (Telegram's Bot FAQ)."""

DISCORD = LimitProfile(
    overall=Rate(50, 1.0), per_chat=Rate(5, 5.0), thread_is_chat=True, margin=0.05
)
"""50 requests/s global; 5 per 5 s per channel is the message route's usual bucket (discord.py
also honours the real per-route buckets it reads from the response headers). A margin of 5 %:
with 1 %, a busy event loop (presses answered during a DM fan-out) let requests granted ~20 ms
apart reach the server closer together, 51-56 in one second. On Discord the global slot is taken
at the wire (`RateLimitedPlatform(..., at_wire=True)`, see `bot/adapters/discord/wire.py`): every
request discord.py makes, a DM channel's opening and its own retries included."""


Taken = tuple[int | None, float, bool]
"""A send's answer from the shared window: (a slot, seconds until it may be used, False), its
chat's spaced slot taken with it; else (None, seconds until its chat is free, True), or (None,
seconds before asking again, False): every slot in flight."""


class SharedSlots(Protocol):
    """A strict sliding window shared by the processes (`bot.storage.send_window`)."""

    async def take(self, chat: str | None = None, chat_interval: float = 0.0) -> Taken:
        """A slot for one send, `chat`'s spaced slot (`chat_interval` apart) with it."""
        ...

    async def take_many(self, chats: list[tuple[str | None, float]]) -> list[Taken]:
        """`take` for each of several sends (a chat or None, its spacing), in one call."""
        ...

    async def keep(self) -> int:
        """Marks this process's slots in flight as alive; how many it holds."""
        ...

    async def release(self, slot: int, *, sent: bool, answered: float | None = None) -> None:
        """Gives the slot back: held `per` seconds after the answer (`answered`, on
        `time.monotonic()`; default now) if the request may have left."""
        ...


class SharedBudget(Protocol):
    """The send budget the processes of one bot share (`bot.storage.budget.SendBudget`)."""

    async def reserve(self, window: str, interval: float) -> float:
        """Takes `window`'s next slot, slots `interval` seconds apart; seconds to wait for it."""
        ...

    async def take(self, window: str, interval: float) -> float:
        """Takes `window`'s slot if free now (0.0), else nothing: seconds until it frees."""
        ...

    def window(self, window: str, count: int, per: float) -> SharedSlots:
        """`window` as `count` requests in any `per` seconds, held until after their answer."""
        ...
