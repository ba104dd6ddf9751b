"""SQLite with one database thread as the single writer, running each unit of work whole.

Why: through an async driver every statement is a round trip between the event loop and a worker
thread (measured here: ~500 us per statement through SQLAlchemy + aiosqlite, ~9 statements per
sign-up). Here a unit of work (a use case with all its reads and writes) is handed to the database
thread once and driven there to the end: its repository calls return at once (`ThreadDb`), so the
coroutine never suspends. The event loop is never blocked by SQLite, and units queue in order.

Group commit: units that queued while the thread was busy run together in one transaction, each
inside its own savepoint (a unit that raises is rolled back alone), and share its commit; their
callers hear back in one wake-up of the event loop, and only once that commit is done. Measured
with `bench/signup_burst.py`: per sign-up, the commit, the BEGIN and the wake-up cost about as
much again as the unit's own statements, and the wake-ups (one write to the loop's self-pipe
each) kept the database thread waiting for the GIL. A unit that arrives to an idle thread runs
alone at once: grouping only ever takes what was already waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from bot.core.ports import UnitOfWork
from bot.storage._db import Buffered, HopDb, ThreadDb
from bot.storage._worker import DbThread, Inbox, post
from bot.storage.lease import DEFAULT_LEASE, Lease
from bot.storage.locks import Granted
from bot.storage.outage import kind_of, outages_said
from bot.storage.unit import SqlUnit

log = logging.getLogger(__name__)
T = TypeVar("T")
_END = object()
GROUP_UNITS = 64  # units sharing one commit at most
GROUP_SECONDS = 0.03  # a group takes no further unit once it has run this long (its callers wait)


class UnitSuspended(RuntimeError):
    """A unit of work awaited something other than the database: it cannot run in the thread."""


def drive(coro: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine that never suspends to its end, synchronously."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coro.close()
    raise UnitSuspended("a unit of work must only await the database")


@dataclass
class _Queued(Generic[T]):
    """A unit waiting for the database thread, and where its outcome goes."""

    work: Callable[[UnitOfWork], Awaitable[T]]
    future: asyncio.Future[T]
    inbox: Inbox  # its loop's
    first: bool = False


@dataclass
class _Outcome:
    queued: _Queued[Any]
    result: Any = None
    failed: BaseException | None = None


class ThreadedSqliteStore:
    def __init__(self, engine: Engine, lease: Lease = DEFAULT_LEASE) -> None:
        self.engine = engine
        self.lease = lease  # this process's name in the claims it holds
        self._thread = DbThread()
        self._inboxes: dict[asyncio.AbstractEventLoop, Inbox] = {}  # made by each loop itself
        self._conn: Connection | None = None
        self._thread_id: int | None = None
        self._holders: set[asyncio.Task[Any]] = set()  # tasks with a unit open from the loop
        # Units from `run`, in order. Appended by the loop, taken by the thread (deque operations
        # are atomic); `_scheduled` says a job that will look at the queue is on its way.
        self._queued: deque[_Queued[Any]] = deque()
        self._first: deque[_Queued[Any]] = deque()  # `run(first=True)`: ahead of `_queued`
        self._scheduled = False
        self.units = 0  # run so far (figures)
        self.commits = 0  # made for them: fewer than units when groups formed

    @property
    def wakeups(self) -> int:
        """Of the event loop by finished units so far (figures): at most one per group."""
        return sum(inbox.wakeups for inbox in list(self._inboxes.values()))

    # -- in the database thread ----------------------------------------------------------------
    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self.engine.connect()
            self._thread_id = threading.get_ident()
        return self._conn

    def _run_queued(self) -> None:
        """Takes what queued (up to `GROUP_UNITS`), runs it as one group, hands it back."""
        self._scheduled = False  # first: a unit queued from now on gets a job of its own
        group = self._take(self._first) or self._take(self._queued)  # units asked first: alone
        if not group:
            return
        try:
            outcomes = self._run_group(group)
        except Exception as error:
            # The shared transaction itself failed (a savepoint or the commit): nothing of the
            # group was kept, and nobody heard back yet; each unit runs again alone.
            if kind_of(error) is None:
                log.exception(
                    "a group of %d units failed as a whole: running each alone", len(group)
                )
            else:  # the file is locked or unwritable: each unit will say so to its caller
                log.warning(
                    "a group of %d units failed (%s): running each alone",
                    len(group),
                    kind_of(error),
                )
            outcomes = [self._run_alone(item) for item in group]
        ran = {id(outcome.queued) for outcome in outcomes}
        leftover = [item for item in group if id(item) not in ran]
        came_from = self._first if group[0].first else self._queued
        came_from.extendleft(reversed(leftover))  # out of time: first in line next time
        if (self._first or self._queued) and not self._scheduled:
            self._scheduled = True
            self._thread.put(self._run_queued)
        _hand_back(outcomes)

    def _take(self, queued: deque[_Queued[Any]]) -> list[_Queued[Any]]:
        group: list[_Queued[Any]] = []
        while queued and len(group) < GROUP_UNITS:
            item = queued.popleft()
            if not item.future.cancelled():  # its caller gave up before it started
                group.append(item)
        return group

    def _run_group(self, group: list[_Queued[Any]]) -> list[_Outcome]:
        if len(group) == 1:
            return [self._run_alone(group[0])]
        conn = self._connection()
        driver = conn.connection.driver_connection
        assert driver is not None
        # One cursor for the group: its savepoints (without SQLAlchemy's overhead) and its units'
        # hot statements. `connection.execute` made a cursor per statement: 5.6 -> 3.2 us a pair.
        raw = driver.cursor()
        outcomes: list[_Outcome] = []
        started = time.perf_counter()
        with conn.begin():
            for item in group:
                if outcomes and time.perf_counter() - started > GROUP_SECONDS:
                    break
                raw.execute("SAVEPOINT unit")
                try:
                    result: Any = drive(item.work(SqlUnit(ThreadDb(conn, raw), self.lease)))  # type: ignore[arg-type]
                except BaseException as failed:  # its caller gets it; the others go on
                    raw.execute("ROLLBACK TO unit")
                    raw.execute("RELEASE unit")
                    outcomes.append(_Outcome(item, failed=failed))
                else:
                    raw.execute("RELEASE unit")
                    outcomes.append(_Outcome(item, result))
        self.units += len(outcomes)
        self.commits += 1
        return outcomes

    def _run_alone(self, item: _Queued[Any]) -> _Outcome:
        conn = self._connection()
        try:
            with conn.begin():
                result: Any = drive(item.work(SqlUnit(ThreadDb(conn), self.lease)))  # type: ignore[arg-type]
        except BaseException as failed:
            return _Outcome(item, failed=failed)
        finally:
            self.units += 1
            self.commits += 1
        return _Outcome(item, result)

    def _serve(self, requests: queue.SimpleQueue[Any], loop: asyncio.AbstractEventLoop) -> None:
        """Parks the thread on one unit driven from the event loop, statement by statement."""
        conn = self._connection()
        transaction = conn.begin()
        try:
            while (item := requests.get()) is not _END:
                statement, parameters, answer = item
                try:
                    result: Any = Buffered(conn.execute(statement, parameters))
                except BaseException as failed:  # handed back to the awaiting coroutine
                    post(loop, answer, None, failed)
                else:
                    post(loop, answer, result, None)
            if requests.get():
                transaction.commit()
            else:
                transaction.rollback()
        finally:
            if transaction.is_active:
                transaction.rollback()

    # -- from the event loop -------------------------------------------------------------------
    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]], *, first: bool = False) -> T:
        """`work` driven whole in the database thread, in a transaction of its own or shared
        with the units queued with it; it returns once that transaction is committed. `first`
        goes ahead of the units waiting, in a group of such units only."""
        self._refuse_nesting()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        inbox = self._inboxes.get(loop)
        if inbox is None:
            inbox = self._inboxes[loop] = Inbox(loop)
        (self._first if first else self._queued).append(_Queued(work, future, inbox, first))
        if not self._scheduled:
            self._scheduled = True
            self._thread.put(self._run_queued)
        with outages_said():  # the file locked by another program, read-only, the disk full
            return await future

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit driven from the event loop (one thread hop per statement): tests and tools."""
        self._refuse_nesting()
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
        served = self._thread.call(lambda: self._serve(requests, loop))
        ok = False
        if task is not None:
            self._holders.add(task)
        with outages_said():
            try:
                yield SqlUnit(HopDb(requests, self.engine.dialect), self.lease)
                ok = True
            finally:
                if task is not None:
                    self._holders.discard(task)
                requests.put(_END)
                requests.put(ok)
                await served

    def _refuse_nesting(self) -> None:
        """A unit opened inside another would wait for the thread its parent holds: forever."""
        if threading.get_ident() == self._thread_id or asyncio.current_task() in self._holders:
            raise RuntimeError("a unit of work opened inside another one would wait forever")

    async def try_hold(self, name: str) -> Granted:
        """One process per SQLite database: always granted (storage/locks.py)."""
        return Granted()

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """`fn` on the plain connection in one transaction (migrations, schema checks, tools)."""

        def here() -> T:
            conn = self._connection()
            with conn.begin():
                return fn(conn)

        with outages_said():
            return await self._thread.call(here)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
            self.engine.dispose()

        await self._thread.call(shut)
        self._thread.stop()


def _hand_back(outcomes: list[_Outcome]) -> None:
    """To each caller's loop (usually one), at most one wake-up for the whole group."""
    by_inbox: dict[Inbox, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
    for outcome in outcomes:
        by_inbox.setdefault(outcome.queued.inbox, []).append(
            (outcome.queued.future, outcome.result, outcome.failed)
        )
    for inbox, theirs in by_inbox.items():
        inbox.post(theirs)


def explicit_transactions(engine: Engine) -> None:
    """pysqlite's own BEGIN handling breaks SAVEPOINTs and starts late; we say BEGIN ourselves.

    The recipe of SQLAlchemy's SQLite dialect docs ("Serializable isolation / Savepoints"), with
    BEGIN IMMEDIATE so a unit holds the write lock from its first statement.
    """

    @event.listens_for(engine, "connect")
    def _no_implicit_begin(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin_immediate(conn: Connection) -> None:
        # On the driver directly, as the savepoints are: through `exec_driver_sql` the BEGIN
        # took SQLAlchemy's whole execution path, for each unit that runs alone (most of a
        # press burst's). Its errors (a file locked by another program) are the driver's own,
        # which `outage.kind_of` reads as the hot statements' are.
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("BEGIN IMMEDIATE")
