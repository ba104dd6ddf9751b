"""What the community room asks of storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.domain.model import (
    Community,
    Member,
    Space,
    SpaceRole,
    UserRef,
)


@dataclass(frozen=True)
class Place:
    """Where a command was typed: the space, its community, whether the caller was granted the
    host role there and is known as a member of it (fetched together: every command needs all
    of them; a known member is not written again)."""

    space: Space
    community: Community
    granted_host: bool
    member: bool = False


class CommunityRepo(Protocol):
    async def get(self, community_id: int) -> Community | None: ...
    async def create(
        self, name: str, language: str, timezone: str, reminders: Sequence[str], premoderation: bool
    ) -> Community: ...
    async def update(self, community_id: int, **fields: Any) -> None: ...
    async def space(self, platform: str, external_id: str) -> Space | None: ...
    async def place(self, platform: str, external_id: str, member_id: int) -> Place | None:
        """The active space with that id, its community and the member's host grant, or None."""
        ...

    async def attach_space(
        self, community_id: int, platform: str, external_id: str, role: SpaceRole, title: str
    ) -> Space: ...
    async def update_space(self, space_id: int, **fields: Any) -> None: ...
    async def spaces(self, community_id: int, role: SpaceRole | None = None) -> list[Space]: ...
    async def detach_space(self, space_id: int) -> None: ...
    async def all_spaces(self, platform: str) -> list[tuple[int, str]]:
        """Every active space on that platform: (community id, external id)."""
        ...

    async def add_link_code(
        self, code: str, community_id: int, role: SpaceRole, created_by: int, expires_at: datetime
    ) -> None: ...
    async def link_code(self, code: str, now: datetime) -> tuple[int, SpaceRole] | None:
        """The community and role of a valid, unused, unexpired code (does not use it up)."""
        ...

    async def use_link_code(self, code: str, now: datetime) -> bool:
        """Marks the code used; False when another use won the race or it expired."""
        ...

    async def grant_host(
        self, community_id: int, member_id: int, by: int, now: datetime
    ) -> bool: ...
    async def revoke_host(self, community_id: int, member_id: int) -> bool: ...
    async def is_granted_host(self, community_id: int, member_id: int) -> bool: ...
    async def add_membership(self, community_id: int, member_id: int, now: datetime) -> None: ...
    async def communities_of(self, member_id: int) -> list[int]: ...


class MemberRepo(Protocol):
    async def upsert(
        self,
        ref: UserRef,
        display_name: str,
        username: str | None,
        locale_hint: str | None,
        now: datetime,
        dm: bool | None = None,
    ) -> Member:
        """`dm`: True when they wrote to the bot privately, False when first seen where a bot
        may not write first (a Telegram group), None when this contact says nothing of it."""
        ...

    async def get(self, member_id: int) -> Member | None: ...
    async def by_ref(self, ref: UserRef) -> Member | None: ...
    async def by_username(self, platform: str, username: str) -> Member | None: ...
    async def update(self, member_id: int, **fields: Any) -> None: ...
    async def delete(self, member_id: int) -> None:
        """Removes identity and settings; rows that must survive keep a NULL author."""
        ...
