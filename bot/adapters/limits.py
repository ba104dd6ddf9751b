"""Process-wide send limits in front of a chat platform: wait for a free slot, never drop.

Why here and not in the libraries: python-telegram-bot's `AIORateLimiter` has no per-private-chat
limit and, with `max_retries=0`, lets 429s through; discord.py learns its route buckets only from
the responses it gets. A fan-out of reminders (thousands of private chats within a second) would
hit those limits first and pay in 429s, and on Discord invalid requests count toward a ban.
So every outbound send passes here, and the ledger's outbox may keep several sends in flight.

The limits are strict sliding windows on the platform's side ("N in any W seconds"). A leaky
bucket of capacity N lets N through at once and then one every W/N: up to 2N in one window. So
the buckets here leak one send every `W/N * (1 + margin)` seconds and hold little more than one:
the same sustained rate, without the burst. In any window a bucket of capacity C admits at most
`C + N / (1 + margin)` sends, which stays at N or below while `C <= 1 + N * margin / (1 + margin)`.
The global bucket takes half of that room as capacity, so a timer that wakes a little late does
not lose its slot for good (with capacity 1, every late wake is throughput lost); the other half
covers the jitter between our clock and the server's. A chat's bucket keeps capacity 1.

The sender asks before it sends (`free_in`, `book`): a row for a chat whose window is closed is
put back in the ledger for the time the chat is next free, instead of queueing here and holding
one of the sender's slots. Booking keeps a "next free" time per chat and for the platform, paced
like the buckets below; the buckets stay the strict guard (a booking never lets a send through).

Whole sends (Telegram) do not use buckets for their windows but `window.py`: a send holds its
chat's slot and the platform's from when it leaves until a window after its answer came back,
so no delay between our clock and the server's (a busy event loop, the network) can earn a 429.
Requests gated at the wire (Discord) hold the platform's window the same way, each from when it
leaves until its answer (`discord/wire.py`); their chats keep the buckets below.

At the wire, a request takes its chat's slot first, then the global one. While it queued for
the global slot its chat's bucket kept leaking, so the chat's slot is topped up to full at the
moment of the send: the next send to that chat is spaced from when this one really left, not
from when it queued.

Several processes of one bot (on PostgreSQL) share the platform's limits: given a `budget`
(`bot/storage/budget.py`), a send also takes its chat's slot and the platform's there, and
waits for them. The local buckets and windows stay (they are free, and keep a process alone
within the limits when the database is slow to answer). The platform's slot is not a spaced one
but a slot of a window shared in the database and held until after the answer, as the local
one (`shared_slots.py`): for a whole send taken with its chat's in one round trip; at the wire
(Discord), each request's, its chat's slot staying a spaced one in the budget.

A window serves `count` requests every `per` seconds plus however long each slot is held before
its answer: so a whole send passes the bucket first (its pacing), then takes the shared slot,
and its own process's window slot last, just before it leaves; the database's round trips and
the bucket's wait are not held in either (issue 17: taken first, the local slot was held 87 ms a
send on PostgreSQL, the fan-out capped near 0.92 of the limit). The shared window keeps the
local margin: it is strict (a slot held until after the answer), not a spacing that a late
request could undercut, so it needs no wider one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

# The numbers live apart; importing them from here keeps working (tests, benches, services).
from bot.adapters.limit_profiles import DISCORD, TELEGRAM, LimitProfile, Rate, SharedBudget
from bot.adapters.shared_slots import Held, SharedGate, budget_failed
from bot.adapters.window import Slot, Window
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import ChatPlatform, EventCalendar, LiveEvent

__all__ = ["DISCORD", "TELEGRAM", "LimitProfile", "LimiterStats", "Rate", "RateLimitedPlatform"]


_WAITED = 0.001  # seconds of waiting that count as a wait in the figures
_ROUNDING = 1e-9  # keeps a top-up just under a full bucket, so it never has to wait
_NEGLIGIBLE = 1e-6  # of a slot: a top-up this small is far inside the margin, skipped
# Seconds the requests of the send under way waited for their global slot at the wire (see
# `RateLimitedPlatform.wire_slot`): its chat's bucket is topped up by as much afterwards.
_AT_WIRE: ContextVar[list[float] | None] = ContextVar("waited_at_wire", default=None)


_ALL = "*"  # the platform-wide window's name in the shared budget (a chat's is its key)


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
class _Chat:
    """One chat's bucket (requests gated at the wire) or window (whole sends, `window.py`);
    `users` counts sends holding or queueing for it (never forgotten then)."""

    limiter: AsyncLimiter
    window: Window
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    paused_until: float = 0.0
    users: int = 0


class WireSlot:
    """A request's places at the wire: in this process's window and, with other processes, in
    the one they share; given back together once its answer (or its failure) came."""

    __slots__ = ("_own", "_shared")

    def __init__(self, own: Slot, shared: Held | None) -> None:
        self._own, self._shared = own, shared

    def release(self, *, sent: bool) -> None:
        """As `Slot.release`."""
        self._own.release(sent=sent)
        if self._shared is not None:
            self._shared.release(sent=sent)


class RateLimitedPlatform:
    """A `ChatPlatform` that waits until the platform's limits allow a send, then sends.

    A 429 (`retry_after` set) pauses that chat, and the whole platform too when the answer says
    the limit was global (`reason == "global"`); the refusal is returned unchanged so the outbox
    reschedules the row. Every other result passes through as is.

    `at_wire`: the inner platform's HTTP client takes the global slot itself, request by
    request, just before each leaves (`wire_slot`), instead of once per send here. On Discord a
    send can be several requests the library makes on its own (a member's DM channel opened
    before the post; a request refused with 429 retried after its own pause): counted once per
    send, those went out ungated, and after a global pause the sends that had queued inside the
    library left together, into the next 429 (measured: 260 429s over 2,000 first DMs).
    """

    def __init__(
        self,
        inner: ChatPlatform,
        profile: LimitProfile,
        *,
        at_wire: bool = False,
        budget: SharedBudget | None = None,
    ) -> None:
        self.name = inner.name
        self.capabilities = inner.capabilities
        self._inner = inner
        self._profile = profile
        self._global = AsyncLimiter(*profile.global_bucket())  # spacing; the limit at the wire
        # The platform's window as its server counts it: whole sends, or requests at the wire.
        self._window = Window(profile.overall.count, profile.overall.per * (1 + profile.margin))
        self._global_paused_until = 0.0
        self._at_wire = at_wire
        self._budget = budget
        # Whole sends with other processes: the platform's window shared with them, as counted.
        self._shared_gate = (
            None
            if budget is None
            else SharedGate(
                budget.window(
                    _ALL,
                    profile.overall.count,
                    profile.overall.per * (1 + profile.margin),
                )
            )
        )
        self._chats: dict[str, _Chat] = {}
        self._last_sweep = 0.0
        self._booked: dict[str, float] = {}  # chat key -> when its next send may leave
        self._global_booked = 0.0  # when the platform's next booked send may leave
        self._sent = 0
        self._failed = 0
        self._rate_limited = 0
        self._waits = 0
        self._waited = 0.0
        self._requests = 0  # gated at the wire
        # Set once the inner platform can send (its HTTP client opened): a send waits for it
        # before taking any slot. Set already unless its service clears it until started.
        self.ready = asyncio.Event()
        self.ready.set()

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        return await self._gated(dest, lambda: self._inner.send(dest, message, key=key))

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        """Edits count against the same limits as sends (one more request to that chat)."""
        return await self._gated(dest, lambda: self._inner.edit(dest, message_id, message, key=key))

    async def sync_event(
        self, space_id: str, event_id: str | None, event: LiveEvent, *, key: str
    ) -> SendResult:
        """A calendar call counts against the space's own budget (its own route on Discord)."""
        inner = self._inner
        if not isinstance(inner, EventCalendar):
            return SendResult(False, permanent=True, reason="no calendar on this platform")
        dest = Destination(self.name, f"events:{space_id}", private=False)
        return await self._gated(dest, lambda: inner.sync_event(space_id, event_id, event, key=key))

    async def _gated(
        self, dest: Destination, call: Callable[[], Awaitable[SendResult]]
    ) -> SendResult:
        if not self.ready.is_set():
            await self.ready.wait()
        chat_key = self._profile.chat_key(dest)
        chat = self._chat(chat_key, dest)
        chat.users += 1
        try:
            # Held across the call: one request per chat at a time, so its bucket is ours to top
            # up and a 429 pauses the chat before the next request to it starts.
            async with chat.lock:
                started = _now()
                await _sleep_until(chat.paused_until)
                if self._at_wire:
                    await chat.limiter.acquire()
                    await self._chat_turn(chat_key, dest)
                    self._waited_since(started)
                    result = await self._call_at_wire(chat, call)
                else:
                    result = await self._windowed(chat, chat_key, dest, call, started)
                self._count(result, chat)
        finally:
            chat.users -= 1
        self._sweep()
        return result

    async def _windowed(
        self,
        chat: _Chat,
        chat_key: str,
        dest: Destination,
        call: Callable[[], Awaitable[SendResult]],
        started: float,
    ) -> SendResult:
        """The send holds a slot of its chat's window and one of the platform's from when it
        leaves until a window after its answer (`window.py`): no delay on its way to the
        server can bring it closer to another than the limits allow."""
        chat_slot = await chat.window.take()
        platform_slot: Held | None = None
        own: Slot | None = None
        sent = False
        try:
            platform_slot = await self._acquire_global(chat_key, dest)
            own = await self._own_slot()
            self._waited_since(started)
            sent = True  # from here the request may reach the server, even if the call raises
            return await call()
        finally:
            chat_slot.release(sent=sent)
            if own is not None:
                own.release(sent=sent)
            if platform_slot is not None:
                platform_slot.release(sent=sent)

    def _waited_since(self, started: float) -> None:
        waited = _now() - started
        if waited > _WAITED:
            self._waits += 1
            self._waited += waited

    def free_in(self, dest: Destination) -> float:
        """Seconds until a send to `dest` may leave, after the sends already booked and any
        pause a 429 imposed (0: now)."""
        now = _now()
        return max(self._chat_free(dest, now), self._global_free(now)) - now

    def book(self, dest: Destination) -> float:
        """Takes the next slot of `dest`'s chat and the platform's next one; returns seconds
        until the send may leave. The platform's slots are taken in turn from now, whatever the
        chat's wait (a send booked for later holds no other chat back). The send itself still
        passes the buckets in `send`/`edit`."""
        now = _now()
        chat_at, global_at = self._chat_free(dest, now), self._global_free(now)
        at = max(chat_at, global_at)
        self._booked[self._profile.chat_key(dest)] = at + self._profile.chat_interval(dest)
        self._global_booked = global_at + self._profile.overall.interval * (
            1 + self._profile.margin
        )
        return at - now

    def _chat_free(self, dest: Destination, now: float) -> float:
        key = self._profile.chat_key(dest)
        chat = self._chats.get(key)
        return max(now, self._booked.get(key, 0.0), chat.paused_until if chat else 0.0)

    def _global_free(self, now: float) -> float:
        return max(now, self._global_booked, self._global_paused_until)

    def stats(self) -> LimiterStats:
        return LimiterStats(
            sent=self._sent,
            failed=self._failed,
            rate_limited=self._rate_limited,
            waits=self._waits,
            waited_seconds=self._waited,
            chats=len(self._chats),
            requests=self._requests,
        )

    def _chat(self, chat_key: str, dest: Destination) -> _Chat:
        chat = self._chats.get(chat_key)
        if chat is None:
            interval = self._profile.chat_interval(dest)
            chat = _Chat(AsyncLimiter(1, interval), Window(1, interval))
            self._chats[chat_key] = chat
        return chat

    async def _call_at_wire(
        self, chat: _Chat, call: Callable[[], Awaitable[SendResult]]
    ) -> SendResult:
        """The call, its requests gated at the wire; the chat's bucket is then topped up by
        the time they waited there (the next request to the chat is spaced from when this one
        really left, as when the global slot is taken here)."""
        waited = [0.0]
        token = _AT_WIRE.set(waited)
        try:
            result = await call()
        finally:
            _AT_WIRE.reset(token)
        await _top_up(chat.limiter, waited[0])
        return result

    async def wire_slot(self) -> WireSlot:
        """`at_wire`: called by the HTTP client just before each request leaves (in the task
        that makes it); waits for its global slot and for any global pause. Returns its place
        in the platform's window, which the caller gives back once the answer came
        (`release(sent=True)`): the server counted the request in between, so a stall of the
        loop (requests that left before it reach the server after it, with those that leave
        as it ends) cannot put more than the limit in one of its windows."""
        started = _now()
        slot = await self._acquire_wire_slot()
        self._requests += 1
        spent = _now() - started
        if spent > _WAITED:
            self._waits += 1
            self._waited += spent
        waited = _AT_WIRE.get()
        if waited is not None:
            waited[0] += spent
        return slot

    def refused_at_wire(self, retry_after: float, *, is_global: bool) -> None:
        """A 429 seen at the wire, which the library will wait out and retry on its own: a
        global one pauses every request here too, so none queues up to leave with its retry."""
        self._rate_limited += 1
        if is_global:
            until = _now() + retry_after
            self._global_paused_until = max(self._global_paused_until, until)

    async def _acquire_wire_slot(self) -> WireSlot:
        """A request's turn in the global bucket at the wire (taken again if a global 429
        arrived while it queued), then, with other processes, a slot of the platform's window
        they share (`shared_slots.py`: the server counts every process's requests together, and
        one process starved of the CPU sends late, bunched with the others' next ones), then
        this process's own slot, last (`_own_slot`), as a whole send takes them."""
        while True:
            await _sleep_until(self._global_paused_until)
            await self._global.acquire()
            if _now() >= self._global_paused_until:
                break
        shared = None
        if self._shared_gate is not None:
            shared = Held(self._shared_gate, await self._shared_gate.take())
        try:
            own = await self._own_slot()
        except BaseException:  # cancelled while waiting: never sent
            if shared is not None:
                shared.release(sent=False)
            raise
        return WireSlot(own, shared)

    async def _acquire_global(self, chat_key: str, dest: Destination) -> Held | None:
        """A send's turn in the global bucket (the window alone would let a whole window's sends
        leave at once; the bucket keeps them spaced as before, the window guards the limit),
        taken again if a global 429 arrived while it queued. With other processes (`budget`),
        then a slot of the platform's window they share and the chat's slot in the budget, in
        one round trip (`shared_slots.py`), held until after the answer. This process's own
        slot of the window is taken last (`_own_slot`)."""
        while True:
            await _sleep_until(self._global_paused_until)
            await self._global.acquire()
            if _now() >= self._global_paused_until:
                break
        if self._shared_gate is None:
            return None
        shared = await self._shared_gate.take(f"chat:{chat_key}", self._shared_interval(dest))
        return Held(self._shared_gate, shared)

    async def _own_slot(self) -> Slot:
        """This process's slot in the platform's window, taken just before the request leaves.

        Last, because a slot serves one request every `per` seconds plus however long it is held
        before the answer: taken before the bucket's wait and the shared budget's round trips,
        those counted too (measured: 87 ms a send at the median on PostgreSQL, the fan-out
        capped near 0.92 of the limit). Once the shared slot is held this one is almost always
        free at once: the shared window counts this process's sends too, for longer."""
        while True:
            slot = await self._window.take()
            if _now() >= self._global_paused_until:
                return slot
            slot.release(sent=False)  # a global 429 arrived while it waited
            await _sleep_until(self._global_paused_until)

    async def _chat_turn(self, chat_key: str, dest: Destination) -> None:
        """At the wire: the chat's slot in the shared budget, waited for until free (a whole
        send takes it with its shared window's slot, `_acquire_global`)."""
        wait = await self._shared_chat(chat_key, dest)
        while wait > 0:
            await asyncio.sleep(wait)
            wait = await self._shared_chat(chat_key, dest)

    async def _shared_chat(self, chat_key: str, dest: Destination) -> float:
        """The chat's slot in the shared budget if free now (0.0), else seconds until it is."""
        if self._budget is None:
            return 0.0
        try:
            return await self._budget.take(f"chat:{chat_key}", self._shared_interval(dest))
        except Exception as error:
            budget_failed(error)
            return 0.0

    def _shared_interval(self, dest: Destination | None) -> float:
        """Slots of the shared budget: a chat's (`dest`) or the platform's (None), spaced by
        the wider of the two margins."""
        profile = self._profile
        slack = (1 + max(profile.margin, profile.shared_margin)) / (1 + profile.margin)
        base = profile.overall.interval * (1 + profile.margin)
        return (base if dest is None else profile.chat_interval(dest)) * slack

    def _count(self, result: SendResult, chat: _Chat) -> None:
        if result.delivered:
            self._sent += 1
        elif result.retry_after is not None:
            if not self._at_wire:  # else counted as it came (`refused_at_wire`)
                self._rate_limited += 1
            until = _now() + result.retry_after
            chat.paused_until = max(chat.paused_until, until)
            if result.reason == "global":
                self._global_paused_until = max(self._global_paused_until, until)
        else:
            self._failed += 1

    def _sweep(self) -> None:
        """Forgets chats idle long enough that a fresh bucket would behave the same (full, not
        paused): memory stays bounded by the chats written to within about `idle_after`."""
        now = _now()
        if now - self._last_sweep < self._profile.idle_after:
            return
        self._last_sweep = now
        idle = [
            key
            for key, chat in self._chats.items()
            if chat.users == 0
            and chat.paused_until <= now
            and chat.limiter.has_capacity()
            and not chat.window.busy()
        ]
        for key in idle:
            del self._chats[key]
        for key in [key for key, at in self._booked.items() if at <= now]:
            del self._booked[key]


def _now() -> float:
    """The event loop's clock, the one `AsyncLimiter` reads (monotonic)."""
    return asyncio.get_running_loop().time()


async def _sleep_until(deadline: float) -> None:
    delay = deadline - _now()
    if delay > 0:
        await asyncio.sleep(delay)


async def _top_up(limiter: AsyncLimiter, late: float) -> None:
    """Takes back what the bucket leaked during `late` seconds, so it is full again now.

    The bucket is held under the chat's lock, so the amount is free at once and nothing waits.
    """
    leaked = min(late * limiter.max_rate / limiter.time_period, limiter.max_rate)
    amount = leaked * (1 - _ROUNDING)
    if amount > _NEGLIGIBLE * limiter.max_rate:
        await limiter.acquire(amount)
