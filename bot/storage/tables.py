"""SQLAlchemy Core tables: the schema as the code sees it (migrations create it).

The community's data; the bot's working tables (ledger, inbox, send budget, unfinished forms)
are in `work_tables.py` and the web's access tables in `web_tables.py`, re-exported here where
the repositories name them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

# The web's and the working tables are declared on the same metadata in their own modules;
# importing them here registers them for the migrations' checks.
from bot.storage import web_tables as _web_tables  # noqa: F401
from bot.storage.columns import UTCDateTime as UTCDateTime  # re-exported: the repositories use it
from bot.storage.columns import metadata as metadata
from bot.storage.work_tables import conversations as conversations  # re-exported, as below
from bot.storage.work_tables import deliveries as deliveries
from bot.storage.work_tables import inbox as inbox
from bot.storage.work_tables import send_budget as send_budget
from bot.storage.work_tables import send_slot as send_slot

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
