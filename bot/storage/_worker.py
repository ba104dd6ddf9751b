"""The database thread itself, and the two hand-offs between it and the event loop.

Why not a `ThreadPoolExecutor(max_workers=1)`: its `submit` builds a `concurrent.futures.Future`,
a work item, takes a lock and checks its thread count on every call; during a Telegram press
burst (one unit per press, each one its own job) that was ~8 % of the event loop. Here the loop
hands the thread a job with one `SimpleQueue.put` (C code, no lock of ours) and the thread keeps
no future for it: the units' outcomes come back through `Inbox`.

Back to the loop: each wake-up is one write to the loop's self-pipe (`call_soon_threadsafe`), a
system call during which the database thread lets go of the interpreter lock, and the loop takes
it to run the woken callers. `Inbox` writes it only when no wake-up is pending: outcomes finished
while the loop has not yet read the last ones ride on that same wake-up.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
# A caller's future, and what to set it to: its unit's result, or what the unit raised.
Outcome = tuple["asyncio.Future[Any]", Any, BaseException | None]


class DbThread:
    """One thread running jobs in the order given; `stop` ends it after the jobs before."""

    def __init__(self, name: str = "solidaire-db") -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()
        self.ident = self._thread.ident  # for its CPU clock (benchmarks)

    def put(self, job: Callable[[], None]) -> None:
        """From any thread: `job` runs after those put before. It must not raise (logged)."""
        self._jobs.put(job)

    def call(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """`fn()` in the thread, after the jobs already put; its outcome for the event loop to
        await (the rare paths: a unit driven from the loop, tools, migrations, closing)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def job() -> None:
            try:
                result = fn()
            except BaseException as failed:  # handed to the caller, as an executor does
                post(loop, future, None, failed)
            else:
                post(loop, future, result, None)

        self._jobs.put(job)
        return future

    def stop(self) -> None:
        """Ends the thread once the jobs already put have run, and waits for it."""
        self._jobs.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job()
            except BaseException:  # a job reports its own failures: this is a bug
                log.exception("a job of the database thread raised")


class Inbox:
    """Outcomes for one event loop: one wake-up carries all those finished until it runs."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._done: deque[Outcome] = deque()
        self._waking = False  # a `_drain` is on its way to the loop
        self.wakeups = 0  # written to the loop so far (figures, tests)

    def post(self, outcomes: list[Outcome]) -> None:
        """From the database thread, once the outcomes are committed."""
        self._done.extend(outcomes)  # before looking at `_waking`: `_drain` clears it first
        if not self._waking:
            self._waking = True
            self.wakeups += 1
            try:
                self.loop.call_soon_threadsafe(self._drain)
            except RuntimeError:  # that loop is closed: nobody is waiting any more
                self._done.clear()

    def _drain(self) -> None:
        self._waking = False  # first: what is added from now on gets a wake-up of its own
        done = self._done
        while done:
            settle(*done.popleft())


def settle(future: asyncio.Future[Any], result: Any, failed: BaseException | None) -> None:
    """In the loop: the caller's future gets the outcome, unless the caller gave up."""
    if future.cancelled():
        return
    if failed is not None:
        future.set_exception(failed)
    else:
        future.set_result(result)


def post(
    loop: asyncio.AbstractEventLoop,
    future: asyncio.Future[Any],
    result: Any,
    failed: BaseException | None,
) -> None:
    """From the thread: one outcome, one wake-up of its own (the rare paths)."""
    try:
        loop.call_soon_threadsafe(settle, future, result, failed)
    except RuntimeError:  # that loop is closed: nobody is waiting any more
        pass
