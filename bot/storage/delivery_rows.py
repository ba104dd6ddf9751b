"""How the delivery ledger's rows are read and written: the columns, the row -> `Delivery`
mapping, and the statements built once (building one costs more than running it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar

from sqlalchemy import JSON, Select, bindparam, case, literal, or_, select, true, union_all, update
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.types import TypeDecorator

from bot.core.delivery.ledger import Delivery, Owed
from bot.core.delivery.vocabulary import CORE_PLATFORM, URGENT, Kind
from bot.core.messages import Destination
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, Insert, insert_for
from bot.storage.tables import UTCDateTime, deliveries

PENDING = "pending"
SENDING = "sending"
EXPIRED = "expired"
AGAIN = "again"

DELIVERY = (
    deliveries.c.id,
    deliveries.c.key,
    deliveries.c.kind,
    deliveries.c.due_at,
    deliveries.c.platform,
    deliveries.c.chat_id,
    deliveries.c.private,
    deliveries.c.thread_id,
    deliveries.c.payload,
    deliveries.c.status,
    deliveries.c.attempts,
    deliveries.c.member_id,
    deliveries.c.live_id,
)


def delivery_from_row(row: AnyRow) -> Delivery:
    return Delivery(
        id=row.id,
        key=row.key,
        kind=row.kind,
        due_at=row.due_at,
        dest=Destination(
            platform=row.platform,
            chat_id=row.chat_id,
            private=bool(row.private),
            thread_id=row.thread_id,
        ),
        payload=row.payload,
        status=row.status,
        attempts=row.attempts,
        member_id=row.member_id,
        live_id=row.live_id,
    )


_PLANNED = (
    "key", "kind", "due_at", "platform", "chat_id", "private", "thread_id", "member_id", "live_id",
    "payload",
)  # fmt: skip


@cache
def insert_statement(dialect: str, revive: bool) -> Executable:
    """Built once (building costs more than running): insert a pending row; on a key already
    there, `revive` brings a pending or expired row up to date, else nothing happens."""
    types = {"due_at": UTCDateTime, "payload": JSON}
    stmt = insert_for(dialect, deliveries).values(
        {
            **{name: bindparam(name, type_=types.get(name)) for name in _PLANNED},
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": bindparam("due_at", type_=UTCDateTime),
            "updated_at": bindparam("due_at", type_=UTCDateTime),
        }
    )
    if not revive:
        return hot(
            stmt.on_conflict_do_nothing(index_elements=[deliveries.c.key]).returning(
                deliveries.c.id
            )
        )
    return hot(_revive(stmt).returning(deliveries.c.id))


class _Payload(TypeDecorator[Any]):
    """`deliveries.payload` as `plan_many_statement` binds it: the same JSON text, but a payload
    of plain text values (a reminder's recipe) is encoded once and its text reused: a crowd
    signing up to a live binds the same two or three payloads thousands of times."""

    impl = JSON
    cache_ok = True
    # One memo per dialect, shared by every row position of every `plan_many_statement`.
    _memos: ClassVar[dict[str, dict[tuple[tuple[Any, Any], ...], Any]]] = {}

    def bind_processor(self, dialect: Dialect) -> Any:
        encode = self.impl_instance.bind_processor(dialect)
        if encode is None:  # the driver encodes it (asyncpg): nothing to keep
            return None
        memo = self._memos.setdefault(dialect.name, {})

        def process(value: Any) -> Any:
            if type(value) is not dict:
                return encode(value)
            # Only text values (a `Kind` is text): 1, 1.0 and True are equal keys but not the
            # same JSON, while equal texts are the same JSON string.
            for item in value.values():
                if not isinstance(item, str):
                    return encode(value)
            key = tuple(value.items())
            text = memo.get(key)
            if text is None:
                if len(memo) >= 256:  # payloads with ever new values: kept bounded
                    memo.clear()
                text = memo[key] = encode(value)
            return text

        return process


@cache
def plan_many_statement(dialect: str, rows: int) -> Executable:
    """`insert_statement(dialect, revive=True)` for `rows` rows in one INSERT (a sign-up's
    reminders: one statement instead of one per reminder). Row i's parameters are the names of
    `row_values` followed by `_i`; it returns the key of each row inserted or revived.

    INSERT ... SELECT ... UNION ALL SELECT rather than a multi-row VALUES: SQLAlchemy cannot
    cache the compiled form of a multi-row VALUES (no cache key) and compiled it again on every
    run through an async driver, which cost more than the statement saved."""
    columns = [*_PLANNED, "status", "attempts", "next_attempt_at", "updated_at"]

    def one(i: int) -> Select[Any]:
        # Typed as their columns: PostgreSQL infers nothing through a UNION.
        values = [bindparam(f"{name}_{i}", type_=_type(name)) for name in _PLANNED]
        due = bindparam(f"due_at_{i}", type_=UTCDateTime)
        chosen = (*values, literal(PENDING), literal(0), due, due)
        return select(*(value.label(name) for value, name in zip(chosen, columns, strict=True)))

    chosen: Any = one(0) if rows == 1 else union_all(*(one(i) for i in range(rows)))
    # `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint
    source = select(chosen.subquery()).where(true()) if rows > 1 else chosen.where(true())
    stmt = insert_for(dialect, deliveries).from_select(columns, source)
    return hot(_revive(stmt).returning(deliveries.c.key))


def _type(name: str) -> Any:
    return _Payload() if name == "payload" else deliveries.c[name].type


def _revive(stmt: Insert) -> Insert:
    """On a key already there, a pending or expired row is brought up to date."""
    revived: dict[str, Any] = {name: stmt.excluded[name] for name in _PLANNED if name != "key"}
    revived |= {"status": PENDING, "attempts": 0, "reason": None}
    revived["next_attempt_at"] = stmt.excluded["due_at"]
    return stmt.on_conflict_do_update(
        index_elements=[deliveries.c.key],
        set_=revived,
        where=or_(deliveries.c.status == PENDING, deliveries.c.status == EXPIRED),
    )


def row_values(
    key: str,
    kind: str,
    due_at: datetime,
    dest: Destination,
    payload: Mapping[str, Any],
    member_id: int | None,
    live_id: int | None,
) -> dict[str, Any]:
    """The parameters of `insert_statement` for one owed message."""
    values = row_tuple(Owed(key, kind, due_at, dest, payload, member_id, live_id))
    return dict(zip(_PLANNED, values, strict=True))


def row_tuple(row: Owed) -> tuple[Any, ...]:
    """The values of `_PLANNED`, in its order."""
    kind = str(row.kind)  # a `Kind` is stored as its plain value
    dest = row.dest
    return row.key, kind, row.due_at, dest.platform, dest.chat_id, dest.private, dest.thread_id, \
        row.member_id, row.live_id, dict(row.payload)  # fmt: skip


@cache
def many_names(i: int) -> tuple[str, ...]:
    """The parameter names of row `i` in `plan_many_statement`, in `_PLANNED`'s order."""
    return tuple(f"{name}_{i}" for name in _PLANNED)


# Each kind a bound value of its own, not an expanding list: `due` runs on the driver directly.
URGENT_FIRST = case((deliveries.c.kind.in_([literal(kind.value) for kind in URGENT]), 0), else_=1)

EXPIRE_KEY = hot(
    update(deliveries)
    .where(deliveries.c.key == bindparam("row_key"), deliveries.c.status == PENDING)
    .values(status=EXPIRED, reason=bindparam("why"), updated_at=bindparam("now", type_=UTCDateTime))
)  # built once: it runs after every answered button press


@cache
def refresh_statement(dialect: str) -> Executable:
    """Insert a pending refresh; revive a finished one; leave a pending one alone (its earlier
    time spaces the edits); mark one being sent with reason "again" so it goes once more."""
    due = bindparam("due_at", type_=UTCDateTime)
    stmt = insert_for(dialect, deliveries).values(
        {
            "key": bindparam("key"),
            "kind": Kind.REFRESH.value,
            "due_at": due,
            "platform": CORE_PLATFORM,
            "chat_id": bindparam("chat_id"),
            "private": False,
            "live_id": bindparam("live_id"),
            "payload": {},
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": due,
            "updated_at": due,
        }
    )
    sending = deliveries.c.status == SENDING
    return hot(
        stmt.on_conflict_do_update(
            index_elements=[deliveries.c.key],
            set_={
                "status": case((sending, SENDING), else_=PENDING),
                "next_attempt_at": case(
                    (sending, deliveries.c.next_attempt_at), else_=stmt.excluded.due_at
                ),
                "reason": case((sending, AGAIN), else_=None),
                "attempts": 0,
            },
            where=deliveries.c.status != PENDING,
        )
    )


def aware(value: Any) -> datetime:
    """min() over a column loses the column type on SQLite: parse the stored text back."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
