"""Guided conversations waiting for their next answer (`core/conversation_repo.py`, the table
`conversations`): the core's state as text, saved after each answer so that any process
continues the form, and forgotten a day after its last answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.core.conversation_repo import FORM_TTL
from bot.domain.model import UserRef
from bot.storage._db import Db
from bot.storage._sql import upsert
from bot.storage.tables import conversations


class SqlConversationRepo:
    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def get(self, who: UserRef, since: datetime) -> str | None:
        state = await self._conn.scalar(
            select(conversations.c.state).where(
                conversations.c.platform == who.platform,
                conversations.c.user_id == who.id,
                conversations.c.updated_at >= since,
            )
        )
        return None if state is None else str(state)

    async def put(self, who: UserRef, state: str, now: datetime) -> None:
        await self._conn.execute(
            delete(conversations).where(conversations.c.updated_at < now - FORM_TTL)
        )
        insert = upsert(self._conn, conversations).values(
            platform=who.platform, user_id=who.id, state=state, updated_at=now
        )
        await self._conn.execute(
            insert.on_conflict_do_update(
                index_elements=["platform", "user_id"],
                set_={"state": insert.excluded.state, "updated_at": insert.excluded.updated_at},
            )
        )

    async def drop(self, who: UserRef) -> None:
        await self._conn.execute(
            delete(conversations).where(
                conversations.c.platform == who.platform, conversations.c.user_id == who.id
            )
        )
