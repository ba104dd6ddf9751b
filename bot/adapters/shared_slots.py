"""The platform's overall window across the processes of one bot: a send holds a slot there as
well as in its own process's window (`window.py`), from when it leaves until a window after its
answer, so the sends of all the processes together never pass the limit as the server counts it.

The slots live in the database (`bot/storage/send_window.py`); this side asks for the slots of
a process's waiting sends together (one query in flight per process, for up to `BATCH` sends) and
gives them back in the background after the answer: the send's caller is not held by the
database, and a send cancelled after it left still gives its slot back (the task is started
in its `finally`, synchronously). The release's own delay costs the window nothing: the slot
frees a window after the answer as bounded by the time the send asked for it (`give_back`
notes the answer's moment). A database that does not answer must not stop the sends: the
process's own window still holds it within the limits alone, so the send goes on (logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass

from bot.adapters.limit_profiles import SharedSlots, Taken
from bot.core.ports import StoreUnavailable

log = logging.getLogger(__name__)


KEEP = 1.0  # seconds between two marks of this process's slots in flight as alive (as the
# storage's `send_window.KEEP`, which its `ABANDONED` is reckoned from)
RELEASE_TRIES = 5  # a release the database refused is tried again, KEEP apart
BATCH = 8  # sends of a process that ask for their slots in one round trip, at most (the outbox's)


@dataclass
class _Ask:
    """A send waiting for its slot: the chat's window in the budget (None: none), its spacing,
    and where its answer goes (None: the database failed)."""

    chat: str | None
    interval: float
    answer: asyncio.Future[Taken | None]


class SharedGate:
    def __init__(self, slots: SharedSlots, batch: int = BATCH) -> None:
        self._slots = slots
        self._batch = batch
        self._asks: deque[_Ask] = deque()  # this process's sends, first come first served
        self._taker: asyncio.Task[None] | None = None
        self._releases: set[asyncio.Task[None]] = set()  # kept referenced until done
        self._keeper: asyncio.Task[None] | None = None

    async def take(self, chat: str | None = None, chat_interval: float = 0.0) -> int | None:
        """Waits for a slot of the shared window and, with `chat`, that chat's spaced slot
        from the same moment; None when the database failed (none held).

        The sends waiting in this process ask together, up to `batch` of them in one round
        trip (`_take_in_turn`): a slot for each, handed over for when it frees when the window
        is full. A send whose chat is not free waits out of turn and asks again."""
        loop = asyncio.get_running_loop()
        while True:
            ask = _Ask(chat, chat_interval, loop.create_future())
            self._asks.append(ask)
            if self._taker is None or self._taker.done():
                self._taker = loop.create_task(self._take_in_turn())
            try:
                got = await ask.answer
            except asyncio.CancelledError:
                with contextlib.suppress(ValueError):
                    self._asks.remove(ask)
                raise
            if got is None:
                return None
            slot, wait, _ = got
            if slot is not None:
                if wait > 0:
                    try:
                        await asyncio.sleep(wait)
                    except BaseException:  # cancelled: never sent, free from its start
                        self.give_back(slot, sent=False)
                        raise
                return slot
            await asyncio.sleep(wait)  # the chat's turn, out of the process's

    async def _take_in_turn(self) -> None:
        """Asks for the waiting sends' slots, `batch` at a time, one call in flight.

        After a call, the next waits until the slots it was handed are due: a process holds
        at most `batch` slots promised for later, and the others find the next ones to free
        (all promised, they would find none freeing at a known time, and poll). Sends that
        found every slot in flight ask again first, `POLL` later."""
        while self._asks:
            batch = [self._asks.popleft() for _ in range(min(self._batch, len(self._asks)))]
            batch = [ask for ask in batch if not ask.answer.done()]
            if not batch:
                continue
            try:
                answers = await self._slots.take_many([(a.chat, a.interval) for a in batch])
            except Exception as error:
                budget_failed(error)
                for ask in batch:
                    self._settle(ask, None)
                continue
            again = [a for a, got in zip(batch, answers, strict=True) if not _answered(got)]
            for ask, got in zip(batch, answers, strict=True):
                if _answered(got):
                    self._settle(ask, got)
            due = max((wait for slot, wait, _ in answers if slot is not None), default=0.0)
            if again:
                self._asks.extendleft(reversed(again))
                due = max(due, max(answers[batch.index(a)][1] for a in again))
            if due > 0:
                await asyncio.sleep(due)

    def _settle(self, ask: _Ask, got: Taken | None) -> None:
        if got is not None and got[0] is not None:
            self._keeping()
        if not ask.answer.done():
            ask.answer.set_result(got)
        elif got is not None and got[0] is not None:  # its send was cancelled meanwhile
            self.give_back(got[0], sent=False)

    def give_back(self, slot: int, *, sent: bool) -> None:
        answered = time.monotonic()  # now, not when the background task runs (`release`)
        task = asyncio.get_running_loop().create_task(self._release(slot, sent, answered))
        self._releases.add(task)
        task.add_done_callback(self._releases.discard)

    async def _release(self, slot: int, sent: bool, answered: float) -> None:
        """Tried again while the database does not answer (the bound is the answer's moment,
        so a late release costs the window nothing); kept alive meanwhile (`_keep`)."""
        for attempt in range(RELEASE_TRIES):
            try:
                await self._slots.release(slot, sent=sent, answered=answered)
                return
            except Exception as error:
                if attempt == 0:
                    budget_failed(error)
                await asyncio.sleep(KEEP)
        log.warning("a shared send slot could not be given back; it frees once abandoned")

    def _keeping(self) -> None:
        if self._keeper is None or self._keeper.done():
            self._keeper = asyncio.get_running_loop().create_task(self._keep())

    async def _keep(self) -> None:
        """While this process holds slots in flight, says so every `KEEP` seconds: a slot not
        kept is taken back from a process that died (`ABANDONED` in send_window.py)."""
        while True:
            await asyncio.sleep(KEEP)
            try:
                if not await self._slots.keep():
                    return
            except Exception as error:
                budget_failed(error)

    async def drain(self) -> None:
        """Waits for the slots being given back (a process stopping; the tests), and stops
        keeping them alive."""
        while self._releases:
            await asyncio.gather(*list(self._releases), return_exceptions=True)
        if self._keeper is not None:
            self._keeper.cancel()
            await asyncio.gather(self._keeper, return_exceptions=True)


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


def _answered(got: Taken) -> bool:
    """A slot, or the chat's wait; not "every slot in flight" (asked again in turn)."""
    slot, _, chat_busy = got
    return slot is not None or chat_busy


def budget_failed(error: Exception) -> None:
    """The database being away is said in a line (each send would repeat its traceback)."""
    if isinstance(error, StoreUnavailable):
        log.warning("shared send budget unavailable (%s), local limits only", error.kind)
    else:
        log.warning("shared send budget unavailable, local limits only", exc_info=error)
