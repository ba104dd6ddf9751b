"""The platform's overall window across the processes of one bot: a send holds a slot there as
well as in its own process's window (`window.py`), from when it leaves until a window after its
answer, so the sends of all the processes together never pass the limit as the server counts it.

The slots live in the database (`bot/storage/send_window.py`); this side queues a process's
sends for them one at a time (one query in flight per process, not one per waiting send) and
gives them back in the background after the answer: the send's caller is not held by the
database, and a send cancelled after it left still gives its slot back (the task is started
in its `finally`, synchronously). The release's own delay costs the window nothing: the slot
frees a window after the answer as bounded by the time the send asked for it (`give_back`
notes the answer's moment). A database that does not answer must not stop the sends: the
process's own window still holds it within the limits alone, so the send goes on (logged).
"""

from __future__ import annotations

import asyncio
import logging
import time

from bot.adapters.limit_profiles import SharedSlots
from bot.core.ports import StoreUnavailable

log = logging.getLogger(__name__)


class SharedGate:
    def __init__(self, slots: SharedSlots) -> None:
        self._slots = slots
        self._turn = asyncio.Lock()  # this process's sends, first come first served
        self._releases: set[asyncio.Task[None]] = set()  # kept referenced until done

    async def take(self, chat: str | None = None, chat_interval: float = 0.0) -> int | None:
        """Waits for a slot of the shared window and, with `chat`, that chat's spaced slot
        from the same moment; None when the database failed (none held).

        One of this process's sends asks at a time, and waits in its turn for a slot handed
        over for when it frees (the next send asks then, for the next one): one slot waited
        for a process, not all of its sends' (the others would find every slot promised, none
        freeing at a known time, and poll). A send whose chat is not free waits out of turn."""
        while True:
            async with self._turn:
                while True:
                    try:
                        slot, wait, chat_busy = await self._slots.take(chat, chat_interval)
                    except Exception as error:
                        budget_failed(error)
                        return None
                    if slot is not None or chat_busy:
                        break
                    await asyncio.sleep(wait)  # every slot in flight
                if slot is not None:
                    if wait > 0:
                        try:
                            await asyncio.sleep(wait)
                        except BaseException:  # cancelled: never sent, free from its start
                            self.give_back(slot, sent=False)
                            raise
                    return slot
            await asyncio.sleep(wait)  # the chat's turn, out of the process's

    def give_back(self, slot: int, *, sent: bool) -> None:
        answered = time.monotonic()  # now, not when the background task runs (`release`)
        task = asyncio.get_running_loop().create_task(self._release(slot, sent, answered))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, slot: int, sent: bool, answered: float) -> None:
        try:
            await self._slots.release(slot, sent=sent, answered=answered)
        except Exception as error:  # the row frees itself once abandoned (`ABANDONED`)
            budget_failed(error)

    async def drain(self) -> None:
        """Waits for the slots being given back (a process stopping; the tests)."""
        while self._releases:
            await asyncio.gather(*list(self._releases), return_exceptions=True)


class Held:
    """A send's slot in the window every process of the bot shares."""

    __slots__ = ("_gate", "_shared")

    def __init__(self, gate: SharedGate, shared: int | None) -> None:
        self._gate, self._shared = gate, shared

    def release(self, *, sent: bool) -> None:
        """As `Slot.release` (given back in the background)."""
        if self._gate is not None and self._shared is not None:
            shared, self._shared = self._shared, None
            self._gate.give_back(shared, sent=sent)


def budget_failed(error: Exception) -> None:
    """The database being away is said in a line (each send would repeat its traceback)."""
    if isinstance(error, StoreUnavailable):
        log.warning("shared send budget unavailable (%s), local limits only", error.kind)
    else:
        log.warning("shared send budget unavailable, local limits only", exc_info=error)
