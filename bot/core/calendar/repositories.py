"""What calendars and public pages ask of storage."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.model import Live, SignupStatus


@dataclass(frozen=True)
class Version:
    """A cheap summary of what a community's feed would hold: when it is unchanged, so is the
    feed (the count and the sum of ids move when a live comes or goes, the sum of revisions
    when one changes: revisions only rise)."""

    count: int
    ids: int
    revisions: int


@dataclass(frozen=True)
class Shown:
    """A live with what a public page or a feed shows about it: hosts' names and seat counts."""

    live: Live
    hosts: tuple[str, ...]
    confirmed: int
    waitlisted: int


class CalendarRepo(Protocol):
    async def token_of(self, member_id: int) -> str | None: ...
    async def set_token(self, member_id: int, token: str, now: datetime) -> None:
        """Replaces the member's token (the old one stops working)."""
        ...

    async def delete_token(self, member_id: int) -> None: ...
    async def owner(self, token: str) -> int | None:
        """The member whose feed this token opens."""
        ...

    async def version(self, community_id: int, since: datetime) -> Version:
        """Of the community's published lives starting at `since` or later."""
        ...

    async def member_version(self, member_id: int, since: datetime) -> tuple[Version, ...]:
        """The same summary of the member's active sign-ups to published lives starting at
        `since` or later, by community (the confirmed ones counted apart: a promotion from the
        waiting list changes the feed)."""
        ...

    async def window(
        self, community_id: int, since: datetime, now: datetime, limit: int
    ) -> list[Live]:
        """Published lives starting at `since` or later: the upcoming first (the nearest), the
        rest of `limit` filled with the most recent past ones; by start time."""
        ...

    async def signed_up(
        self, member_id: int, since: datetime, limit: int
    ) -> list[tuple[Live, SignupStatus]]:
        """The member's active sign-ups to published lives starting at `since` or later."""
        ...

    async def shown(self, lives: Sequence[Live]) -> list[Shown]:
        """Hosts' names and seat counts of these lives, in the same order."""
        ...

    async def upcoming(
        self, community_id: int, now: datetime, offset: int, limit: int
    ) -> tuple[list[Live], int]:
        """A page of the community's scheduled or running lives not yet ended, and the count."""
        ...
