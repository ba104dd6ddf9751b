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

from sqlalchemy.engine import Dialect
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

    def run(self, driver: Any, dialect: Dialect, parameters: Mapping[str, Any] | None) -> Any:
        """The result (a `FastResult`), or None when this statement must take SQLAlchemy's
        path. `driver`: the `sqlite3` connection or a cursor of it."""
        if self._compiled is None:
            if self._refused:
                return None
            try:
                self._compiled = _compile(self.statement, dialect)
            except NotHot:
                self._refused = True
                return None
        sql, bind, make = self._compiled
        cursor = driver.execute(sql, bind(parameters or _NONE))
        if make is None:
            return FastResult(cursor.rowcount, ())
        rows = [make(raw) for raw in cursor.fetchall()]
        return FastResult(cursor.rowcount, rows)


_NONE: Mapping[str, Any] = {}


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
    make = None
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
        make = _row_maker(_row_class(row_type), processors)
    return compiled.string, _binder(binds, order), make


def _generated(source: str, names: dict[str, Any]) -> Any:
    """A small function built from source, as `namedtuple` builds its `__new__`: one call per
    statement instead of a loop over its parameters (the binding was a third of our time)."""
    exec(source, names)  # the source holds only our own names and repr()s
    return names["generated"]


def _binder(binds: list[tuple[str, Any, Processor]], order: list[int]) -> Any:
    """`f(parameters) -> the driver's positional values`: each parameter read by name (its
    default when absent), processed once, and placed at every position it is bound at."""
    names: dict[str, Any] = {}
    lines = ["def generated(given):"]
    for i, (key, default, process) in enumerate(binds):
        if process is None:
            names[f"d{i}"] = default
            value = f"given.get({key!r}, d{i})"
        else:  # a default is processed once, here (SQLAlchemy's bind processors are pure)
            names[f"p{i}"] = process
            try:
                names[f"d{i}"] = process(default)
            except Exception:  # no usable default (a parameter always given): as before
                names[f"d{i}"] = default
                value = f"p{i}(given.get({key!r}, d{i}))"
            else:
                value = f"p{i}(given[{key!r}]) if {key!r} in given else d{i}"
        lines.append(f"    v{i} = {value}")
    lines.append(f"    return ({''.join(f'v{i}, ' for i in order)})")
    return _generated("\n".join(lines), names)


def _row_maker(row_class: type, processors: list[Processor]) -> Any:
    """`f(driver's row) -> Row`: only the columns that have a result processor are converted."""
    if all(process is None for process in processors):
        return functools.partial(tuple.__new__, row_class)
    names: dict[str, Any] = {"new": tuple.__new__, "Row": row_class}
    values = []
    for i, process in enumerate(processors):
        if process is None:
            values.append(f"raw[{i}]")
        else:
            names[f"p{i}"] = process
            values.append(f"p{i}(raw[{i}])")
    source = f"def generated(raw):\n    return new(Row, ({', '.join(values)},))"
    return _generated(source, names)


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
    sign-up binds a dozen of them). Our clocks give UTC: that case is one call."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is UTC:  # "...+00:00" without its offset
        return value.isoformat(" ", "microseconds")[:-6]
    if zone is None:
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

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rowcount: int, rows: Sequence[Any]) -> None:
        self.rowcount = rowcount
        self._rows = rows

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
