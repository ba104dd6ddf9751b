"""Members: one row per person per platform, with their own settings."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, bindparam, case, delete, func, select, update
from sqlalchemy.sql import Executable

from bot.domain.model import Member, UserRef
from bot.storage._db import Db
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, checked_values, from_csv, insert_for, to_csv
from bot.storage.tables import UTCDateTime, members

log = logging.getLogger(__name__)

_MEMBER = (
    members.c.id,
    members.c.platform,
    members.c.external_id,
    members.c.display_name,
    members.c.username,
    members.c.language,
    members.c.timezone,
    members.c.reminders,
    members.c.dms,
    members.c.dm_unreachable,
    members.c.locale_hint,
)
_FIELDS = (
    "display_name",
    "username",
    "language",
    "timezone",
    "reminders",
    "dms",
    "dm_unreachable",
    "locale_hint",
)


def member_from_row(row: AnyRow) -> Member:
    """NULL reminders mean "not set" (None); NULL dms mean "platform default" (None)."""
    return Member(
        id=row.id,
        platform=row.platform,
        external_id=row.external_id,
        display_name=row.display_name,
        username=row.username,
        language=row.language,
        timezone=row.timezone,
        reminders=from_csv(row.reminders),
        dms=None if row.dms is None else bool(row.dms),
        dm_unreachable=bool(row.dm_unreachable),
        locale_hint=row.locale_hint,
    )


_BY_ID = hot(select(*_MEMBER).where(members.c.id == bindparam("id")))


@cache
def _upsert_statement(dialect: str) -> Executable:
    """Built once: it runs on every command (building a statement costs more than running it)."""
    stmt = insert_for(dialect, members).values(
        platform=bindparam("platform"),
        external_id=bindparam("external_id"),
        display_name=bindparam("display_name"),
        username=bindparam("username"),
        locale_hint=bindparam("locale_hint"),
        dm_unreachable=bindparam("unreachable", type_=Boolean),
        created_at=bindparam("created_at", type_=UTCDateTime),
    )
    return hot(
        stmt.on_conflict_do_update(
            index_elements=[members.c.platform, members.c.external_id],
            set_={
                "display_name": stmt.excluded.display_name,
                "username": stmt.excluded.username,
                "locale_hint": func.coalesce(stmt.excluded.locale_hint, members.c.locale_hint),
                # A private message from them proves the bot may write to them again (Telegram).
                "dm_unreachable": case(
                    (bindparam("opened", type_=Boolean), False), else_=members.c.dm_unreachable
                ),
            },
        ).returning(*_MEMBER)
    )


class SqlMemberRepo:
    """MemberRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def upsert(
        self,
        ref: UserRef,
        display_name: str,
        username: str | None,
        locale_hint: str | None,
        now: datetime,
        dm: bool | None = None,
    ) -> Member:
        """Creates the member or refreshes its names; a missing locale hint keeps the old one.

        `dm` is what this contact says of the private chat: True, they wrote to the bot privately
        (so it may write back); False, first seen in a group of a platform where a bot may not
        write first (Telegram); None, nothing either way."""
        values = {
            "platform": ref.platform,
            "external_id": ref.id,
            "display_name": display_name,
            "username": username,
            "locale_hint": locale_hint,
            "created_at": now,
            "unreachable": dm is False,
            "opened": dm is True,
        }
        result = await self._conn.execute(_upsert_statement(self._conn.dialect.name), values)
        return member_from_row(result.one())

    async def get(self, member_id: int) -> Member | None:
        result = await self._conn.execute(_BY_ID, {"id": member_id})
        row = result.first()
        return None if row is None else member_from_row(row)

    async def by_ref(self, ref: UserRef) -> Member | None:
        result = await self._conn.execute(
            select(*_MEMBER).where(
                members.c.platform == ref.platform, members.c.external_id == ref.id
            )
        )
        row = result.first()
        return None if row is None else member_from_row(row)

    async def by_username(self, platform: str, username: str) -> Member | None:
        """Case-insensitive, without a leading @; the most recent holder of a reused name wins."""
        name = username.removeprefix("@").lower()
        result = await self._conn.execute(
            select(*_MEMBER)
            .where(members.c.platform == platform, func.lower(members.c.username) == name)
            .order_by(members.c.id.desc())
            .limit(1)
        )
        row = result.first()
        return None if row is None else member_from_row(row)

    async def update(self, member_id: int, **fields: Any) -> None:
        values = checked_values(fields, _FIELDS, {"reminders": to_csv})
        if values:
            await self._conn.execute(
                update(members).where(members.c.id == member_id).values(values)
            )

    async def delete(self, member_id: int) -> None:
        """Removes identity and settings; rows that must survive keep a NULL author."""
        result = await self._conn.execute(delete(members).where(members.c.id == member_id))
        log.info("member %s deleted (%s row)", member_id, result.rowcount)
