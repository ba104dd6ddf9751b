"""Requests gated at the wire (Discord): the part of the limiter the HTTP client calls just
before each request leaves (`wire_slot`), and what a request holds until its answer
(`WireSlot`). See `limits.py` for the whole design; `RateLimitedPlatform(..., at_wire=True)`.

At the wire, a request takes its chat's slot first, then the global one. While it queued for
the global slot its chat's bucket kept leaking, so the chat's slot is topped up to full at the
moment of the send: the next send to that chat is spaced from when this one really left, not
from when it queued."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextvars import ContextVar

from aiolimiter import AsyncLimiter

from bot.adapters.limit_profiles import LimitProfile, SharedBudget
from bot.adapters.limit_state import WAITED, ChatLimits, loop_now, sleep_until, top_up
from bot.adapters.shared_slots import Held, SharedGate, budget_failed
from bot.adapters.window import Slot
from bot.core.messages import Destination, SendResult

# Seconds the requests of the send under way waited for their global slot at the wire (see
# `AtWire.wire_slot`): its chat's bucket is topped up by as much afterwards.
_AT_WIRE: ContextVar[list[float] | None] = ContextVar("waited_at_wire", default=None)


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


class AtWire:
    """The at-wire half of `RateLimitedPlatform` (its state is set up there)."""

    _profile: LimitProfile
    _global: AsyncLimiter
    _global_paused_until: float
    _budget: SharedBudget | None
    _shared_gate: SharedGate | None
    _rate_limited: int
    _waits: int
    _waited: float
    _requests: int

    async def _own_slot(self) -> Slot:
        raise NotImplementedError

    def _shared_interval(self, dest: Destination | None) -> float:
        raise NotImplementedError

    async def _call_at_wire(
        self, chat: ChatLimits, call: Callable[[], Awaitable[SendResult]]
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
        await top_up(chat.limiter, waited[0])
        return result

    async def wire_slot(self) -> WireSlot:
        """`at_wire`: called by the HTTP client just before each request leaves (in the task
        that makes it); waits for its global slot and for any global pause. Returns its place
        in the platform's window, which the caller gives back once the answer came
        (`release(sent=True)`): the server counted the request in between, so a stall of the
        loop (requests that left before it reach the server after it, with those that leave
        as it ends) cannot put more than the limit in one of its windows."""
        started = loop_now()
        slot = await self._acquire_wire_slot()
        self._requests += 1
        spent = loop_now() - started
        if spent > WAITED:
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
            until = loop_now() + retry_after
            self._global_paused_until = max(self._global_paused_until, until)

    async def _acquire_wire_slot(self) -> WireSlot:
        """A request's turn in the global bucket at the wire (taken again if a global 429
        arrived while it queued), then, with other processes, a slot of the platform's window
        they share (`shared_slots.py`: the server counts every process's requests together, and
        one process starved of the CPU sends late, bunched with the others' next ones), then
        this process's own slot, last (`_own_slot`), as a whole send takes them."""
        while True:
            await sleep_until(self._global_paused_until)
            await self._global.acquire()
            if loop_now() >= self._global_paused_until:
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
