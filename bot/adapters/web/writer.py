"""Where feeds are written: a worker process of its own.

Writing 500 events with `icalendar` takes about a second of pure Python. In a thread of the
bot's process it holds the interpreter's lock for most of that time, and the event loop (every
button press on both platforms) stalled for up to half a second in `bench/public_feeds.py`; in
a process of its own it stalls nothing (15 ms measured against 60-500 ms). The process starts at
the first writing (about two seconds: it imports the library) and stops with the web server.
If it dies, the writing at hand is done in a thread instead and a new process is started next
time.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial

from bot.adapters.web import ical
from bot.core.calendar.feeds import Feed

log = logging.getLogger(__name__)


class Writer:
    def __init__(self, *, process: bool = True) -> None:
        self._process = process
        self._pool: ProcessPoolExecutor | None = None

    async def write(self, feed: Feed, *, base: str | None, stamp: datetime, public: bool) -> bytes:
        job = partial(ical.write, feed, base=base, stamp=stamp, public=public)
        if self._process:
            if self._pool is None:
                # forkserver: a clean process, not a fork of this one with its threads
                context = multiprocessing.get_context("forkserver")
                self._pool = ProcessPoolExecutor(1, mp_context=context)
            try:
                return await asyncio.get_running_loop().run_in_executor(self._pool, job)
            except BrokenProcessPool:
                log.warning("the feed writer's process died: this feed is written in a thread")
                self._pool = None
        return await asyncio.to_thread(job)

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
