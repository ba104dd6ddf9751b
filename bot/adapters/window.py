"""A strict sliding window as the server counts it: at most `count` requests in any `per` s.

Why not a leaky bucket paced on our clock (what `aiolimiter` does): a bucket grants slots
`per/count` apart when they leave the limiter, but the server counts each request when it
arrives, and between the two lie the event loop's turns, the HTTP client and the network. Under
a burst of presses those stretched unevenly: a request delayed by a few tens of milliseconds and
the 30th after it, not delayed, were counted within one second (measured: one or two 429s to
Telegram's reminders over a fan-out of 2,000, whatever the margin short of the delay).

Here a request holds its slot from when it leaves until `per` seconds after its answer came
back: the server counted it somewhere in between, so `count + 1` requests can never fall in
one of its windows, whatever each one's way there took. The price is the round trip: a slot
serves one request every `per + round trip` seconds (about 2 % of Telegram's 30/s at 20 ms).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque


class Slot:
    """A request's place in a window, given back once with `release`."""

    __slots__ = ("_released", "_window")

    def __init__(self, window: Window) -> None:
        self._window = window
        self._released = False

    def release(self, *, sent: bool) -> None:
        """`sent`: the request may have reached the server (its slot stays taken for `per`
        seconds from now); else it never left and the slot is free at once."""
        if not self._released:
            self._released = True
            self._window._give_back(sent)


class Window:
    def __init__(self, count: int, per: float) -> None:
        self.count, self.per = count, per
        self._in_flight = 0
        self._frees: deque[float] = deque()  # when each answered request's slot frees, in order
        self._turn = asyncio.Lock()  # the waiting requests, first come first served
        self._changed = asyncio.Event()  # a request in flight was answered or never left

    async def take(self) -> Slot:
        """Waits until fewer than `count` requests are in flight or were answered within the
        last `per` seconds, and takes a slot."""
        async with self._turn:
            while not self._room(_now()):
                self._changed.clear()
                if self._frees:  # the oldest answered request's slot frees then
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), self._frees[0] - _now())
                else:  # every slot is in flight: one comes back with its answer
                    await self._changed.wait()
            self._in_flight += 1
        return Slot(self)

    def busy(self) -> bool:
        """Some request is in flight or answered within `per` seconds (not forgettable)."""
        self._room(_now())  # forgets the slots freed by now
        return self._in_flight > 0 or bool(self._frees)

    def _room(self, now: float) -> bool:
        frees = self._frees
        while frees and frees[0] <= now:
            frees.popleft()
        return self._in_flight + len(frees) < self.count

    def _give_back(self, sent: bool) -> None:
        self._in_flight -= 1
        if sent:
            self._frees.append(_now() + self.per)
        self._changed.set()


def _now() -> float:
    return asyncio.get_running_loop().time()
