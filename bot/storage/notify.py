"""Changes told between processes on one PostgreSQL (LISTEN/NOTIFY): a moderator's decision
handled by one process shows at once on a console, or a page, served by another.

Telling: each unit of work sends its notice in its own transaction (`storage/notices.py`), so
the others hear of a change exactly when, and only if, it commits. This feed names the origin
the units put in their notices (`AsyncEngineStore.notices`), so that it drops its own.

Listening: one connection of its own, outside the engine's pool (it is held for the process's
life), LISTENs on `CHANNEL`. When it drops it is opened again, with a growing pause; each time
listening (re)starts the subscribers get a `CATCH_UP`, since whatever was said meanwhile is
lost. A silent network failure is noticed by a check every `CHECK` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.ports import CATCH_UP, Change, ChangeFeed
from bot.storage.database import AsyncEngineStore, SqlStore
from bot.storage.notices import CHANNEL

log = logging.getLogger(__name__)
APPLICATION_NAME = "solidaire-listen"
CHECK = 10.0  # seconds between two checks that the listening connection still answers
PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds before each new try to listen again, then the last
# What SQLAlchemy's asyncpg dialect takes from the URL for itself, not for asyncpg.connect.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")


def heard_change(said: str, origin: str) -> Change | None:
    """The change another process told of; None for this one's own, or anything unreadable."""
    try:
        data = json.loads(said)
        if not isinstance(data, dict) or data.get("o") == origin:
            return None
        kind, community, live = data["k"], data.get("c"), data.get("l")
    except (ValueError, KeyError):
        log.warning("an unreadable change notice on %s was dropped", CHANNEL)
        return None
    if not isinstance(kind, str) or not all(v is None or type(v) is int for v in (community, live)):
        return None
    return Change(kind[:50], community, live, elsewhere=True)


class PgChangeFeed:
    """ports.ChangeFeed over PostgreSQL's LISTEN/NOTIFY (see the module's docstring)."""

    def __init__(self, engine: AsyncEngine, process: str = "", *, check: float = CHECK) -> None:
        self.engine = engine
        self.origin = secrets.token_hex(6)
        # What an operator sees of the listening connection in pg_stat_activity.
        self.application_name = f"{APPLICATION_NAME} {process}".strip()[:63]
        self.check = check
        self.pauses = PAUSES
        self.listening = asyncio.Event()  # set while LISTEN holds (tests and /healthz read it)
        self._heard: Callable[[Change], None] = lambda _change: None
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: Any = None  # the listening asyncpg connection, while open

    async def start(self, heard: Callable[[Change], None]) -> None:
        self._heard = heard
        self._tasks = [asyncio.create_task(self._listen_forever(), name="changes-listen")]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- listening -------------------------------------------------------------------------------

    async def _listen_forever(self) -> None:
        failures, again = 0, False
        while True:
            try:
                await self._listen(again=again)
                failures = 0  # it listened, then the connection dropped: try again soon
                log.warning("listening to the other processes' changes stopped: connection lost")
            except asyncio.CancelledError:
                raise
            except Exception as error:
                if failures == 0:
                    log.warning("listening to the other processes' changes stopped: %s", error)
                failures += 1
            finally:
                again = True
                self.listening.clear()
                await self._close()
            await asyncio.sleep(self.pauses[min(failures, len(self.pauses) - 1)])

    async def _listen(self, *, again: bool) -> None:
        """LISTENs until the connection drops (returns) or cannot be used (raises)."""
        lost = asyncio.Event()
        self._conn = conn = await self._connect()
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(CHANNEL, self._on_notice)
        if again:
            log.info("listening to the other processes' changes again")
        self.listening.set()
        self._heard(Change(CATCH_UP, elsewhere=True))  # whatever was said meanwhile is lost
        while not lost.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lost.wait(), self.check)
            if not lost.is_set():  # a network gone silent is noticed here
                await conn.fetchval("SELECT 1", timeout=self.check)

    async def _connect(self) -> Any:
        """A connection of asyncpg's own, from the engine's URL, outside its pool."""
        import asyncpg  # the engine's driver: installed wherever this store runs

        _args, options = self.engine.dialect.create_connect_args(self.engine.url)
        for name in _DIALECT_ONLY:
            options.pop(name, None)
        settings = dict(options.get("server_settings") or {})  # the engine's (keepalives)
        settings["application_name"] = self.application_name
        settings.pop("idle_in_transaction_session_timeout", None)  # it never opens one
        options["server_settings"] = settings
        return await asyncpg.connect(**options, timeout=10)

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), 2.0)
            except Exception:  # a dead connection: let it go
                conn.terminate()

    def _on_notice(self, _conn: object, _pid: int, _channel: str, said: str) -> None:
        change = heard_change(said, self.origin)
        if change is not None:
            self._heard(change)


def change_feed(store: SqlStore) -> PgChangeFeed | None:
    """The feed a store needs: PostgreSQL's, else None (SQLite has one process by design)."""
    if isinstance(store, AsyncEngineStore) and store.engine.dialect.name == "postgresql":
        feed = PgChangeFeed(store.engine, store.lease.holder)
        store.notices = feed.origin  # its units tell the others, naming this feed
        return feed
    return None


def _conforms(feed: PgChangeFeed) -> ChangeFeed:
    """Never called: makes mypy check the feed against the port."""
    return feed
