"""The ports the core talks to: a clock, the chat platforms and the storage unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, runtime_checkable

from bot.core.messages import Destination, OutMessage, SendResult
from bot.domain.model import (
    Community,
    Live,
    LiveStatus,
    Member,
    ModAction,
    Proposal,
    ProposalStatus,
    Question,
    QuestionStatus,
    SeatCount,
    SignUp,
    SignupStatus,
    Space,
    SpaceRole,
    UserRef,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC."""
        ...


class ChatPlatform(Protocol):
    """One platform's outbound side; a refused send is a `SendResult`, never an exception."""

    name: str

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult: ...

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        """Replaces a message the bot posted earlier (an announcement kept up to date)."""
        ...


@dataclass(frozen=True)
class LiveEvent:
    """What a platform's own calendar (Discord Scheduled Events) shows of a live."""

    live_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    link: str | None
    status: LiveStatus


@runtime_checkable
class EventCalendar(Protocol):
    """A platform with a calendar of its own keeps one event per live and space in step."""

    async def sync_event(
        self, space_id: str, event_id: str | None, event: LiveEvent, *, key: str
    ) -> SendResult:
        """Creates the event (`event_id` None) or brings it to `event`'s state: edited,
        started (live), completed (ended) or cancelled. `space_id` is the space's external id
        (the Discord server). Returns the event id as `message_id`; `permanent` with a
        `reason` when the platform refuses for good (the server's cap of 100 events)."""
        ...


@dataclass(frozen=True)
class Delivery:
    """One message owed to someone: a row of the ledger."""

    id: int
    key: str
    kind: str
    due_at: datetime
    dest: Destination
    payload: Mapping[str, Any]
    status: str
    attempts: int
    member_id: int | None = None
    live_id: int | None = None


@dataclass(frozen=True)
class Place:
    """Where a command was typed: the space, its community, and whether the caller was granted
    the host role there (fetched together: every command needs all three)."""

    space: Space
    community: Community
    granted_host: bool


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


class DeliveryRepo(Protocol):
    earliest: datetime | None  # the earliest due time of the rows owed in this unit

    async def add(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """Inserts the row unless its key exists already; True when inserted."""
        ...

    async def due(
        self, now: datetime, limit: int, platforms: Sequence[str] | None = None
    ) -> list[Delivery]: ...
    async def claim(self, delivery_id: int, now: datetime) -> bool: ...
    async def finish(
        self,
        delivery_id: int,
        status: str,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        retry_at: datetime | None = None,
    ) -> None: ...
    async def delete_of_member(self, member_id: int) -> int: ...
    async def plan(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """A new row, or a pending/expired one brought up to date; sent rows are never touched."""
        ...

    async def expire(
        self,
        live_id: int,
        kinds: Sequence[str],
        reason: str,
        now: datetime,
        member_id: int | None = None,
    ) -> int: ...
    async def expire_one(self, delivery_id: int, reason: str, now: datetime) -> bool: ...
    async def expire_key(self, key: str, reason: str, now: datetime) -> bool: ...
    async def next_due(self, platforms: Sequence[str] | None = None) -> datetime | None: ...
    async def recover(self, now: datetime) -> int:
        """Rows left "sending" by a crash go back in line."""
        ...

    async def counts(self, live_id: int | None = None) -> dict[str, int]: ...
    async def plan_refresh(self, live_id: int, due_at: datetime) -> None:
        """Owes an update of the live's announcements. A refresh already pending keeps its
        earlier time (edits are spaced); one being sent is told to go again when done."""
        ...

    async def posted(self, live_id: int, kind: str) -> list[tuple[Destination, str]]:
        """Where the messages of that kind for the live were posted, with their message ids."""
        ...

    async def posted_under(self, key_prefix: str) -> list[tuple[Destination, str]]:
        """Where the messages whose keys start so were posted (every card of one question)."""
        ...


@dataclass(frozen=True)
class InboxItem:
    """An update a platform sent, stored before it was confirmed to the platform."""

    id: int
    payload: str
    received_at: datetime


class InboxRepo(Protocol):
    async def add(
        self, platform: str, items: Sequence[tuple[str, str]], now: datetime
    ) -> list[tuple[str, int]]:
        """Stores (external id, payload); returns (external id, row id) of those not there yet."""
        ...

    async def pending(self, platform: str, limit: int) -> list[InboxItem]: ...
    async def done(self, item_id: int, now: datetime) -> bool:
        """Marks it handled; False when it already was."""
        ...

    async def prune(self, before: datetime) -> int: ...


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


class UnitOfWork(Protocol):
    communities: CommunityRepo
    members: MemberRepo
    lives: LiveRepo
    signups: SignupRepo
    questions: QuestionRepo
    moderation: ModerationRepo
    proposals: ProposalRepo
    deliveries: DeliveryRepo
    inbox: InboxRepo
    stats: StatsRepo


T = TypeVar("T")


class Store(Protocol):
    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        """Runs `work` in one transaction: committed when it returns, rolled back if it raises.

        `work` must await nothing but the repositories: a store may drive it whole in its
        database thread (SQLite) instead of on the event loop.
        """
        ...

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction as a block, driven from the caller (tests and tools)."""
        ...
