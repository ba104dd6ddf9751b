"""What the lives room asks of storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from bot.domain.model import (
    Live,
    LiveStatus,
    Proposal,
    ProposalStatus,
    SeatCount,
    SignUp,
    SignupStatus,
)


class LiveRepo(Protocol):
    async def create(
        self,
        community_id: int,
        title: str,
        description: str,
        starts_at: datetime,
        duration_min: int,
        link: str | None,
        capacity: int | None,
        tags: Sequence[str],
        status: LiveStatus,
        created_by: int,
        series_id: int | None,
        now: datetime,
    ) -> Live: ...
    async def get(self, live_id: int) -> Live | None: ...
    async def lock(self, live_id: int) -> Live | None:
        """The live, its row locked until the unit ends: the units that touch its seats,
        waitlist or questions take it first, so on a database with several writers they run
        one after the other for that live (SQLite's single writer did this by itself)."""
        ...

    async def update(self, live_id: int, **fields: Any) -> None: ...
    async def set_status(
        self, live_id: int, from_: Sequence[LiveStatus], to: LiveStatus, now: datetime
    ) -> bool:
        """Conditional transition; the row count says whether this caller won."""
        ...

    async def add_host(self, live_id: int, member_id: int) -> None: ...
    async def hosts(self, live_id: int) -> list[int]: ...
    async def upcoming(
        self,
        community_ids: Sequence[int],
        now: datetime,
        tag: str | None,
        offset: int,
        limit: int,
        statuses: Sequence[LiveStatus] = (LiveStatus.SCHEDULED, LiveStatus.LIVE),
    ) -> tuple[list[Live], int]:
        """A page of lives not yet ended, by start time, and the total count."""
        ...

    async def next_series_id(self) -> int: ...
    async def in_series(self, series_id: int, from_start: datetime) -> list[Live]: ...


class SignupRepo(Protocol):
    async def get(self, live_id: int, member_id: int) -> SignUp | None: ...
    async def counts(self, live_id: int) -> SeatCount: ...
    async def join(
        self, live_id: int, member_id: int, capacity: int | None, now: datetime
    ) -> SignupStatus | None:
        """Confirmed when a seat is free, else waitlisted; None when already signed up."""
        ...

    async def leave(self, live_id: int, member_id: int, now: datetime) -> SignupStatus | None:
        """Cancels an active sign-up and returns its former status."""
        ...

    async def promote(self, live_id: int, capacity: int | None) -> list[int]:
        """Moves the first waitlisted members (in order) into free seats; returns their ids."""
        ...

    async def attend(self, live_id: int, member_id: int, now: datetime) -> bool: ...
    async def member_ids(self, live_id: int, statuses: Sequence[SignupStatus]) -> list[int]: ...
    async def attended_ids(self, live_id: int) -> list[int]: ...
    async def upcoming_of(self, member_id: int, now: datetime) -> list[tuple[Live, SignUp]]: ...
    async def cancel_future_of(self, member_id: int, now: datetime) -> list[int]:
        """Cancels the member's sign-ups to lives not yet started; returns those live ids."""
        ...

    async def rate(
        self, live_id: int, member_id: int, rating: int, comment: str | None, now: datetime
    ) -> bool: ...


class ProposalRepo(Protocol):
    async def create(
        self, community_id: int, member_id: int, title: str, description: str, now: datetime
    ) -> Proposal: ...
    async def get(self, proposal_id: int) -> Proposal | None: ...
    async def pending(self, community_id: int) -> list[Proposal]: ...
    async def decide(
        self, proposal_id: int, to: ProposalStatus, by: int, live_id: int | None, now: datetime
    ) -> bool:
        """Conditional on the proposal still pending."""
        ...
