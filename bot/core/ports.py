"""The ports the core talks to: a clock, the chat platforms, their calendars, and the storage unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar, cast, runtime_checkable

from bot.core.calendar.repositories import CalendarRepo
from bot.core.community.repositories import CommunityRepo, MemberRepo
from bot.core.console.repositories import ConsoleRepo
from bot.core.conversation_repo import ConversationRepo
from bot.core.delivery.ledger import DeliveryRepo
from bot.core.inbox import InboxRepo
from bot.core.lives.repositories import LiveRepo, ProposalRepo, SignupRepo
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.qa.repositories import ModerationRepo, QuestionRepo
from bot.core.reports.repositories import StatsRepo
from bot.domain.model import (
    LiveStatus,
)


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC."""
        ...


@dataclass(frozen=True)
class Capabilities:
    """What a chat platform offers, declared where the composition root builds it: the core
    asks these, never a platform's name. The defaults are what a platform nobody declared gets."""

    threads: bool = False  # a thread opened on each announcement takes the live's later posts
    dms_by_default: bool = True  # members get private messages unless they turn them off
    calendar: bool = False  # its spaces keep a calendar of events (see `EventCalendar`)
    menus: bool = False  # pick lists on messages (`Menu`); else buttons only
    text_limit: int = 4096  # characters of one message


class ChatPlatform(Protocol):
    """One platform's outbound side; a refused send is a `SendResult`, never an exception."""

    name: str
    capabilities: Capabilities

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult: ...

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        """Replaces a message the bot posted earlier (an announcement kept up to date)."""
        ...


@runtime_checkable
class Paced(Protocol):
    """A platform that knows when each chat may be written to next (see adapters/limits.py):
    the sender books a slot, or puts the row back in line until the chat is free."""

    def free_in(self, dest: Destination) -> float:
        """Seconds until a send to `dest` may leave (0: now)."""
        ...

    def book(self, dest: Destination) -> float:
        """Takes the next slot of `dest`; returns seconds until it."""
        ...


_PACED: dict[type, bool] = {}  # by class: whether its instances are Paced


def paced(platform: object) -> Paced | None:
    """The platform as `Paced` if it is (else None), checked once per class: a runtime
    protocol's `isinstance` looks at every method each time, and the sender asked it for each
    due row (~25,000 a burst)."""
    kind = type(platform)
    known = _PACED.get(kind)
    if known is None:
        known = _PACED[kind] = isinstance(platform, Paced)
    return cast(Paced, platform) if known else None


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
    console: ConsoleRepo
    calendars: CalendarRepo
    conversations: ConversationRepo
    changes: ChangeNotices


T = TypeVar("T")


class StoreUnavailable(Exception):
    """The database does not answer now (connection lost or refused, server restarting, a
    read-only standby, SQLite locked or unwritable): nothing of the unit was kept, and the
    same work may succeed in a moment. Raised by the stores (storage/outage.py classifies the
    drivers' errors once), mapped by the core and the adapters to a short message, and to
    "try again later" by the background loops, never to an internal error.

    `kind` is safe to show to anyone (`/healthz`): a short phrase, never the driver's text."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"the database is unavailable: {kind}")
        self.kind = kind


class HeldLock(Protocol):
    """A lock this process holds until it releases it or dies."""

    async def release(self) -> None: ...
    async def alive(self) -> bool:
        """Still held: False once the connection it lives on is gone (a database outage)."""
        ...


CATCH_UP = "catch_up"  # "you may have missed anything": refresh whatever is shown
AUTO_END = "auto_end"  # the alarm clock closed a live that never went on air
SESSION = "session"  # a console session or an overlay link was closed


@dataclass(frozen=True)
class Change:
    """What a committed unit of work changed, as the console and the public pages need to know
    it. It may cross to other processes (ChangeFeed): ids and a name only, never a person's
    text."""

    kind: str  # a command's name (`approve`), or one of the names above
    community_id: int | None = None
    live_id: int | None = None
    # Heard from another process: shown here, never told back to the others.
    elsewhere: bool = False


class ChangeNotices(Protocol):
    """The other processes on the same database, as a unit of work tells them what it changed:
    in its own transaction, so that they hear of it exactly when, and only if, it commits (a
    process killed just after its commit has told them already). Nothing on SQLite (one
    process by design)."""

    async def tell(self, change: Change) -> None: ...


class ChangeFeed(Protocol):
    """This process hears what the other processes on the same database changed (told by their
    units' `ChangeNotices`), so that a console or a page served here shows a decision made
    there at once. Only a database shared by several processes has one (PostgreSQL's
    LISTEN/NOTIFY)."""

    async def start(self, heard: Callable[[Change], None]) -> None:
        """Listens from now on: `heard` gets each other process's change (`elsewhere`), and a
        `CATCH_UP` each time listening (re)starts, since changes may have been missed meanwhile."""
        ...

    async def stop(self) -> None: ...


class Store(Protocol):
    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]], *, first: bool = False) -> T:
        """Runs `work` in one transaction: committed when it returns, rolled back if it raises.

        `work` must await nothing but the repositories: a store may drive it whole in its
        database thread (SQLite) instead of on the event loop. `first`: ahead of the units
        already waiting, for the few that everything else waits for (storing what a platform
        delivered, before it delivers more).
        """
        ...

    def unit(self) -> AbstractAsyncContextManager[UnitOfWork]:
        """One transaction as a block, driven from the caller (tests and tools)."""
        ...

    async def try_hold(self, name: str) -> HeldLock | None:
        """The lock `name` for this process (one Telegram poller among several processes),
        or None while another process holds it. A process that dies lets it go."""
        ...
