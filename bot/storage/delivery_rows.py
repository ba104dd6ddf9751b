"""How the delivery ledger's rows are read and written: the columns, the row -> `Delivery`
mapping, and the statements built once (building one costs more than running it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import JSON, bindparam, case, or_, update
from sqlalchemy.sql import Executable

from bot.core.delivery.ledger import Delivery
from bot.core.delivery.vocabulary import CORE_PLATFORM, URGENT, Kind
from bot.core.messages import Destination
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, insert_for
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
    return _insert(dialect, revive, rows=None)


@cache
def plan_many_statement(dialect: str, rows: int) -> Executable:
    """`insert_statement(dialect, revive=True)` for `rows` rows in one INSERT (a sign-up's
    reminders: one statement instead of one per reminder). Row i's parameters are the names of
    `row_values` followed by `_i`; it returns the key of each row inserted or revived."""
    return _insert(dialect, True, rows)


def _insert(dialect: str, revive: bool, rows: int | None) -> Executable:
    types = {"due_at": UTCDateTime, "payload": JSON}

    def one(suffix: str) -> dict[str, Any]:
        due = bindparam(f"due_at{suffix}", type_=UTCDateTime)
        return {
            **{name: bindparam(f"{name}{suffix}", type_=types.get(name)) for name in _PLANNED},
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": due,
            "updated_at": due,
        }

    base = insert_for(dialect, deliveries)
    stmt = (
        base.values(one("")) if rows is None else base.values([one(f"_{i}") for i in range(rows)])
    )
    returned = deliveries.c.id if rows is None else deliveries.c.key
    if not revive:
        return hot(
            stmt.on_conflict_do_nothing(index_elements=[deliveries.c.key]).returning(returned)
        )
    revived: dict[str, Any] = {name: stmt.excluded[name] for name in _PLANNED if name != "key"}
    revived |= {"status": PENDING, "attempts": 0, "reason": None}
    revived["next_attempt_at"] = stmt.excluded["due_at"]
    return hot(
        stmt.on_conflict_do_update(
            index_elements=[deliveries.c.key],
            set_=revived,
            where=or_(deliveries.c.status == PENDING, deliveries.c.status == EXPIRED),
        ).returning(returned)
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
    return {
        "key": key,
        "kind": str(kind),  # a `Kind` is stored as its plain value
        "due_at": due_at,
        "platform": dest.platform,
        "chat_id": dest.chat_id,
        "private": dest.private,
        "thread_id": dest.thread_id,
        "member_id": member_id,
        "live_id": live_id,
        "payload": dict(payload),
    }


URGENT_FIRST = case((deliveries.c.kind.in_([kind.value for kind in URGENT]), 0), else_=1)

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
