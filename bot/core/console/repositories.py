"""What the console room asks of storage: its signing key and the sessions it handed out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.model import Role


class View(StrEnum):
    """What a console link opens: the moderators' queue (with the host's control), the host's
    control alone, or the read-only on-air page for a streaming tool."""

    MODERATOR = "moderator"
    HOST = "host"
    OVERLAY = "overlay"


@dataclass(frozen=True)
class ConsoleSession:
    id: str
    view: View
    member_id: int
    live_id: int
    # The role facts the platform gave when the link was made: the console's requests carry
    # them, so the dispatcher checks each action against the same policy table.
    roles: frozenset[Role]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None


class ConsoleRepo(Protocol):
    async def key(self, name: str, new_secret: str, now: datetime) -> str:
        """The secret stored under `name`; `new_secret` is stored first if there is none."""
        ...

    async def add(self, session: ConsoleSession) -> None: ...
    async def get(self, session_id: str) -> ConsoleSession | None: ...
    async def revoke(self, session_id: str, now: datetime) -> bool:
        """False when it was revoked already (or never existed)."""
        ...

    async def revoke_views(self, live_id: int, view: View, now: datetime) -> int:
        """Revokes every session of that view for the live (an overlay link replaced)."""
        ...

    async def forget_expired(self, now: datetime) -> int:
        """Deletes the sessions that ended before `now`; returns how many. Their tokens all
        expired with them (no token outlives its session), so nothing changes for a reader."""
        ...
