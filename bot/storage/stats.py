"""Figures and exports of one community: aggregates computed by the database, never row by row.

A period selects lives by when they happened (`since` <= that time <= `until`): when they went on
air, else when they were cancelled or closed, else (still to come, or cancelled before that time
was kept) their planned start. A live held or cancelled ahead of its planned start is counted then.
Every figure is about those lives. A live is "held" when it ended after going on air: one closed
automatically without ever going on air did not happen as far as attendance goes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, null, or_, select

from bot.core.reports.repositories import (
    Figures,
    LiveExport,
    LiveFigures,
    QuestionExport,
    SignupExport,
)
from bot.domain.model import LiveStatus, QuestionStatus, SignupStatus
from bot.storage._db import Db
from bot.storage._sql import AnyRow
from bot.storage.questions import _vote_count  # the merge-aware count /questions shows
from bot.storage.tables import live_hosts, lives, members, questions, ratings, signups

_CANCELLED = str(LiveStatus.CANCELLED)
_CONFIRMED = str(SignupStatus.CONFIRMED)
_WAITLISTED = str(SignupStatus.WAITLISTED)
_ACTIVE = (_CONFIRMED, _WAITLISTED)
_APPROVED = tuple(
    str(s) for s in (QuestionStatus.APPROVED, QuestionStatus.ON_AIR, QuestionStatus.ANSWERED)
)
_ON_AIR = (str(QuestionStatus.ON_AIR), str(QuestionStatus.ANSWERED))

_HELD = and_(lives.c.status == str(LiveStatus.ENDED), lives.c.started_at.is_not(None))
_CAME = and_(signups.c.attended_at.is_not(None), signups.c.status.in_(_ACTIVE))
# A confirmed seat, or a waitlisted member who came all the same: the attendance base.
_EXPECTED = or_(signups.c.status == _CONFIRMED, _CAME)


def _count(condition: ColumnElement[bool]) -> Any:
    """COUNT of the rows meeting `condition` (a SUM of 0/1, zero on no rows)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_ATTENDED = _count(_CAME)


# When a live happened: the first of these it has (see the module's docstring).
_HAPPENED = func.coalesce(
    lives.c.started_at, lives.c.cancelled_at, lives.c.ended_at, lives.c.starts_at
)


def _in_period(
    community_id: int, since: datetime | None, until: datetime
) -> list[ColumnElement[bool]]:
    where = [lives.c.community_id == community_id, _HAPPENED <= until]
    if since is not None:
        where.append(_HAPPENED >= since)
    return where


class SqlStatsRepo:
    """StatsRepo on SQLAlchemy Core: read-only."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def figures(self, community_id: int, since: datetime | None, until: datetime) -> Figures:
        period = _in_period(community_id, since, until)
        held, cancelled = await self._one(
            select(_count(_HELD), _count(lives.c.status == _CANCELLED)).where(*period)
        )
        signed, expected, attended = await self._one(
            select(
                _count(signups.c.status.in_(_ACTIVE)),
                _count(and_(_HELD, _EXPECTED)),
                _count(and_(_HELD, _CAME)),
            )
            .join_from(signups, lives, signups.c.live_id == lives.c.id)
            .where(*period, lives.c.status != _CANCELLED)
        )
        rated, average = await self._one(
            select(func.count(), func.avg(ratings.c.rating))
            .join_from(ratings, lives, ratings.c.live_id == lives.c.id)
            .where(*period, _HELD)
        )
        asked, approved, answered = await self._one(
            select(
                func.count(),
                _count(questions.c.status.in_(_APPROVED)),
                _count(questions.c.status.in_(_ON_AIR)),
            )
            .join_from(questions, lives, questions.c.live_id == lives.c.id)
            .where(*period)
        )
        return Figures(
            held=int(held),
            cancelled=int(cancelled),
            signups=int(signed),
            expected=int(expected),
            attended=int(attended),
            ratings=int(rated),
            rating_avg=None if average is None else float(average),  # PostgreSQL: a Decimal
            asked=int(asked),
            approved=int(approved),
            answered=int(answered),
        )

    async def attendance(
        self, community_id: int, since: datetime | None, until: datetime, limit: int
    ) -> list[LiveFigures]:
        """The last `limit` lives held in the period, oldest first."""
        latest = (_HAPPENED.desc(), lives.c.id.desc())
        return (await self._per_live(_in_period(community_id, since, until), latest, limit))[::-1]

    async def best_attended(
        self, community_id: int, since: datetime | None, until: datetime, limit: int
    ) -> list[LiveFigures]:
        """The lives held with the most attendees (then the earliest), at least one each."""
        best = (_ATTENDED.desc(), _HAPPENED, lives.c.id)
        period = _in_period(community_id, since, until)
        return await self._per_live(period, best, limit, having=_ATTENDED > 0)

    async def _per_live(
        self,
        where: list[ColumnElement[bool]],
        order: tuple[Any, ...],
        limit: int,
        having: ColumnElement[bool] | None = None,
    ) -> list[LiveFigures]:
        query = (
            select(
                lives.c.id.label("live_id"),
                lives.c.title,
                lives.c.starts_at,
                _count(_EXPECTED).label("expected"),
                _ATTENDED.label("attended"),
            )
            .join_from(lives, signups, signups.c.live_id == lives.c.id, isouter=True)
            .where(*where, _HELD)
            .group_by(lives.c.id, lives.c.title, lives.c.starts_at)
            .order_by(*order)
            .limit(limit)
        )
        if having is not None:
            query = query.having(having)
        return [LiveFigures(**row._mapping) for row in await self._conn.execute(query)]

    async def export_lives(self, community_id: int) -> list[LiveExport]:
        seats = select(
            signups.c.live_id,
            _count(signups.c.status == _CONFIRMED).label("confirmed"),
            _count(signups.c.status == _WAITLISTED).label("waitlisted"),
            _ATTENDED.label("attended"),
        ).group_by(signups.c.live_id)
        rated = select(
            ratings.c.live_id,
            func.count().label("ratings"),
            func.avg(ratings.c.rating).label("rating_avg"),
        ).group_by(ratings.c.live_id)
        asked = select(questions.c.live_id, func.count().label("questions")).group_by(
            questions.c.live_id
        )
        names = func.aggregate_strings(members.c.display_name, ", ")
        hosts = (
            select(live_hosts.c.live_id, names.label("hosts"))
            .join_from(live_hosts, members, live_hosts.c.member_id == members.c.id)
            .group_by(live_hosts.c.live_id)
        )
        query = select(
            *(lives.c[name] for name in ("id", "title", "status", "starts_at", "duration_min")),
            *(lives.c[name] for name in ("capacity", "tags", "link", "replay")),
        ).where(lives.c.community_id == community_id)
        # Each aggregate is grouped by live before it is joined: joining sign-ups, ratings and
        # questions all at once would multiply their rows into each other's counts.
        for part, defaults in (
            (seats, {"confirmed": 0, "waitlisted": 0, "attended": 0}),
            (rated, {"ratings": 0, "rating_avg": None}),
            (asked, {"questions": 0}),
            (hosts, {"hosts": ""}),
        ):
            joined = part.subquery()
            query = query.outerjoin(joined, joined.c.live_id == lives.c.id).add_columns(
                *(
                    joined.c[name]
                    if default is None
                    else func.coalesce(joined.c[name], default).label(name)
                    for name, default in defaults.items()
                )
            )
        result = await self._conn.execute(query.order_by(lives.c.starts_at, lives.c.id))
        return [_live_export(row) for row in result]

    async def export_signups(self, community_id: int) -> list[SignupExport]:
        result = await self._conn.execute(
            select(
                lives.c.id.label("live_id"),
                lives.c.title.label("live_title"),
                lives.c.starts_at.label("live_starts_at"),
                members.c.display_name.label("member_name"),
                members.c.platform,
                signups.c.status,
                signups.c.created_at,
                signups.c.attended_at.is_not(None).label("attended"),
            )
            .join_from(signups, lives, signups.c.live_id == lives.c.id)
            .join(members, members.c.id == signups.c.member_id)
            .where(lives.c.community_id == community_id)
            .order_by(lives.c.starts_at, lives.c.id, signups.c.id)
        )
        return [
            SignupExport(
                **{
                    **row._mapping,
                    "status": SignupStatus(row.status),
                    "attended": bool(row.attended),
                }
            )
            for row in result
        ]

    async def export_questions(self, community_id: int) -> list[QuestionExport]:
        """`author_name` is never read for an anonymous question."""
        author = case((questions.c.anonymous, null()), else_=members.c.display_name)
        result = await self._conn.execute(
            select(
                questions.c.id,
                questions.c.live_id,
                lives.c.title.label("live_title"),
                author.label("author_name"),
                questions.c.anonymous,
                questions.c.text,
                questions.c.status,
                _vote_count().label("votes"),
                questions.c.created_at,
            )
            .join_from(questions, lives, questions.c.live_id == lives.c.id)
            .outerjoin(members, members.c.id == questions.c.author_id)
            .where(lives.c.community_id == community_id)
            .order_by(lives.c.starts_at, lives.c.id, questions.c.id)
        )
        return [
            QuestionExport(**{**row._mapping, "status": QuestionStatus(row.status)})
            for row in result
        ]

    async def _one(self, query: Select[Any]) -> AnyRow:
        return (await self._conn.execute(query)).one()


def _live_export(row: AnyRow) -> LiveExport:
    values = dict(row._mapping)
    values["status"] = LiveStatus(row.status)
    if row.rating_avg is not None:
        values["rating_avg"] = float(row.rating_avg)  # PostgreSQL: a Decimal
    return LiveExport(**values)
