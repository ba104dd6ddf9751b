"""A unit of work: every repository on one connection, so in one transaction."""

from __future__ import annotations

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


class SqlUnit:
    """Every repository of one unit, all on the same connection and so the same transaction."""

    def __init__(self, conn: Db, lease: Lease = DEFAULT_LEASE, notices: str | None = None) -> None:
        """`notices`: the origin named in the change notices this unit sends in its transaction
        (storage/notices.py); None sends none."""
        self.connection = conn
        self.communities: CommunityRepo = SqlCommunityRepo(conn)
        self.members: MemberRepo = SqlMemberRepo(conn)
        self.lives: LiveRepo = SqlLiveRepo(conn)
        self.signups: SignupRepo = SqlSignupRepo(conn)
        self.questions: QuestionRepo = SqlQuestionRepo(conn)
        self.moderation: ModerationRepo = SqlModerationRepo(conn)
        self.proposals: ProposalRepo = SqlProposalRepo(conn)
        self.deliveries: DeliveryRepo = SqlDeliveryRepo(conn, lease)
        self.inbox: InboxRepo = SqlInboxRepo(conn, lease)
        self.stats: StatsRepo = SqlStatsRepo(conn)
        self.console: ConsoleRepo = SqlConsoleRepo(conn)
        self.calendars: CalendarRepo = SqlCalendarRepo(conn)
        self.conversations: ConversationRepo = SqlConversationRepo(conn)
        self.changes: ChangeNotices = SqlChangeNotices(conn, notices)
