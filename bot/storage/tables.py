"""SQLAlchemy Core tables: the schema as the code sees it (migrations create it).

The community's data and the bot's ledgers; the web's access tables are in `web_tables.py`."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

# The web's tables (console key and sessions, calendar tokens) are declared on the same
# metadata in their own module; importing it here registers them for the migrations' checks.
from bot.storage import web_tables as _web_tables  # noqa: F401
from bot.storage.columns import UTCDateTime as UTCDateTime  # re-exported: the repositories use it
from bot.storage.columns import metadata as metadata

communities = Table(
    "communities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("language", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("reminders", String(100), nullable=False),  # "24h,15m"
    Column("premoderation", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("lexicon", Text),  # the community's own terms for auto-moderation, comma-separated
    # Its public schedule page (issue 15): off until an organizer turns it on; the invite link
    # the page's Discord button opens when the bot cannot make one itself.
    Column("public", Boolean, nullable=False, server_default=false()),
    Column("invite", String(200)),
)

spaces = Table(
    "spaces",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("title", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("announce_channel", String(64)),
    Column("moderation_channel", String(64)),
    Column("host_role", String(64)),
    Column("moderator_role", String(64)),
    UniqueConstraint("platform", "external_id"),
    Index("ix_spaces_community", "community_id"),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("username", String(64)),
    Column("language", String(5)),
    Column("timezone", String(64)),
    Column("reminders", String(100)),
    Column("dms", Boolean),
    Column("dm_unreachable", Boolean, nullable=False),
    Column("locale_hint", String(16)),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("platform", "external_id"),
    Index("ix_members_username", "platform", "username"),
    sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
)

memberships = Table(
    "memberships",
    metadata,
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("since", UTCDateTime, nullable=False),
)

host_grants = Table(
    "host_grants",
    metadata,
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("granted_by", ForeignKey("members.id", ondelete="SET NULL")),
    Column("granted_at", UTCDateTime, nullable=False),
)

link_codes = Table(
    "link_codes",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("created_by", ForeignKey("members.id", ondelete="SET NULL")),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime),
)

lives = Table(
    "lives",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("duration_min", Integer, nullable=False),
    Column("link", String(500)),
    Column("capacity", Integer),
    Column("tags", String(300), nullable=False),  # comma-separated, lowercase
    Column("status", String(16), nullable=False),
    Column("created_by", ForeignKey("members.id", ondelete="SET NULL")),
    Column("series_id", Integer),
    Column("replay", String(500)),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime),
    Column("ended_at", UTCDateTime),
    Column("cancelled_at", UTCDateTime),  # NULL for lives cancelled before it was kept
    # Calendars (issue 15): `sequence` rises when the live moves or is cancelled (iCalendar's
    # SEQUENCE: a calendar takes the change), `revision` on every change (the feeds' caches).
    Column("sequence", Integer, nullable=False, server_default="0"),
    Column("revision", Integer, nullable=False, server_default="0"),
    Index("ix_lives_community_start", "community_id", "starts_at"),
    Index("ix_lives_series", "series_id"),
    # A community feed's key is an aggregate over its window of lives: read from this index
    # alone, without visiting the rows (25 ms -> a few for 10,000 lives).
    Index("ix_lives_calendar", "community_id", "starts_at", "status", "revision"),
    sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
)

live_hosts = Table(
    "live_hosts",
    metadata,
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
)

signups = Table(
    "signups",
    metadata,
    Column("id", Integer, primary_key=True),  # also the waitlist order
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("queued_at", UTCDateTime, nullable=False),  # reset when re-joining after leaving
    Column("attended_at", UTCDateTime),
    UniqueConstraint("live_id", "member_id"),
    Index("ix_signups_member", "member_id"),
    Index("ix_signups_live_status", "live_id", "status"),
)

ratings = Table(
    "ratings",
    metadata,
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("rating", Integer, nullable=False),
    Column("comment", Text),
    Column("at", UTCDateTime, nullable=False),
)

questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", ForeignKey("members.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("anonymous", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("flags", String(200), nullable=False),  # comma-separated auto-moderation reasons
    Column("merged_into", ForeignKey("questions.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    Index("ix_questions_live_status", "live_id", "status"),
    Index("ix_questions_author", "author_id"),
    sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
)

votes = Table(
    "votes",
    metadata,
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("at", UTCDateTime, nullable=False),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    Column("member_id", ForeignKey("members.id", ondelete="SET NULL")),
    Column("title", String(100), nullable=False),
    Column("description", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("live_id", ForeignKey("lives.id", ondelete="SET NULL")),
    Column("decided_by", ForeignKey("members.id", ondelete="SET NULL")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_at", UTCDateTime),
    sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
)

mutes = Table(
    "mutes",
    metadata,
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("until", UTCDateTime, nullable=False),
    Column("muted_by", ForeignKey("members.id", ondelete="SET NULL")),
)

modlog = Table(
    "modlog",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("community_id", ForeignKey("communities.id", ondelete="CASCADE"), nullable=False),
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE")),
    Column("actor_id", ForeignKey("members.id", ondelete="SET NULL")),
    Column("action", String(32), nullable=False),
    Column("target", String(100), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_modlog_live", "live_id"),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("chat_id", String(64), nullable=False),
    Column("private", Boolean, nullable=False),
    Column("thread_id", String(64)),
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE")),
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE")),
    Column("payload", JSON, nullable=False),
    # pending -> sending -> sent | refused | expired; failed-for-now goes back to pending later
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("message_id", String(64)),
    Column("reason", String(200)),
    Column("updated_at", UTCDateTime, nullable=False),
    # While "sending": the process sending it and until when (storage/lease.py)
    Column("lease_holder", String(64)),
    Column("lease_until", UTCDateTime),
    Index("ix_deliveries_due", "status", "next_attempt_at"),
    Index("ix_deliveries_member", "member_id"),
    Index("ix_deliveries_live", "live_id"),
)

# Updates received from a platform, stored before the platform is told they arrived: a crash
# between the two loses nothing (the platform sends them again, or they wait here).
inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(16), nullable=False),
    Column("external_id", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("handled_at", UTCDateTime),
    # While unhandled: the process handling it and until when (storage/lease.py)
    Column("lease_holder", String(64)),
    Column("lease_until", UTCDateTime),
    UniqueConstraint("platform", "external_id"),
    Index("ix_inbox_pending", "platform", "handled_at"),
)

digest_lines = Table(
    "digest_lines",
    metadata,
    # A moderation space's digests number the questions they list, 1, 2, 3...: short to type
    # (`/approve 3 5 7`) and never reused in that space, so a number always names one question.
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
    Column("number", Integer, primary_key=True, autoincrement=False),
    Column("question_id", ForeignKey("questions.id", ondelete="CASCADE"), nullable=False),
    Column("listed_at", UTCDateTime, nullable=False),
    Column("struck_at", UTCDateTime),  # shown as decided in a later digest
    Index("ix_digest_lines_question", "question_id"),
)

# The send budget shared by processes on one PostgreSQL (issue 17, `budget.py`): per bot token
# (a hash of it, never the token) and window (the platform's overall one, or one chat's), the
# time the next send may leave. Written only on PostgreSQL; one SQLite process keeps it in memory.
send_budget = Table(
    "send_budget",
    metadata,
    Column("token_key", String(64), primary_key=True),
    Column("window_key", String(128), primary_key=True),
    Column("next_at", UTCDateTime, nullable=False),
)

# The platform's overall window shared by those processes (`send_window.py`): a row per request
# holding a slot, from when it leaves (`frees_at` NULL) until a window after its answer.
send_slot = Table(
    "send_slot",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("token_key", String(64), nullable=False),
    Column("window_key", String(128), nullable=False),
    Column("taken_at", UTCDateTime, nullable=False),
    Column("frees_at", UTCDateTime, nullable=True),
    Index("ix_send_slot_window", "token_key", "window_key"),
)

# Guided conversations waiting for their next answer (`conversations.py`): one row per person,
# the core's state as text. Not the community's data: a person's unfinished form, holding what
# they typed so far, so it goes with `/forgetme` and is forgotten a day after its last answer.
conversations = Table(
    "conversations",
    metadata,
    Column("platform", String(16), nullable=False),
    Column("user_id", String(64), nullable=False),  # the person's id on that platform
    Column("state", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("platform", "user_id", name="pk_conversations"),
    Index("ix_conversations_updated", "updated_at"),
)
