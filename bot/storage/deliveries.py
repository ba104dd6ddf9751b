"""The delivery ledger: one row per message owed, claimed before sending, finished after."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from bot.core.messages import Destination
from bot.core.ports import Delivery
from bot.storage._db import Db
from bot.storage._sql import AnyRow, upsert
from bot.storage.tables import deliveries

log = logging.getLogger(__name__)

PENDING = "pending"
SENDING = "sending"

_DELIVERY = (
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


class SqlDeliveryRepo:
    """DeliveryRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def add(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """Inserts the row unless its key exists already; True when inserted."""
        stmt = (
            upsert(self._conn, deliveries)
            .values(
                key=key,
                kind=kind,
                due_at=due_at,
                platform=dest.platform,
                chat_id=dest.chat_id,
                private=dest.private,
                thread_id=dest.thread_id,
                member_id=member_id,
                live_id=live_id,
                payload=dict(payload),
                status=PENDING,
                attempts=0,
                next_attempt_at=due_at,
                updated_at=due_at,
            )
            .on_conflict_do_nothing(index_elements=[deliveries.c.key])
            .returning(deliveries.c.id)
        )
        result = await self._conn.execute(stmt)
        return result.first() is not None

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        """Pending rows whose next attempt has come, oldest due first."""
        result = await self._conn.execute(
            select(*_DELIVERY)
            .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.due_at, deliveries.c.id)
            .limit(limit)
        )
        return [delivery_from_row(row) for row in result]

    async def claim(self, delivery_id: int, now: datetime) -> bool:
        """pending -> sending; True only for the one caller that made the change."""
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == PENDING)
            .values(status=SENDING, updated_at=now)
        )
        return result.rowcount == 1

    async def finish(
        self,
        delivery_id: int,
        status: str,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        retry_at: datetime | None = None,
    ) -> None:
        """Records an attempt's outcome; "pending" puts the row back in line for `retry_at`."""
        values: dict[str, Any] = {
            "status": status,
            "attempts": deliveries.c.attempts + 1,
            "message_id": message_id,
            "reason": None if reason is None else reason[:200],
            "updated_at": now,
        }
        if status == PENDING:
            values["next_attempt_at"] = retry_at or now
        result = await self._conn.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id, deliveries.c.status == SENDING)
            .values(values)
        )
        if result.rowcount != 1:
            log.warning("delivery %s finished as %s but was not being sent", delivery_id, status)

    async def delete_of_member(self, member_id: int) -> int:
        result = await self._conn.execute(
            delete(deliveries).where(deliveries.c.member_id == member_id)
        )
        return result.rowcount
