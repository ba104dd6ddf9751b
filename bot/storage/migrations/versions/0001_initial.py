"""Initial schema: every table of the first release.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 14:30:40.048985
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


def _utc() -> sa.DateTime:
    """Aware timestamps (the application type converts to UTC; naive text on SQLite)."""
    return sa.DateTime(timezone=True)


revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("reminders", sa.String(length=100), nullable=False),
        sa.Column("premoderation", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_communities"),
    )
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("reminders", sa.String(length=100), nullable=True),
        sa.Column("dms", sa.Boolean(), nullable=True),
        sa.Column("dm_unreachable", sa.Boolean(), nullable=False),
        sa.Column("locale_hint", sa.String(length=16), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_members"),
        sa.UniqueConstraint("platform", "external_id", name="uq_members_platform"),
        sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
    )
    op.create_index("ix_members_username", "members", ["platform", "username"])
    op.create_table(
        "host_grants",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("granted_by", sa.Integer(), nullable=True),
        sa.Column("granted_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_host_grants_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["granted_by"],
            ["members.id"],
            name="fk_host_grants_granted_by_members",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_host_grants_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_host_grants"),
    )
    op.create_table(
        "link_codes",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("expires_at", _utc(), nullable=False),
        sa.Column("used_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_link_codes_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["members.id"],
            name="fk_link_codes_created_by_members",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("code", name="pk_link_codes"),
    )
    op.create_table(
        "lives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", _utc(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("tags", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("replay", sa.String(length=500), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("started_at", _utc(), nullable=True),
        sa.Column("ended_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_lives_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["members.id"], name="fk_lives_created_by_members", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_lives"),
        sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
    )
    op.create_index("ix_lives_community_start", "lives", ["community_id", "starts_at"])
    op.create_index("ix_lives_series", "lives", ["series_id"])
    op.create_table(
        "memberships",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("since", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_memberships_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_memberships_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_memberships"),
    )
    op.create_table(
        "mutes",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("until", _utc(), nullable=False),
        sa.Column("muted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_mutes_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_mutes_member_id_members", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["muted_by"], ["members.id"], name="fk_mutes_muted_by_members", ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("community_id", "member_id", name="pk_mutes"),
    )
    op.create_table(
        "spaces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("announce_channel", sa.String(length=64), nullable=True),
        sa.Column("moderation_channel", sa.String(length=64), nullable=True),
        sa.Column("host_role", sa.String(length=64), nullable=True),
        sa.Column("moderator_role", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_spaces_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_spaces"),
        sa.UniqueConstraint("platform", "external_id", name="uq_spaces_platform"),
    )
    op.create_index("ix_spaces_community", "spaces", ["community_id"])
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("platform", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("live_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _utc(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_deliveries_live_id_lives", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_deliveries_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.UniqueConstraint("key", name="uq_deliveries_key"),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["status", "next_attempt_at"])
    op.create_index("ix_deliveries_live", "deliveries", ["live_id"])
    op.create_index("ix_deliveries_member", "deliveries", ["member_id"])
    op.create_table(
        "live_hosts",
        sa.Column("live_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_live_hosts_live_id_lives", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_live_hosts_member_id_members",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("live_id", "member_id", name="pk_live_hosts"),
    )
    op.create_table(
        "modlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("live_id", sa.Integer(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["members.id"], name="fk_modlog_actor_id_members", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_modlog_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_modlog_live_id_lives", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_modlog"),
    )
    op.create_index("ix_modlog_live", "modlog", ["live_id"])
    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("live_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["community_id"],
            ["communities.id"],
            name="fk_proposals_community_id_communities",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["members.id"],
            name="fk_proposals_decided_by_members",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_proposals_live_id_lives", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name="fk_proposals_member_id_members",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
        sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("decided_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["members.id"],
            name="fk_questions_author_id_members",
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_questions_live_id_lives", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["merged_into"],
            ["questions.id"],
            name="fk_questions_merged_into_questions",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_questions"),
        sqlite_autoincrement=True,  # ids shown to people (#12, Q45) are never reused
    )
    op.create_index("ix_questions_author", "questions", ["author_id"])
    op.create_index("ix_questions_live_status", "questions", ["live_id", "status"])
    op.create_table(
        "ratings",
        sa.Column("live_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_ratings_live_id_lives", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_ratings_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("live_id", "member_id", name="pk_ratings"),
    )
    op.create_table(
        "signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("live_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("queued_at", _utc(), nullable=False),
        sa.Column("attended_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["live_id"], ["lives.id"], name="fk_signups_live_id_lives", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_signups_member_id_members", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_signups"),
        sa.UniqueConstraint("live_id", "member_id", name="uq_signups_live_id"),
    )
    op.create_index("ix_signups_live_status", "signups", ["live_id", "status"])
    op.create_index("ix_signups_member", "signups", ["member_id"])
    op.create_table(
        "votes",
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_votes_member_id_members", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name="fk_votes_question_id_questions",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("question_id", "member_id", name="pk_votes"),
    )


def downgrade() -> None:
    op.drop_table("votes")
    op.drop_table("signups")
    op.drop_table("ratings")
    op.drop_table("questions")
    op.drop_table("proposals")
    op.drop_table("modlog")
    op.drop_table("live_hosts")
    op.drop_table("deliveries")
    op.drop_table("spaces")
    op.drop_table("mutes")
    op.drop_table("memberships")
    op.drop_table("lives")
    op.drop_table("link_codes")
    op.drop_table("host_grants")
    op.drop_table("members")
    op.drop_table("communities")
