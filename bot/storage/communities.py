"""Communities, their spaces (chats and servers), link codes, host grants and memberships."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.core.community.repositories import Place
from bot.domain.model import Community, Space, SpaceRole
from bot.storage._db import Db
from bot.storage._sql import Kept, checked_values, to_csv, upsert
from bot.storage.community_rows import (
    COMMUNITY,
    COMMUNITY_BY_ID,
    COMMUNITY_FIELDS,
    GRANTED,
    PLACE,
    SPACE,
    SPACE_BY_REF,
    SPACE_FIELDS,
    SPACES,
    SPACES_OF_ROLE,
    community_from_row,
    membership_statement,
    space_from_row,
)
from bot.storage.tables import communities, host_grants, link_codes, memberships, spaces

log = logging.getLogger(__name__)
# PLACE's columns: the space's, then its community's, then the member's two flags.
_SPACE_END = len(SPACE)
_COMMUNITY_END = _SPACE_END + len(COMMUNITY)
_SPACES = Kept(space_from_row)
_COMMUNITIES = Kept(lambda row: community_from_row(row, "c_"))


class SqlCommunityRepo:
    """CommunityRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def get(self, community_id: int) -> Community | None:
        result = await self._conn.execute(COMMUNITY_BY_ID, {"id": community_id})
        row = result.first()
        return None if row is None else community_from_row(row)

    async def create(
        self, name: str, language: str, timezone: str, reminders: Sequence[str], premoderation: bool
    ) -> Community:
        """The Protocol gives no clock here, so created_at is the database host's time."""
        result = await self._conn.execute(
            insert(communities)
            .values(
                name=name,
                language=language,
                timezone=timezone,
                reminders=to_csv(reminders),
                premoderation=premoderation,
                created_at=datetime.now(UTC),
            )
            .returning(*COMMUNITY)
        )
        return community_from_row(result.one())

    async def update(self, community_id: int, **fields: Any) -> None:
        values = checked_values(fields, COMMUNITY_FIELDS, {"reminders": to_csv, "lexicon": to_csv})
        if values:
            await self._conn.execute(
                update(communities).where(communities.c.id == community_id).values(values)
            )

    async def space(self, platform: str, external_id: str) -> Space | None:
        result = await self._conn.execute(SPACE_BY_REF, {"platform": platform, "id": external_id})
        row = result.first()
        return None if row is None else space_from_row(row)

    async def place(self, platform: str, external_id: str, member_id: int) -> Place | None:
        params = {"platform": platform, "id": external_id, "member": member_id}
        row = (await self._conn.execute(PLACE, params)).first()
        if row is None:
            return None
        values = tuple(row)
        return Place(
            _SPACES.get(values[:_SPACE_END], row),
            _COMMUNITIES.get(values[_SPACE_END:_COMMUNITY_END], row),
            bool(row.granted_host),
            bool(row.is_member),
        )

    async def attach_space(
        self, community_id: int, platform: str, external_id: str, role: SpaceRole, title: str
    ) -> Space:
        """Creates the space, or moves an existing one to this community and role, active."""
        stmt = upsert(self._conn, spaces).values(
            community_id=community_id,
            platform=platform,
            external_id=external_id,
            role=str(role),
            title=title,
            active=True,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[spaces.c.platform, spaces.c.external_id],
            set_={
                "community_id": stmt.excluded.community_id,
                "role": stmt.excluded.role,
                "title": stmt.excluded.title,
                "active": True,
            },
        )
        result = await self._conn.execute(stmt.returning(*SPACE))
        return space_from_row(result.one())

    async def update_space(self, space_id: int, **fields: Any) -> None:
        values = checked_values(fields, SPACE_FIELDS, {"role": str})
        if values:
            await self._conn.execute(update(spaces).where(spaces.c.id == space_id).values(values))

    async def spaces(self, community_id: int, role: SpaceRole | None = None) -> list[Space]:
        """The active spaces of a community, oldest first (read by every reminder sent and
        every sign-up: a statement built once, run hot)."""
        query = SPACES_OF_ROLE if role is not None else SPACES
        params = {"community_id": community_id, "role": str(role) if role is not None else None}
        result = await self._conn.execute(query, params)
        return [space_from_row(row) for row in result]

    async def all_spaces(self, platform: str) -> list[tuple[int, str]]:
        result = await self._conn.execute(
            select(spaces.c.community_id, spaces.c.external_id)
            .where(spaces.c.platform == platform, spaces.c.active)
            .order_by(spaces.c.id)
        )
        return [(row.community_id, row.external_id) for row in result]

    async def detach_space(self, space_id: int) -> None:
        """Deactivates rather than deletes, so its settings come back if it is attached again."""
        await self._conn.execute(update(spaces).where(spaces.c.id == space_id).values(active=False))

    async def add_link_code(
        self, code: str, community_id: int, role: SpaceRole, created_by: int, expires_at: datetime
    ) -> None:
        await self._conn.execute(
            insert(link_codes).values(
                code=code,
                community_id=community_id,
                role=str(role),
                created_by=created_by,
                expires_at=expires_at,
            )
        )

    async def link_code(self, code: str, now: datetime) -> tuple[int, SpaceRole] | None:
        """The community and role of a valid, unused, unexpired code (does not use it up)."""
        result = await self._conn.execute(
            select(link_codes.c.community_id, link_codes.c.role).where(
                link_codes.c.code == code,
                link_codes.c.used_at.is_(None),
                link_codes.c.expires_at > now,
            )
        )
        row = result.first()
        return None if row is None else (row.community_id, SpaceRole(row.role))

    async def use_link_code(self, code: str, now: datetime) -> bool:
        """Marks the code used; False when another use won the race or it expired."""
        result = await self._conn.execute(
            update(link_codes)
            .where(
                link_codes.c.code == code,
                link_codes.c.used_at.is_(None),
                link_codes.c.expires_at > now,
            )
            .values(used_at=now)
        )
        return result.rowcount == 1

    async def grant_host(self, community_id: int, member_id: int, by: int, now: datetime) -> bool:
        """True when granted now, False when the member already held the grant."""
        stmt = (
            upsert(self._conn, host_grants)
            .values(community_id=community_id, member_id=member_id, granted_by=by, granted_at=now)
            .on_conflict_do_nothing()
            .returning(host_grants.c.member_id)
        )
        result = await self._conn.execute(stmt)
        return result.first() is not None

    async def revoke_host(self, community_id: int, member_id: int) -> bool:
        result = await self._conn.execute(
            delete(host_grants).where(
                host_grants.c.community_id == community_id, host_grants.c.member_id == member_id
            )
        )
        return result.rowcount > 0

    async def is_granted_host(self, community_id: int, member_id: int) -> bool:
        result = await self._conn.execute(GRANTED, {"community": community_id, "member": member_id})
        return bool(result.scalar())

    async def add_membership(self, community_id: int, member_id: int, now: datetime) -> None:
        """Idempotent: an existing membership keeps its original date."""
        await self._conn.execute(
            membership_statement(self._conn.dialect.name),
            {"community": community_id, "member": member_id, "since": now},
        )

    async def communities_of(self, member_id: int) -> list[int]:
        result = await self._conn.execute(
            select(memberships.c.community_id)
            .where(memberships.c.member_id == member_id)
            .order_by(memberships.c.community_id)
        )
        return list(result.scalars())
