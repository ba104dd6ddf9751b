"""A sender process for the crash test: `python tests/fakes/crash_child.py DB SENTLOG [NAME
LEASE_SECONDS]`, DB a SQLite file or a database URL.

It does what the bot does when it starts (`Alarm.start`): puts back in line what a crash left
half-sent, then flushes the outbox until nothing is due, and exits 0. Its platform appends each
sent key to SENTLOG, synced to disk before the send counts as done, so a SIGKILL loses no line.

With a NAME (several processes on one database), it holds its claims as leases of LEASE_SECONDS
and does what the alarm clock does while it runs: renews them, and takes over the rows of a
process that died once their leases expire; it exits when nothing is pending or being sent.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script, Python puts this folder first on the path, where `platform.py` would hide the
# standard library's: the project's root goes there instead.
sys.path[0] = str(Path(__file__).resolve().parents[2])

from bot.core.delivery.outbox import Outbox  # noqa: E402
from bot.core.messages import Destination, OutMessage, SendResult  # noqa: E402
from bot.core.ports import Capabilities  # noqa: E402
from bot.storage.database import open_store  # noqa: E402
from bot.storage.lease import Lease  # noqa: E402

PLATFORM = "telegram"
CONCURRENCY = 8
SEND_TIME = 0.005  # seconds a send takes: the fan-out lasts a few seconds


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class LoggingPlatform:
    """Sends by appending the key to a file, fsynced: what is in the file was sent."""

    name = PLATFORM
    capabilities = Capabilities()

    def __init__(self, path: str) -> None:
        self._path = path

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        await asyncio.sleep(SEND_TIME)
        self._append(key)  # blocking on purpose: the line is on disk before the send counts
        return SendResult(True, message_id=key)

    def _append(self, key: str) -> None:
        with open(self._path, "a", encoding="utf-8") as log:
            log.write(key + "\n")
            log.flush()
            os.fsync(log.fileno())

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        return SendResult(True, message_id=message_id)


async def main(db: str, sent_log: str, name: str | None = None, lease: float = 30.0) -> int:
    clock = SystemClock()
    url = db if "://" in db else f"sqlite:///{db}"
    store = await open_store(url, Lease(name, timedelta(seconds=lease)) if name else None)
    try:
        outbox = Outbox(
            store, clock, {PLATFORM: LoggingPlatform(sent_log)}, concurrency=CONCURRENCY
        )
        await store.run(lambda uow: uow.deliveries.recover(clock.now()))
        kept = time.monotonic()
        while True:
            await outbox.flush()
            if name is not None and time.monotonic() - kept > lease / 3:
                kept = time.monotonic()
                await store.run(lambda uow: uow.deliveries.renew(clock.now()))
                await store.run(lambda uow: uow.deliveries.recover(clock.now(), mine=False))
            due = await store.run(lambda uow: uow.deliveries.due(clock.now(), 1))
            if not due:
                if name is None:
                    return 0
                counts = await store.run(lambda uow: uow.deliveries.counts())
                if not counts.get("pending") and not counts.get("sending"):
                    return 0
            await asyncio.sleep(0.01)
    finally:
        await store.close()


if __name__ == "__main__":
    named = sys.argv[3] if len(sys.argv) > 3 else None
    lease = float(sys.argv[4]) if len(sys.argv) > 4 else 30.0
    sys.exit(asyncio.run(main(sys.argv[1], sys.argv[2], named, lease)))
