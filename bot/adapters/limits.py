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

Several processes of one bot (on PostgreSQL) share the platform's limits: given a `budget`
(`bot/storage/budget.py`), a send also takes its chat's slot and the platform's there, and
waits for them. The local buckets and windows stay (they are free, and keep a process alone
within the limits when the database is slow to answer). The platform's slot is not a spaced one
but a slot of a window shared in the database and held until after the answer, as the local
one (`shared_slots.py`): for a whole send taken with its chat's, the slots of a process's sends
waiting at once in one round trip; at the wire (Discord), each request's, its chat's slot
staying a spaced one in the budget.

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

from aiolimiter import AsyncLimiter

# The numbers, the state, the bookings and the at-wire half live apart; importing them from
# here keeps working (tests, benches, services).
from bot.adapters.limit_booking import Booking
from bot.adapters.limit_profiles import DISCORD, TELEGRAM, LimitProfile, Rate, SharedBudget
from bot.adapters.limit_state import WAITED, ChatLimits, LimiterStats, loop_now, sleep_until
from bot.adapters.limit_wire import AtWire, WireSlot
from bot.adapters.shared_slots import Held, SharedGate
from bot.adapters.window import Slot, Window
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import ChatPlatform, EventCalendar, LiveEvent

__all__ = [
    "DISCORD",
    "TELEGRAM",
    "LimitProfile",
    "LimiterStats",
    "Rate",
    "RateLimitedPlatform",
    "WireSlot",
]


_ALL = "*"  # the platform-wide window's name in the shared budget (a chat's is its key)


class RateLimitedPlatform(AtWire, Booking):
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
        self._chats: dict[str, ChatLimits] = {}
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
                started = loop_now()
                await sleep_until(chat.paused_until)
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
        chat: ChatLimits,
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
        waited = loop_now() - started
        if waited > WAITED:
            self._waits += 1
            self._waited += waited

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

    def _chat(self, chat_key: str, dest: Destination) -> ChatLimits:
        chat = self._chats.get(chat_key)
        if chat is None:
            interval = self._profile.chat_interval(dest)
            chat = ChatLimits(AsyncLimiter(1, interval), Window(1, interval))
            self._chats[chat_key] = chat
        return chat

    async def _acquire_global(self, chat_key: str, dest: Destination) -> Held | None:
        """A send's turn in the global bucket (the window alone would let a whole window's sends
        leave at once; the bucket keeps them spaced as before, the window guards the limit),
        taken again if a global 429 arrived while it queued. With other processes (`budget`),
        then a slot of the platform's window they share and the chat's slot in the budget, in
        one round trip (`shared_slots.py`), held until after the answer. This process's own
        slot of the window is taken last (`_own_slot`)."""
        while True:
            await sleep_until(self._global_paused_until)
            await self._global.acquire()
            if loop_now() >= self._global_paused_until:
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
            if loop_now() >= self._global_paused_until:
                return slot
            slot.release(sent=False)  # a global 429 arrived while it waited
            await sleep_until(self._global_paused_until)

    def _shared_interval(self, dest: Destination | None) -> float:
        """Slots of the shared budget: a chat's (`dest`) or the platform's (None), spaced by
        the wider of the two margins."""
        profile = self._profile
        slack = (1 + max(profile.margin, profile.shared_margin)) / (1 + profile.margin)
        base = profile.overall.interval * (1 + profile.margin)
        return (base if dest is None else profile.chat_interval(dest)) * slack

    def _count(self, result: SendResult, chat: ChatLimits) -> None:
        if result.delivered:
            self._sent += 1
        elif result.retry_after is not None:
            if not self._at_wire:  # else counted as it came (`refused_at_wire`)
                self._rate_limited += 1
            until = loop_now() + result.retry_after
            chat.paused_until = max(chat.paused_until, until)
            if result.reason == "global":
                self._global_paused_until = max(self._global_paused_until, until)
        else:
            self._failed += 1

    def _sweep(self) -> None:
        """Forgets chats idle long enough that a fresh bucket would behave the same (full, not
        paused): memory stays bounded by the chats written to within about `idle_after`."""
        now = loop_now()
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
