"""What the reports room asks of storage: figures and export rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.model import (
    LiveStatus,
    QuestionStatus,
    SignupStatus,
)


@dataclass(frozen=True)
class Figures:
    """A community's figures over a period; every count is over the lives starting in it."""

    held: int  # ended after going on air
    cancelled: int
    signups: int  # confirmed or waitlisted, to lives not cancelled
    expected: int  # confirmed seats (walk-ins included) of the lives held
    attended: int
    ratings: int
    rating_avg: float | None
    asked: int
    approved: int  # approved at some point: still approved, on air or answered
    answered: int  # put on air


@dataclass(frozen=True)
class LiveFigures:
    """One live held: its confirmed seats (walk-ins included) and who came."""

    live_id: int
    title: str
    starts_at: datetime
    expected: int
    attended: int


@dataclass(frozen=True)
class LiveExport:
    id: int
    title: str
    status: LiveStatus
    starts_at: datetime
    duration_min: int
    capacity: int | None
    tags: str
    hosts: str  # display names, comma-separated
    link: str | None
    replay: str | None
    confirmed: int
    waitlisted: int
    attended: int
    ratings: int
    rating_avg: float | None
    questions: int


@dataclass(frozen=True)
class SignupExport:
    live_id: int
    live_title: str
    live_starts_at: datetime
    member_name: str
    platform: str
    status: SignupStatus
    created_at: datetime
    attended: bool


@dataclass(frozen=True)
class QuestionExport:
    id: int
    live_id: int
    live_title: str
    author_name: str | None  # None: anonymous, or the author used /forgetme
    anonymous: bool
    text: str
    status: QuestionStatus
    votes: int
    created_at: datetime


class StatsRepo(Protocol):
    """Read-only figures and exports of one community; `since` None means from the start."""

    async def figures(
        self, community_id: int, since: datetime | None, until: datetime
    ) -> Figures: ...
    async def attendance(
        self, community_id: int, since: datetime | None, until: datetime, limit: int
    ) -> list[LiveFigures]:
        """The last `limit` lives held in the period, oldest first."""
        ...

    async def best_attended(
        self, community_id: int, since: datetime | None, until: datetime, limit: int
    ) -> list[LiveFigures]:
        """The lives held with the most attendees (then the earliest), at least one each."""
        ...

    async def export_lives(self, community_id: int) -> list[LiveExport]: ...
    async def export_signups(self, community_id: int) -> list[SignupExport]: ...
    async def export_questions(self, community_id: int) -> list[QuestionExport]:
        """`author_name` is never read for an anonymous question."""
        ...
