"""SQLite with one database thread as the single writer, running each unit of work whole.

Why: through an async driver every statement is a round trip between the event loop and a worker
thread (measured here: ~500 us per statement through SQLAlchemy + aiosqlite, ~9 statements per
sign-up). Here a unit of work (a use case with all its reads and writes) is handed to the database
thread once and driven there to the end: its repository calls return at once (`ThreadDb`), so the
coroutine never suspends. The event loop is never blocked by SQLite, and units queue in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from bot.core.ports import UnitOfWork
from bot.storage._db import Buffered, HopDb, ThreadDb
from bot.storage.unit import SqlUnit

log = logging.getLogger(__name__)
T = TypeVar("T")
_END = object()


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


class ThreadedSqliteStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="solidaire-db")
        self._conn: Connection | None = None
        self._thread_id: int | None = None
        self._holders: set[asyncio.Task[Any]] = set()  # tasks with a unit open from the loop

    # -- in the database thread ----------------------------------------------------------------
    def _connection(self) -> Connection:
        if self._conn is None or self._conn.closed:
            self._conn = self.engine.connect()
            self._thread_id = threading.get_ident()
        return self._conn

    def _run_unit(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        conn = self._connection()
        with conn.begin():
            return drive(work(SqlUnit(ThreadDb(conn))))  # type: ignore[arg-type]

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
                    loop.call_soon_threadsafe(_settle, answer, None, failed)
                else:
                    loop.call_soon_threadsafe(_settle, answer, result, None)
            if requests.get():
                transaction.commit()
            else:
                transaction.rollback()
        finally:
            if transaction.is_active:
                transaction.rollback()

    # -- from the event loop -------------------------------------------------------------------
    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """One transaction around `work`, driven whole in the database thread."""
        self._refuse_nesting()
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run_unit, work)

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[UnitOfWork]:
        """A unit driven from the event loop (one thread hop per statement): tests and tools."""
        self._refuse_nesting()
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        requests: queue.SimpleQueue[Any] = queue.SimpleQueue()
        served = loop.run_in_executor(self._thread, self._serve, requests, loop)
        ok = False
        if task is not None:
            self._holders.add(task)
        try:
            yield SqlUnit(HopDb(requests, self.engine.dialect))
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

    async def run_sync(self, fn: Callable[[Connection], T]) -> T:
        """`fn` on the plain connection in one transaction (migrations, schema checks, tools)."""

        def here() -> T:
            conn = self._connection()
            with conn.begin():
                return fn(conn)

        return await asyncio.get_running_loop().run_in_executor(self._thread, here)

    async def close(self) -> None:
        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
            self.engine.dispose()

        await asyncio.get_running_loop().run_in_executor(self._thread, shut)
        self._thread.shutdown(wait=True)


def _settle(answer: asyncio.Future[Any], result: Any, failed: BaseException | None) -> None:
    if answer.cancelled():
        return
    if failed is not None:
        answer.set_exception(failed)
    else:
        answer.set_result(result)


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
        conn.exec_driver_sql("BEGIN IMMEDIATE")
