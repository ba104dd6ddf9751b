"""The bot's working tables, apart from the community's data (`tables.py`): what it owes
(the ledger of deliveries), what it received (the inbox), the send budget that processes on one
PostgreSQL share, and the guided forms waiting for an answer. Each row is the bot's work in
progress: leased, retried, pruned; none is a record the community keeps."""

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
)

from bot.storage.columns import UTCDateTime, metadata

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
