"""The tables behind the web's links: the key that signs the console's links, the sessions
those links open, and the members' calendar tokens. Apart from the community's own tables
(`tables.py`) because none of them is the community's data: each grants access, and each can
be revoked or reset on its own."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, String, Table

from bot.storage.columns import UTCDateTime, metadata

# The live console (issue 14): the key that signs its links, made at first start and kept here,
# and one row per link handed out, so that a link can be revoked (logout) before it expires.
web_keys = Table(
    "web_keys",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("secret", String(128), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("view", String(16), nullable=False),  # moderator | host | overlay
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
    Column("live_id", ForeignKey("lives.id", ondelete="CASCADE"), nullable=False),
    Column("roles", String(64), nullable=False),  # the platform's role facts when it was made
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_console_sessions_live", "live_id"),
)

# Personal calendar feeds (issue 15): one unguessable token per member, shown again by each
# `/calendar` (so kept as is, like the console's key); a reset replaces it, /forgetme deletes it.
calendar_tokens = Table(
    "calendar_tokens",
    metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("token", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)
