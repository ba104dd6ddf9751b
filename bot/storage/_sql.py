"""Helpers shared by the repositories: dialect-aware upserts, CSV columns and checked updates."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, Generic, TypeAlias, TypeVar

from sqlalchemy import Row, Table
from sqlalchemy.dialects import postgresql, sqlite

from bot.storage._db import Db

Insert = sqlite.Insert | postgresql.Insert
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"  # a result row of any shape
T = TypeVar("T")


def upsert(conn: Db, table: Table) -> Insert:
    """An INSERT that knows ON CONFLICT, in the dialect of this connection."""
    return insert_for(conn.dialect.name, table)


def insert_for(dialect: str, table: Table) -> Insert:
    """An INSERT that knows ON CONFLICT, in this dialect (SQLite unless PostgreSQL)."""
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def to_csv(items: Iterable[str] | None) -> str | None:
    """Tuple to comma-separated text; None stays None (meaning "not set")."""
    return None if items is None else ",".join(item.strip() for item in items if item.strip())


def from_csv(text: str | None) -> tuple[str, ...] | None:
    """Comma-separated text to a tuple; NULL stays None, the empty string is ()."""
    if text is None:
        return None
    return tuple(item for item in text.split(",") if item)


def csv_tuple(text: str | None) -> tuple[str, ...]:
    """Comma-separated text of a NOT NULL column to a tuple."""
    return from_csv(text) or ()


def checked_values(
    fields: Mapping[str, Any],
    allowed: Iterable[str],
    convert: Mapping[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """Column values for an UPDATE; an unknown field is a bug of the caller, so it raises."""
    allowed = frozenset(allowed)
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot update {', '.join(sorted(unknown))}")
    convert = convert or {}
    return {
        name: convert[name](value) if name in convert else value for name, value in fields.items()
    }


class Kept(Generic[T]):
    """Frozen domain objects built from rows, kept by the row's values: the same values give
    back the same object, unbuilt. Every sign-up and press reads its place (a space and its
    community) and its live, the same rows for a whole crowd; building them again was ~10 %
    of a sign-up's database thread. Safe because what is kept is immutable and keyed by every
    value it was built from: a changed row is a new key."""

    def __init__(self, build: Callable[[AnyRow], T], size: int = 256) -> None:
        self._build, self._size = build, size
        self._kept: dict[Hashable, T] = {}

    def get(self, key: tuple[Any, ...], row: AnyRow) -> T:
        found = self._kept.get(key)
        if found is None:
            found = self._build(row)
            if len(self._kept) >= self._size:  # many different rows: start again, simply
                self._kept.clear()
            self._kept[key] = found
        return found
