"""Changes told between processes on one PostgreSQL (LISTEN/NOTIFY): a moderator's decision
handled by one process shows at once on a console, or a page, served by another.

Publishing: a change is queued (the core's watchers must return at once) and a task sends the
queue after the unit has committed, as few NOTIFYs as there are distinct changes waiting (a
burst of 2,000 sign-ups to one live is a handful), all in one statement. A change is lost only
if the process dies in between; the others' periodic refresh then shows it a little later.

Listening: one connection of its own, outside the engine's pool (it is held for the process's
life), LISTENs on `CHANNEL`. When it drops it is opened again, with a growing pause; each time
listening (re)starts the subscribers get a `CATCH_UP`, since whatever was said meanwhile is
lost. A silent network failure is noticed by a check every `CHECK` seconds.

A payload is JSON of ids and a declared name, a few dozen bytes (PostgreSQL allows 8,000):
`{"o": origin, "k": kind, "c": community, "l": live}`. `origin` is a random name of this feed:
a process hears its own NOTIFYs too, and drops them (its own watchers were told already).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.ports import CATCH_UP, Change, ChangeFeed
from bot.storage.database import AsyncEngineStore, SqlStore

log = logging.getLogger(__name__)
CHANNEL = "solidaire_changes"
APPLICATION_NAME = "solidaire-listen"
CHECK = 10.0  # seconds between two checks that the listening connection still answers
PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)  # seconds before each new try to listen again, then the last
PENDING_MAX = 100  # distinct changes waiting at most; beyond, one catch-up says it all
PAYLOAD_MAX = 7999  # bytes PostgreSQL accepts in a payload (8000 by default, minus one)
# What SQLAlchemy's asyncpg dialect takes from the URL for itself, not for asyncpg.connect.
_DIALECT_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_fallback")
_NOTIFY = text(
    "SELECT pg_notify(:channel, payload) FROM unnest(CAST(:payloads AS text[])) AS payload"
)


def payload(change: Change, origin: str) -> str:
    said = json.dumps(
        {"o": origin, "k": change.kind, "c": change.community_id, "l": change.live_id},
        separators=(",", ":"),
    )
    if len(said.encode()) > PAYLOAD_MAX:  # a kind is a declared name: this never happens
        raise ValueError("a change's payload is too long for NOTIFY")
    return said


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
        self._pending: dict[tuple[str, int | None, int | None], None] = {}
        self._wake = asyncio.Event()
        self._heard: Callable[[Change], None] = lambda _change: None
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: Any = None  # the listening asyncpg connection, while open

    def publish(self, change: Change) -> None:
        if change.elsewhere or not self._tasks:
            return
        if len(self._pending) >= PENDING_MAX:
            self._pending = {(CATCH_UP, None, None): None}
        else:
            self._pending[(change.kind, change.community_id, change.live_id)] = None
        self._wake.set()

    async def start(self, heard: Callable[[Change], None]) -> None:
        self._heard = heard
        self._tasks = [
            asyncio.create_task(self._send_forever(), name="changes-send"),
            asyncio.create_task(self._listen_forever(), name="changes-listen"),
        ]

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        if self._pending:  # what was changed just before the stop is still told
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._send(self._take()), 2.0)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # -- publishing ------------------------------------------------------------------------------

    def _take(self) -> list[str]:
        taken, self._pending = self._pending, {}
        return [payload(Change(*key), self.origin) for key in taken]

    async def _send(self, payloads: list[str]) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(_NOTIFY, {"channel": CHANNEL, "payloads": payloads})
            await conn.commit()  # a notification leaves when its transaction commits

    async def _send_forever(self) -> None:
        failing = False
        while True:
            await self._wake.wait()
            self._wake.clear()
            payloads = self._take()
            if not payloads:
                continue
            try:
                await self._send(payloads)
            except Exception as error:  # the database is away: tell once it is back
                if not failing:  # said once, not every second of an outage
                    log.warning("telling the other processes of changes failed: %s", error)
                failing = True
                self._pending.setdefault((CATCH_UP, None, None), None)
                await asyncio.sleep(1.0)
                self._wake.set()
                continue
            if failing:
                log.info("telling the other processes of changes again")
                failing = False

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
        options.setdefault("server_settings", {"application_name": self.application_name})
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
        return PgChangeFeed(store.engine, store.lease.holder)
    return None


def _conforms(feed: PgChangeFeed) -> ChangeFeed:
    """Never called: makes mypy check the feed against the port."""
    return feed
