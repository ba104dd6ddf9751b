"""A unit of work: every repository on one connection, so in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar, overload

from bot.core.calendar.repositories import CalendarRepo
from bot.core.community.repositories import CommunityRepo, MemberRepo
from bot.core.console.repositories import ConsoleRepo
from bot.core.conversation_repo import ConversationRepo
from bot.core.delivery.ledger import DeliveryRepo
from bot.core.inbox import InboxRepo
from bot.core.lives.repositories import LiveRepo, ProposalRepo, SignupRepo
from bot.core.ports import ChangeNotices
from bot.core.qa.repositories import ModerationRepo, QuestionRepo
from bot.core.reports.repositories import StatsRepo
from bot.storage._db import Db
from bot.storage.calendars import SqlCalendarRepo
from bot.storage.communities import SqlCommunityRepo
from bot.storage.console import SqlConsoleRepo
from bot.storage.conversations import SqlConversationRepo
from bot.storage.deliveries import SqlDeliveryRepo
from bot.storage.inbox import SqlInboxRepo
from bot.storage.lease import DEFAULT_LEASE, Lease
from bot.storage.lives import SqlLiveRepo
from bot.storage.members import SqlMemberRepo
from bot.storage.moderation import SqlModerationRepo
from bot.storage.notices import SqlChangeNotices
from bot.storage.proposals import SqlProposalRepo
from bot.storage.questions import SqlQuestionRepo
from bot.storage.signups import SqlSignupRepo
from bot.storage.stats import SqlStatsRepo

R = TypeVar("R")


class _Made(Generic[R]):
    """A repository made when the unit first uses it, then an attribute like any other.

    A descriptor without `__set__`: once made, the instance's own attribute answers and this
    is never called again. It replaced a `__getattr__`, which Python reaches only after a
    failed lookup has built its AttributeError: ~5 us a repository, ~25 us of a sign-up's
    database thread (a sign-up uses six)."""

    def __init__(self, make: Callable[[SqlUnit], R]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, unit: None, owner: type) -> _Made[R]: ...
    @overload
    def __get__(self, unit: SqlUnit, owner: type) -> R: ...
    def __get__(self, unit: SqlUnit | None, owner: type) -> R | _Made[R]:
        if unit is None:
            return self
        made = unit.__dict__[self._name] = self._make(unit)
        return made


class SqlUnit:
    """Every repository of one unit, all on the same connection and so the same transaction.

    Each is made when the unit first uses it: a sign-up uses six of the fourteen, and making
    all of them for every unit was ~2 % of a sign-up's database thread."""

    connection: Db
    _lease: Lease
    _notices: str | None
    communities: _Made[CommunityRepo] = _Made(lambda u: SqlCommunityRepo(u.connection))
    members: _Made[MemberRepo] = _Made(lambda u: SqlMemberRepo(u.connection))
    lives: _Made[LiveRepo] = _Made(lambda u: SqlLiveRepo(u.connection))
    signups: _Made[SignupRepo] = _Made(lambda u: SqlSignupRepo(u.connection))
    questions: _Made[QuestionRepo] = _Made(lambda u: SqlQuestionRepo(u.connection))
    moderation: _Made[ModerationRepo] = _Made(lambda u: SqlModerationRepo(u.connection))
    proposals: _Made[ProposalRepo] = _Made(lambda u: SqlProposalRepo(u.connection))
    deliveries: _Made[DeliveryRepo] = _Made(lambda u: SqlDeliveryRepo(u.connection, u._lease))
    inbox: _Made[InboxRepo] = _Made(lambda u: SqlInboxRepo(u.connection, u._lease))
    stats: _Made[StatsRepo] = _Made(lambda u: SqlStatsRepo(u.connection))
    console: _Made[ConsoleRepo] = _Made(lambda u: SqlConsoleRepo(u.connection))
    calendars: _Made[CalendarRepo] = _Made(lambda u: SqlCalendarRepo(u.connection))
    conversations: _Made[ConversationRepo] = _Made(lambda u: SqlConversationRepo(u.connection))
    changes: _Made[ChangeNotices] = _Made(lambda u: SqlChangeNotices(u.connection, u._notices))

    def __init__(self, conn: Db, lease: Lease = DEFAULT_LEASE, notices: str | None = None) -> None:
        """`notices`: the origin named in the change notices this unit sends in its transaction
        (storage/notices.py); None sends none."""
        self.connection = conn
        self._lease = lease
        self._notices = notices
