"""The one thing repositories need from a connection: run a statement, know the dialect.

Two kinds exist: `AsyncDb` over an async engine (aiosqlite, asyncpg) suspends on every statement;
`ThreadDb` runs inside the SQLite database thread and returns at once, so a whole unit of work
driven in that thread never leaves it (see `threaded.py`).
"""

from __future__ import annotations

import asyncio
import queue
from typing import Any, Protocol

from sqlalchemy.engine import Connection, CursorResult, Dialect, Result
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable
from sqlalchemy.util.typing import TupleAny, Unpack

from bot.storage._fast import plan_of


class Db(Protocol):
    @property
    def dialect(self) -> Dialect: ...

    async def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[Unpack[TupleAny]]: ...

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any: ...


class _Scalar:
    """`scalar()` in terms of `execute()`, the same for every kind of Db."""

    async def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[Unpack[TupleAny]]:
        raise NotImplementedError

    async def scalar(self, statement: Executable, parameters: Any = None) -> Any:
        return (await self.execute(statement, parameters)).scalar()


class AsyncDb(_Scalar):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[Unpack[TupleAny]]:
        return await self._conn.execute(statement, parameters)


class ThreadDb(_Scalar):
    """Used only from the database thread: executes synchronously, never suspends. The hot
    statements (`_fast.hot`) go to the driver directly, through one cursor per unit, or the
    one `cursor` given (a group's: each hot result is read whole before the next statement)."""

    def __init__(self, conn: Connection, cursor: Any = None) -> None:
        self._conn = conn
        self._cursor = cursor

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[Unpack[TupleAny]]:
        plan = plan_of(statement)
        if plan is not None:
            cursor = self._cursor
            if cursor is None:
                driver = self._conn.connection.driver_connection
                assert driver is not None
                cursor = self._cursor = driver.cursor()
            result = plan.run(cursor, self._conn.dialect, parameters)
            if result is not None:
                return result  # type: ignore[no-any-return]  # the part of a result we use
        return self._conn.execute(statement, parameters)


class Buffered:
    """A result read to the end inside the database thread, safe to use from the event loop."""

    def __init__(self, result: CursorResult[Unpack[TupleAny]]) -> None:
        self.rowcount = result.rowcount
        self._rows: Result[Any] | None = result.freeze()() if result.returns_rows else None

    def __getattr__(self, name: str) -> Any:
        if self._rows is None:
            raise AttributeError(f"statement returned no rows: {name}")
        return getattr(self._rows, name)

    def __iter__(self) -> Any:  # dunder lookups bypass __getattr__
        if self._rows is None:
            raise TypeError("statement returned no rows")
        return iter(self._rows)


class HopDb(_Scalar):
    """From the event loop to the database thread, one statement at a time (tests, tools).

    The thread is parked serving this unit's queue, so no other unit can interleave with it.
    """

    def __init__(self, requests: queue.SimpleQueue[Any], dialect: Dialect) -> None:
        self._requests = requests
        self._dialect = dialect

    @property
    def dialect(self) -> Dialect:
        return self._dialect

    async def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[Unpack[TupleAny]]:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._requests.put((statement, parameters, answer))
        result: CursorResult[
            Unpack[TupleAny]
        ] = await answer  # a Buffered, read to the end in the thread
        return result
