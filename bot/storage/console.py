"""The console's signing key and sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from bot.core.console.repositories import ConsoleSession, View
from bot.domain.model import Role
from bot.storage._db import Db
from bot.storage._sql import AnyRow, upsert
from bot.storage.web_tables import console_sessions, web_keys

_SESSION = (
    console_sessions.c.id,
    console_sessions.c.view,
    console_sessions.c.member_id,
    console_sessions.c.live_id,
    console_sessions.c.roles,
    console_sessions.c.created_at,
    console_sessions.c.expires_at,
    console_sessions.c.revoked_at,
)


def _session(row: AnyRow) -> ConsoleSession:
    roles = frozenset(Role(r) for r in row.roles.split(",") if r)
    return ConsoleSession(
        row.id, View(row.view), row.member_id, row.live_id, roles,
        row.created_at, row.expires_at, row.revoked_at,
    )  # fmt: skip


class SqlConsoleRepo:
    """ConsoleRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def key(self, name: str, new_secret: str, now: datetime) -> str:
        # Two processes starting at once: the first insert wins, both read the same key.
        stmt = upsert(self._conn, web_keys).values(name=name, secret=new_secret, created_at=now)
        await self._conn.execute(stmt.on_conflict_do_nothing(index_elements=[web_keys.c.name]))
        result = await self._conn.execute(select(web_keys.c.secret).where(web_keys.c.name == name))
        return str(result.scalar_one())

    async def add(self, session: ConsoleSession) -> None:
        await self._conn.execute(
            insert(console_sessions).values(
                id=session.id,
                view=session.view.value,
                member_id=session.member_id,
                live_id=session.live_id,
                roles=",".join(sorted(r.value for r in session.roles)),
                created_at=session.created_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )

    async def get(self, session_id: str) -> ConsoleSession | None:
        result = await self._conn.execute(
            select(*_SESSION).where(console_sessions.c.id == session_id)
        )
        row = result.first()
        return None if row is None else _session(row)

    async def revoke(self, session_id: str, now: datetime) -> bool:
        result = await self._conn.execute(
            update(console_sessions)
            .where(console_sessions.c.id == session_id, console_sessions.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount > 0

    async def revoke_views(self, live_id: int, view: View, now: datetime) -> int:
        result = await self._conn.execute(
            update(console_sessions)
            .where(
                console_sessions.c.live_id == live_id,
                console_sessions.c.view == view.value,
                console_sessions.c.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        return result.rowcount

    async def forget_expired(self, now: datetime) -> int:
        result = await self._conn.execute(
            delete(console_sessions).where(console_sessions.c.expires_at < now)
        )
        return result.rowcount
