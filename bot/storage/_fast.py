"""The hot statements, run on the SQLite driver directly (in the database thread only).

Why: a unit of work is a handful of statements, and SQLAlchemy's execution costs about 70 us a
statement on top of SQLite's 10 (profile of `bench/signup_burst.py`: two thirds of a sign-up's
time in the database thread). A statement built once and marked with `hot()` is compiled once
by SQLAlchemy (same SQL, same bind and result processing, through its public API) and then run
on the `sqlite3` cursor. Anything this does not handle (lists bound to IN, callables) raises
`NotHot` when marked, so the statement simply keeps SQLAlchemy's path.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable

from bot.storage.tables import UTCDateTime

Processor = Callable[[Any], Any] | None
_HOT: dict[int, Hot] = {}


class NotHot(Exception):
    """The statement needs something only SQLAlchemy's full path does."""


def hot(statement: Executable) -> Executable:
    """Marks a statement built once (module level or cached) for the driver's direct path."""
    _HOT[id(statement)] = Hot(statement)
    return statement


def plan_of(statement: Executable) -> Hot | None:
    found = _HOT.get(id(statement))
    return found if found is not None and found.statement is statement else None


class Hot:
    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: tuple[str, Any, Any] | None = None
        self._refused = False

    def run(self, conn: Connection, parameters: Mapping[str, Any] | None) -> FastResult | None:
        """The result, or None when this statement must take SQLAlchemy's path."""
        if self._refused:
            return None
        if self._compiled is None:
            try:
                self._compiled = _compile(self.statement, conn.dialect)
            except NotHot:
                self._refused = True
                return None
        sql, (binds, order), shape = self._compiled
        given = parameters or {}
        values = []
        for name, default, process in binds:
            value = given.get(name, default)
            values.append(process(value) if process is not None else value)
        if order is not None:  # a parameter bound at several places, processed once
            values = [values[i] for i in order]
        driver = conn.connection.driver_connection
        assert driver is not None
        cursor = driver.execute(sql, values)
        return FastResult(cursor, shape)


def _compile(statement: Executable, dialect: Dialect) -> tuple[str, Any, Any]:
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    if not compiled.positional or compiled.positiontup is None:
        raise NotHot("not positional")
    binds: list[tuple[str, Any, Processor]] = []  # each parameter once, in first-bound order
    first: dict[str, int] = {}
    order: list[int] = []  # where each position's value is in `binds`
    by_name = compiled.binds
    for name in compiled.positiontup:
        if name not in first:
            bind = by_name[name]
            if bind.expanding or bind.callable is not None or bind.literal_execute:
                raise NotHot(f"bind {name} needs SQLAlchemy")
            utc = _is_utc(bind.type, dialect)
            process = _utc_bind if utc else _bind_processor(bind.type, dialect)
            first[name] = len(binds)
            binds.append((bind.key, bind.value, process))
        order.append(first[name])
    plan = (binds, None if order == list(range(len(binds))) else order)
    shape = None
    columns = list(getattr(statement, "exported_columns", ()) or ())
    if getattr(statement, "is_select", False) or _returns(statement):
        names = [column.key for column in columns]
        if not names or len(set(names)) != len(names):
            raise NotHot("result columns")
        try:
            row_type = namedtuple("Row", names)  # type: ignore[misc]
        except ValueError as bad:
            raise NotHot(str(bad)) from bad
        processors = [_result_processor(c.type, dialect) for c in columns]
        converted = [(i, p) for i, p in enumerate(processors) if p is not None]
        row_class: Any = _row_class(row_type)
        shape = (row_class._make, converted)
    return compiled.string, plan, shape


def _is_utc(kind: Any, dialect: Dialect) -> bool:
    return isinstance(kind, UTCDateTime) and dialect.name == "sqlite"


def _bind_processor(kind: Any, dialect: Dialect) -> Processor:
    return kind.dialect_impl(dialect).bind_processor(dialect)  # type: ignore[no-any-return]


def _result_processor(kind: Any, dialect: Dialect) -> Processor:
    if _is_utc(kind, dialect):
        return functools.partial(
            _utc_result, kind.dialect_impl(dialect).result_processor(dialect, None)
        )
    return kind.dialect_impl(dialect).result_processor(dialect, None)  # type: ignore[no-any-return]


def _utc_bind(value: datetime | None) -> str | None:
    """`UTCDateTime` then SQLite's DATETIME, in one step (the same text: half the time, and a
    sign-up binds a dozen of them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _utc_result(slow: Processor, value: Any) -> datetime | None:
    """SQLite's text back to an aware UTC datetime; anything unusual takes SQLAlchemy's way."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return slow(value) if slow is not None else value  # type: ignore[no-any-return]


def _returns(statement: Executable) -> bool:
    return bool(getattr(statement, "_returning", ()))


def _row_class(base: type) -> type:
    """A named tuple that also answers `_mapping`, as SQLAlchemy's rows do."""

    class Row(base):  # type: ignore[misc]
        __slots__ = ()

        @property
        def _mapping(self) -> dict[str, Any]:
            return dict(zip(self._fields, self, strict=True))

    return Row


class FastResult:
    """What the repositories use of a result: rows, the first one, one scalar, the row count."""

    def __init__(self, cursor: Any, shape: Any) -> None:
        self.rowcount = cursor.rowcount
        self._rows: list[Any] = []
        if shape is not None:
            make, converted = shape  # only the columns that have a processor are converted
            for raw in cursor.fetchall():
                if converted:
                    raw = list(raw)
                    for i, process in converted:
                        raw[i] = process(raw[i])
                self._rows.append(make(raw))
            self.rowcount = cursor.rowcount
        cursor.close()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise ValueError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalars(self) -> Sequence[Any]:
        return [row[0] for row in self._rows]
