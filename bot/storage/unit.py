"""A unit of work: every repository on one connection, so in one transaction."""

from __future__ import annotations

from typing import Any

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

_REPOS: dict[str, Any] = {
    "communities": SqlCommunityRepo,
    "members": SqlMemberRepo,
    "lives": SqlLiveRepo,
    "signups": SqlSignupRepo,
    "questions": SqlQuestionRepo,
    "moderation": SqlModerationRepo,
    "proposals": SqlProposalRepo,
    "stats": SqlStatsRepo,
    "console": SqlConsoleRepo,
    "calendars": SqlCalendarRepo,
    "conversations": SqlConversationRepo,
}
_LEASED: dict[str, Any] = {"deliveries": SqlDeliveryRepo, "inbox": SqlInboxRepo}


class SqlUnit:
    """Every repository of one unit, all on the same connection and so the same transaction.

    Each is made when the unit first uses it: a sign-up uses five of the fourteen, and making
    all of them for every unit was ~2 % of a sign-up's database thread."""

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

    def __init__(self, conn: Db, lease: Lease = DEFAULT_LEASE, notices: str | None = None) -> None:
        """`notices`: the origin named in the change notices this unit sends in its transaction
        (storage/notices.py); None sends none."""
        self.connection = conn
        self._lease = lease
        self._notices = notices

    def __getattr__(self, name: str) -> Any:
        """Only for a repository not made yet (then it is an attribute like any other)."""
        # (never "connection", "_lease" nor "_notices": no recursion before __init__)
        if name in _REPOS:
            repo = _REPOS[name](self.connection)
        elif name in _LEASED:
            repo = _LEASED[name](self.connection, self._lease)
        elif name == "changes":
            repo = SqlChangeNotices(self.connection, self._notices)
        else:
            raise AttributeError(name)
        setattr(self, name, repo)
        return repo
