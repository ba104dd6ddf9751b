"""Opening the database: migrate it, then hand out units of work.

`sqlite:///path` (the default) gets the threaded SQLite store (`threaded.py`); an async driver
URL (`sqlite+aiosqlite://`, `postgresql+asyncpg://`) gets `AsyncEngineStore`, whose units run on
the event loop and suspend on every statement. Both pass the same repository tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from bot.core.ports import Store, UnitOfWork
from bot.storage._db import AsyncDb
from bot.storage.lease import DEFAULT_LEASE, Lease
from bot.storage.locks import AdvisoryLock, Granted, try_hold
from bot.storage.migrate import upgrade_to_head, upgrade_to_head_sync
from bot.storage.outage import outages_said
from bot.storage.threaded import ThreadedSqliteStore, explicit_transactions
from bot.storage.unit import SqlUnit

log = logging.getLogger(__name__)
T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",  # ON DELETE CASCADE / SET NULL rely on it
    "PRAGMA busy_timeout=5000",
    "PRAGMA synchronous=NORMAL",
    # The savepoint of each unit in a group commit (threaded.py) keeps the pages it changes in a
    # sub-journal; past 64 KiB SQLite spills it to a temporary file: an open() and pwrite()s per
    # sign-up (3-4 % of the database thread in the profile of bench/signup_burst.py). In memory
    # it is a few page copies, dropped at RELEASE.
    "PRAGMA temp_store=MEMORY",
)


class AsyncEngineStore:
    """Units on the event loop over an async engine; on SQLite one at a time on a kept connection.

    SQLite has a single writer: queueing units on an asyncio.Lock avoids `database is locked`,
    and keeping the connection saves a pool checkout and a reset per unit.
    """

    def __init__(
        self, engine: AsyncEngine, lease: Lease = DEFAULT_LEASE, first: AsyncEngine | None = None
    ) -> None:
        self.engine = engine
        # PostgreSQL: a pool of its own for the units asked `first` (`run`), so they never
        # queue for a connection behind the others.
        self._first = first
        self.lease = lease  # this process's name in the claims it holds
        # The origin its units name in the change notices they send the other processes on
        # a PostgreSQL (set by its change feed, storage/notify.py); None: they send none.
        self.notices: str | None = None
        self._serial = engine.dialect.name == "sqlite"
        self._lock = asyncio.Lock()
        self._kept: AsyncConnection | None = None
        self._holder: asyncio.Task[Any] | None = None
        self._inside: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]], *, first: bool = False) -> T:
        """`first`: on PostgreSQL the unit takes a connection of its own small pool, never
        waiting behind the units that hold or wait for the main pool's (a lease renewal under
        a burst: late, it would lose the process's leases to another, issue 17). On SQLite it
        changes nothing here: units take the lock in the order they ask.

        On PostgreSQL a unit the server chose to abort (a deadlock between two units, a
        serialization failure) was rolled back whole, so it is run again, a few times at most."""
        for attempt in range(_RETRIES):
            try:
                async with self.unit(first=first) as uow:
                    return await work(uow)
            except DBAPIError as error:  # an outage left the unit as StoreUnavailable
                if self._serial or not _retryable(error) or attempt == _RETRIES - 1:
                    raise
                log.warning("unit aborted by the database (%s), run again", _sqlstate(error))
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    @contextlib.asynccontextmanager
    async def unit(self, *, first: bool = False) -> AsyncIterator[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises; a lost
        or refused connection leaves it as StoreUnavailable (storage/outage.py)."""
        with outages_said():
            async with self._unit(first) as uow:
                yield uow

    @contextlib.asynccontextmanager
    async def _unit(self, first: bool = False) -> AsyncIterator[UnitOfWork]:
        task = asyncio.current_task()
        if task is not None and (task is self._holder or task in self._inside):
            # On SQLite it would wait for its own lock; on PostgreSQL it would see another
            # transaction than its caller's and could wait on the caller's row locks.
            raise RuntimeError("a unit of work opened inside another one would wait forever")
        if not self._serial:
            if task is not None:
                self._inside.add(task)
            try:
                engine = self._first if first and self._first is not None else self.engine
                async with engine.begin() as conn:
                    yield SqlUnit(AsyncDb(conn), self.lease, self.notices)
            finally:
                self._inside.discard(task)  # type: ignore[arg-type]
            return
        async with self._lock:
            self._holder = task
            try:
                if self._kept is None or self._kept.closed:
                    self._kept = await self.engine.connect()
                async with self._kept.begin():
                    yield SqlUnit(AsyncDb(self._kept), self.lease)
            finally:
                self._holder = None

    async def try_hold(self, name: str) -> AdvisoryLock | Granted | None:
        """See Store.try_hold (storage/locks.py)."""
        with outages_said():
            return await try_hold(self.engine, name)

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """`fn` on a sync view of a connection, in one transaction (schema checks, tools)."""
        with outages_said():
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn)

    async def close(self) -> None:
        """Closes the kept connection and every pooled one."""
        async with self._lock:
            if self._kept is not None:
                await self._kept.close()
                self._kept = None
        await self.engine.dispose()
        if self._first is not None:
            await self._first.dispose()


SqlStore = AsyncEngineStore | ThreadedSqliteStore

_RETRIES = 4
TIMEOUT = 5.0  # seconds: the settings' `database_timeout` (`_engine_options`)
IDLE_IN_TRANSACTION = 6  # times `TIMEOUT` a session may rest inside a transaction
# PostgreSQL's serialization_failure and deadlock_detected: the transaction is rolled back and
# running it again is the documented answer.
_RETRY_STATES = frozenset({"40001", "40P01"})


def _sqlstate(error: DBAPIError) -> str | None:
    orig = error.orig
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _retryable(error: DBAPIError) -> bool:
    return _sqlstate(error) in _RETRY_STATES


class DatabaseUnavailable(Exception):
    """The database could not be opened: the operator's to fix (URL, server, password, rights),
    said in one line that names the database without its password."""


async def open_store(url: str, lease: Lease | None = None, wait: float = TIMEOUT) -> SqlStore:
    """Connects, migrates the schema to head and returns the store (close it when done).
    `lease`: this process's name and lease length in its claims (storage/lease.py).
    `wait`: seconds a PostgreSQL statement or connection may wait (`_engine_options`).

    Raises DatabaseUnavailable when the database cannot be reached or opened."""
    lease = lease or DEFAULT_LEASE
    parsed = make_url(url)
    shown = parsed.render_as_string(hide_password=True)
    try:
        if parsed.get_backend_name() == "sqlite":
            _ensure_folder(parsed.database)
        if parsed.get_backend_name() == "sqlite" and parsed.get_driver_name() == "pysqlite":
            store: SqlStore = await _open_threaded(url, lease)
        else:
            store = await _open_async(url, lease, wait)
    except (OSError, DBAPIError, ImportError) as error:
        raise DatabaseUnavailable(f"cannot open the database {shown}: {_cause(error)}") from error
    log.info("store open on %s", shown)
    return store


def _cause(error: BaseException) -> str:
    """The driver's own words, first line only (SQLAlchemy adds the statement and a link)."""
    if isinstance(error, DBAPIError) and error.orig is not None:
        error = error.orig
    if isinstance(error, ImportError):
        return f"its driver is not installed ({error.name})"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


async def _open_threaded(url: str, lease: Lease) -> ThreadedSqliteStore:
    engine: Engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_pragmas)
    explicit_transactions(engine)
    store = ThreadedSqliteStore(engine, lease)
    try:
        await store.run_sync(upgrade_to_head_sync)
    except BaseException:
        await store.close()
        raise
    return store


async def _open_async(url: str, lease: Lease, wait: float = TIMEOUT) -> AsyncEngineStore:
    engine = create_async_engine(url, **_engine_options(url, wait))
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        migrating = engine
    else:
        _ping_when_idle(engine)
        # A migration on a large table may take longer than any statement of a unit: on an
        # engine of its own, without the statements' timeout (a connection still gives up).
        migrating = create_async_engine(url, connect_args={"timeout": wait})
    first = None
    try:
        try:
            await upgrade_to_head(migrating)
        finally:
            if migrating is not engine:
                await migrating.dispose()
        if engine.dialect.name == "postgresql":
            # The units asked first (`AsyncEngineStore.run`): two connections at most.
            first = create_async_engine(
                url, pool_size=1, max_overflow=1, **_engine_options(url, wait)
            )
            _ping_when_idle(first)
    except BaseException:
        await engine.dispose()
        raise
    return AsyncEngineStore(engine, lease, first)


def _engine_options(url: str, timeout: float = TIMEOUT) -> dict[str, Any]:
    """On PostgreSQL, how long to wait for a server that does not answer (a partition that
    sends no reset, a server frozen: without these a unit waits until the OS gives up, many
    minutes); an outage is then `TimeoutError`, "no answer in time" (storage/outage.py).

    - `timeout`: opening a connection (asyncpg waits 60 s: a bot starting against a wrong
      host would look hung);
    - `command_timeout`: asyncpg's wait for each statement's answer, ROLLBACK included; every
      statement of the bot's takes milliseconds (a row lock waited for, a fraction of a second);
    - the server's keepalives on the session (`tcp_keepalives_*`): the server notices a bot
      gone without a word (its host lost) within about four times `timeout`, and ends its
      session;
    - `idle_in_transaction_session_timeout`: a unit never rests inside its transaction (it
      awaits nothing but its statements), so a session resting in one this long belongs to
      a bot that gave up on it behind a network that still holds the connection: the server
      ends it, and the row locks it held are free for the others."""
    if make_url(url).get_backend_name() != "postgresql":
        return {}
    seconds = max(1, round(timeout))
    server = {
        "tcp_keepalives_idle": str(seconds),
        "tcp_keepalives_interval": str(seconds),
        "tcp_keepalives_count": "3",
        "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION * seconds * 1000),
    }
    return {
        "connect_args": {"timeout": timeout, "command_timeout": timeout, "server_settings": server}
    }


PING_AFTER_IDLE = 1.0  # seconds a pooled connection may rest before it is checked


def _ping_when_idle(engine: AsyncEngine) -> None:
    """A pooled connection that rested PING_AFTER_IDLE seconds is pinged before it is handed
    out, and replaced if dead: after the server restarted or the network dropped, every pooled
    connection is dead, and without the ping the first unit on each would fail although the
    database is back (measured through the cut proxy: "connection is closed").

    SQLAlchemy's `pool_pre_ping` pings at every checkout: a round trip more per unit, which
    under a burst cost a third of the units per second (`bench/pool_pre_ping.py`). Under load a
    connection rests microseconds and is never pinged; an outage lasts longer than a second.
    The recipe is SQLAlchemy's own "pessimistic" one: DisconnectionError makes the pool take a
    new connection."""
    sync = engine.sync_engine

    @event.listens_for(sync, "checkin")
    def _rested(_dbapi_connection: Any, record: Any) -> None:
        record.info["rested_at"] = time.monotonic()

    @event.listens_for(sync, "checkout")
    def _check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        rested = record.info.get("rested_at")
        if rested is None or time.monotonic() - rested < PING_AFTER_IDLE:
            return
        try:
            sync.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("a pooled connection died while it rested") from error


def sqlite_file(url: str) -> str | None:
    """The file a SQLite URL names, as written (`data/solidaire.sqlite3`); None for any other
    database, a memory one or a URI."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return None
    return None if database.startswith("file:") else database


def _ensure_folder(database: str | None) -> None:
    """Creates the folder of a SQLite file; memory databases and URIs are left alone."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _conforms(
    a: AsyncEngineStore, t: ThreadedSqliteStore, unit: SqlUnit
) -> tuple[Store, Store, UnitOfWork]:
    """Never called: makes mypy check the stores and the unit against the Protocols."""
    return a, t, unit
