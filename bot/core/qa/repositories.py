"""What the Q&A room asks of storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.domain.model import (
    ModAction,
    Question,
    QuestionStatus,
)


class QuestionRepo(Protocol):
    async def create(
        self,
        live_id: int,
        author_id: int,
        text: str,
        anonymous: bool,
        status: QuestionStatus,
        flags: Sequence[str],
        now: datetime,
    ) -> Question: ...
    async def get(self, question_id: int) -> Question | None: ...
    async def set_status(
        self,
        question_id: int,
        from_: Sequence[QuestionStatus],
        to: QuestionStatus,
        now: datetime,
        merged_into: int | None = None,
    ) -> bool: ...
    async def count_recent(self, live_id: int, author_id: int, since: datetime) -> int: ...
    async def by_status(self, live_id: int, statuses: Sequence[QuestionStatus]) -> list[Question]:
        """Questions with these statuses, the best first (most votes, then oldest)."""
        ...

    async def vote(self, question_id: int, member_id: int, now: datetime) -> bool:
        """One vote per member on a question and on every question merged with it."""
        ...

    async def delete_pending_of(self, member_id: int) -> int: ...
    async def delete_votes_of(self, member_id: int) -> int: ...


class ModerationRepo(Protocol):
    async def mute(self, community_id: int, member_id: int, until: datetime, by: int) -> None: ...
    async def unmute(self, community_id: int, member_id: int) -> bool: ...
    async def muted_until(
        self, community_id: int, member_id: int, now: datetime
    ) -> datetime | None: ...
    async def log(
        self,
        community_id: int,
        live_id: int | None,
        actor_id: int,
        action: str,
        target: str,
        now: datetime,
    ) -> None: ...
    async def actions(
        self,
        live_id: int,
        community_id: int | None = None,
        between: tuple[datetime, datetime] | None = None,
    ) -> list[ModAction]:
        """The live's actions, and the community's own (mutes) taken `between` those times."""
        ...

    async def number_questions(
        self, space_id: int, question_ids: list[int], now: datetime
    ) -> dict[int, int]:
        """Each question's number in that space's digests: kept if it has one, else the next."""
        ...

    async def decided_since_listed(self, space_id: int) -> list[tuple[int, int, str, int | None]]:
        """`(number, question id, status, merged into)` of the questions the space's digests
        listed that were decided since and not yet shown as decided there."""
        ...

    async def strike(self, space_id: int, numbers: list[int], now: datetime) -> None: ...
    async def digest_question(self, space_id: int, number: int) -> int | None: ...
    async def has_digests(self, space_id: int) -> bool: ...
