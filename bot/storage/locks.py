"""Locks a process holds while it lives: exactly one of several processes does a thing (polls
Telegram), and another takes over when it dies.

On PostgreSQL a session advisory lock on a connection kept for it: the server lets it go when
that connection drops, which a process killed with SIGKILL does at once (the socket closes).
On SQLite the database has one process by design, so the lock is always granted.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)


class Granted:
    """SQLite's: nobody else could ask for it."""

    async def release(self) -> None:
        return None

    async def alive(self) -> bool:
        return True


class AdvisoryLock:
    def __init__(self, conn: AsyncConnection, name: str) -> None:
        self._conn, self._name = conn, name

    async def alive(self) -> bool:
        """Whether the lock's connection still answers (the server lets the lock go with it)."""
        try:
            await self._conn.execute(text("SELECT 1"))
            await self._conn.commit()
        except Exception:
            return False
        return True

    async def release(self) -> None:
        try:
            await self._conn.execute(
                text("SELECT pg_advisory_unlock(hashtext(:name))"), {"name": self._name}
            )
            await self._conn.commit()
        except Exception:  # the connection is gone: so is the lock
            log.warning("the lock %s was lost with its connection", self._name)
        finally:
            await self._conn.close()


async def try_hold(engine: AsyncEngine, name: str) -> AdvisoryLock | Granted | None:
    if engine.dialect.name != "postgresql":
        return Granted()
    conn = await engine.connect()
    try:
        got = await conn.scalar(
            text("SELECT pg_try_advisory_lock(hashtext(:name))"), {"name": name}
        )
        await conn.commit()  # a session lock: it outlives the transaction, which must not idle
    except BaseException:
        await conn.close()
        raise
    if not got:
        await conn.close()
        return None
    return AdvisoryLock(conn, name)
