"""How communities and their spaces are stored: the columns read, the row -> domain mappings, and
the statements every command runs, built once (building one costs more than running it)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import bindparam, exists, select
from sqlalchemy.sql import Executable

from bot.domain.model import Community, Space, SpaceRole
from bot.storage._fast import hot
from bot.storage._sql import AnyRow, csv_tuple, insert_for
from bot.storage.tables import UTCDateTime, communities, host_grants, memberships, spaces

COMMUNITY = (
    communities.c.id,
    communities.c.name,
    communities.c.language,
    communities.c.timezone,
    communities.c.reminders,
    communities.c.premoderation,
    communities.c.lexicon,
    communities.c.public,
    communities.c.invite,
)
SPACE = (
    spaces.c.id,
    spaces.c.community_id,
    spaces.c.platform,
    spaces.c.external_id,
    spaces.c.role,
    spaces.c.title,
    spaces.c.active,
    spaces.c.announce_channel,
    spaces.c.moderation_channel,
    spaces.c.host_role,
    spaces.c.moderator_role,
)
COMMUNITY_FIELDS = (
    "name", "language", "timezone", "reminders", "premoderation", "lexicon", "public", "invite",
)  # fmt: skip
SPACE_FIELDS = (
    "title",
    "external_id",
    "role",
    "active",
    "announce_channel",
    "moderation_channel",
    "host_role",
    "moderator_role",
)


def community_from_row(row: AnyRow, prefix: str = "") -> Community:
    """`prefix` reads the columns of a join where they were labelled (`c_name`...)."""

    def col(name: str) -> Any:
        return getattr(row, prefix + name)

    return Community(
        id=col("id"),
        name=col("name"),
        language=col("language"),
        timezone=col("timezone"),
        reminders=csv_tuple(col("reminders")),
        premoderation=bool(col("premoderation")),
        lexicon=csv_tuple(col("lexicon") or ""),
        public=bool(col("public")),
        invite=col("invite"),
    )


def space_from_row(row: AnyRow) -> Space:
    return Space(
        id=row.id,
        community_id=row.community_id,
        platform=row.platform,
        external_id=row.external_id,
        role=SpaceRole(row.role),
        title=row.title,
        active=bool(row.active),
        announce_channel=row.announce_channel,
        moderation_channel=row.moderation_channel,
        host_role=row.host_role,
        moderator_role=row.moderator_role,
    )


COMMUNITY_BY_ID = select(*COMMUNITY).where(communities.c.id == bindparam("id"))
SPACES = hot(
    select(*SPACE)
    .where(spaces.c.community_id == bindparam("community_id"), spaces.c.active)
    .order_by(spaces.c.id)
)
SPACES_OF_ROLE = hot(
    select(*SPACE)
    .where(
        spaces.c.community_id == bindparam("community_id"),
        spaces.c.active,
        spaces.c.role == bindparam("role"),
    )
    .order_by(spaces.c.id)
)
SPACE_BY_REF = select(*SPACE).where(
    spaces.c.platform == bindparam("platform"), spaces.c.external_id == bindparam("id")
)
GRANTED = select(
    exists().where(
        host_grants.c.community_id == bindparam("community"),
        host_grants.c.member_id == bindparam("member"),
    )
)


PLACE = hot(
    select(
        *SPACE,
        *(c.label(f"c_{c.name}") for c in COMMUNITY),  # c_: no clash with spaces' columns
        exists()
        .where(
            host_grants.c.community_id == spaces.c.community_id,
            host_grants.c.member_id == bindparam("member"),
        )
        .label("granted_host"),
        exists()
        .where(
            memberships.c.community_id == spaces.c.community_id,
            memberships.c.member_id == bindparam("member"),
        )
        .label("is_member"),
    )
    .join(communities, communities.c.id == spaces.c.community_id)
    .where(
        spaces.c.platform == bindparam("platform"),
        spaces.c.external_id == bindparam("id"),
        spaces.c.active.is_(True),
    )
)


@cache
def membership_statement(dialect: str) -> Executable:
    return hot(
        insert_for(dialect, memberships)
        .values(
            community_id=bindparam("community"),
            member_id=bindparam("member"),
            since=bindparam("since", type_=UTCDateTime),
        )
        .on_conflict_do_nothing()
    )
