"""Value types of the domain: identities, states and the records use cases reason about."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Platform(StrEnum):
    DISCORD = "discord"
    TELEGRAM = "telegram"
    SHELL = "shell"


class Role(StrEnum):
    """A role a person holds in a community; `organizer` implies the two others."""

    MEMBER = "member"
    HOST = "host"
    MODERATOR = "moderator"
    ORGANIZER = "organizer"


class SpaceRole(StrEnum):
    ANNOUNCE = "announce"
    MODERATION = "moderation"


class LiveStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    LIVE = "live"
    ENDED = "ended"
    CANCELLED = "cancelled"


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class QuestionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ON_AIR = "on_air"
    ANSWERED = "answered"
    REJECTED = "rejected"
    MERGED = "merged"


class ProposalStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class UserRef:
    """A person on one platform; ids are text, never bare ints."""

    platform: str
    id: str


@dataclass(frozen=True)
class SpaceRef:
    """A chat or server on one platform."""

    platform: str
    id: str


@dataclass(frozen=True)
class Community:
    id: int
    name: str
    language: str
    timezone: str
    reminders: tuple[str, ...]
    premoderation: bool
    lexicon: tuple[str, ...] = ()  # its own terms, on top of the shipped lexicons
    public: bool = False  # its schedule has a public page and feed (`/setup public=yes`)
    invite: str | None = None  # the Discord invite its public page offers (`/setup invite=`)


@dataclass(frozen=True)
class Space:
    id: int
    community_id: int
    platform: str
    external_id: str
    role: SpaceRole
    title: str
    active: bool
    announce_channel: str | None = None
    moderation_channel: str | None = None
    host_role: str | None = None
    moderator_role: str | None = None


@dataclass(frozen=True)
class Member:
    id: int
    platform: str
    external_id: str
    display_name: str
    language: str | None
    timezone: str | None
    reminders: tuple[str, ...] | None
    dms: bool | None
    dm_unreachable: bool
    locale_hint: str | None
    username: str | None = None

    @property
    def ref(self) -> UserRef:
        return UserRef(self.platform, self.external_id)


@dataclass(frozen=True)
class Live:
    id: int
    community_id: int
    title: str
    description: str
    starts_at: datetime
    duration_min: int
    link: str | None
    capacity: int | None
    tags: tuple[str, ...]
    status: LiveStatus
    created_by: int
    series_id: int | None = None
    replay: str | None = None
    sequence: int = 0  # iCalendar's SEQUENCE: raised when it moves or is cancelled
    revision: int = 0  # raised by every change: what calendars and pages cache by

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)

    @property
    def open_for_signup(self) -> bool:
        return self.status in (LiveStatus.SCHEDULED, LiveStatus.LIVE)

    @property
    def open_for_questions(self) -> bool:
        return self.status in (LiveStatus.SCHEDULED, LiveStatus.LIVE)


@dataclass(frozen=True)
class SignUp:
    live_id: int
    member_id: int
    status: SignupStatus
    created_at: datetime
    attended: bool = False


@dataclass(frozen=True)
class SeatCount:
    confirmed: int
    waitlisted: int


@dataclass(frozen=True)
class Question:
    id: int
    live_id: int
    author_id: int | None
    text: str
    anonymous: bool
    status: QuestionStatus
    created_at: datetime
    votes: int = 0
    merged_into: int | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    id: int
    community_id: int
    member_id: int | None
    title: str
    description: str
    status: ProposalStatus
    live_id: int | None = None


@dataclass(frozen=True)
class ModAction:
    live_id: int | None
    actor_id: int | None
    action: str
    target: str
    at: datetime
