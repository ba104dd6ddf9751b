"""Questions of a live: moderation states, merge groups and one vote per member per group."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ScalarSelect,
    and_,
    delete,
    desc,
    distinct,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)

from bot.domain.model import Question, QuestionStatus
from bot.storage._db import Db
from bot.storage._sql import AnyRow, csv_tuple, to_csv, upsert
from bot.storage.tables import UTCDateTime, questions, votes

log = logging.getLogger(__name__)

_QUESTION = (
    questions.c.id,
    questions.c.live_id,
    questions.c.author_id,
    questions.c.text,
    questions.c.anonymous,
    questions.c.status,
    questions.c.flags,
    questions.c.merged_into,
    questions.c.created_at,
)
PENDING = str(QuestionStatus.PENDING)


def question_from_row(row: AnyRow, votes: int = 0) -> Question:
    return Question(
        id=row.id,
        live_id=row.live_id,
        author_id=row.author_id,
        text=row.text,
        anonymous=bool(row.anonymous),
        status=QuestionStatus(row.status),
        created_at=row.created_at,
        votes=votes,
        merged_into=row.merged_into,
        flags=csv_tuple(row.flags),
    )


def _vote_count() -> ScalarSelect[int]:
    """Distinct voters on the outer question and on the questions merged into it."""
    merged = questions.alias("merged")
    return (
        select(func.count(distinct(votes.c.member_id)))
        .select_from(votes.join(merged, votes.c.question_id == merged.c.id))
        .where(
            merged.c.live_id == questions.c.live_id,  # merges stay within a live: uses its index
            or_(merged.c.id == questions.c.id, merged.c.merged_into == questions.c.id),
        )
        .scalar_subquery()
    )


class SqlQuestionRepo:
    """QuestionRepo on SQLAlchemy Core."""

    def __init__(self, conn: Db) -> None:
        self._conn = conn

    async def create(
        self,
        live_id: int,
        author_id: int,
        text: str,
        anonymous: bool,
        status: QuestionStatus,
        flags: Sequence[str],
        now: datetime,
    ) -> Question:
        result = await self._conn.execute(
            insert(questions)
            .values(
                live_id=live_id,
                author_id=author_id,
                text=text,
                anonymous=anonymous,
                status=str(status),
                flags=to_csv(flags),
                created_at=now,
            )
            .returning(*_QUESTION)
        )
        return question_from_row(result.one())

    async def get(self, question_id: int) -> Question | None:
        result = await self._conn.execute(
            select(*_QUESTION, _vote_count().label("votes")).where(questions.c.id == question_id)
        )
        row = result.first()
        return None if row is None else question_from_row(row, row.votes)

    async def set_status(
        self,
        question_id: int,
        from_: Sequence[QuestionStatus],
        to: QuestionStatus,
        now: datetime,
        merged_into: int | None = None,
    ) -> bool:
        """Conditional transition; the row count says whether this caller won."""
        values: dict[str, Any] = {"status": str(to), "decided_at": now}
        if merged_into is not None:
            values["merged_into"] = merged_into
        result = await self._conn.execute(
            update(questions)
            .where(questions.c.id == question_id, questions.c.status.in_([str(s) for s in from_]))
            .values(values)
        )
        return result.rowcount == 1

    async def count_recent(self, live_id: int, author_id: int, since: datetime) -> int:
        """Questions the author asked on this live since `since` (for flood limits)."""
        count = await self._conn.scalar(
            select(func.count())
            .select_from(questions)
            .where(
                questions.c.live_id == live_id,
                questions.c.author_id == author_id,
                questions.c.created_at >= since,
            )
        )
        return int(count or 0)

    async def by_status(self, live_id: int, statuses: Sequence[QuestionStatus]) -> list[Question]:
        """Questions with these statuses, the best first (most votes, then oldest)."""
        result = await self._conn.execute(
            select(*_QUESTION, _vote_count().label("votes"))
            .where(
                questions.c.live_id == live_id,
                questions.c.status.in_([str(s) for s in statuses]),
            )
            .order_by(desc("votes"), questions.c.created_at, questions.c.id)
        )
        return [question_from_row(row, row.votes) for row in result]

    async def vote(self, question_id: int, member_id: int, now: datetime) -> bool:
        """One vote per member on a question and on every question merged with it.

        The group is the root (the question merged into, or the question itself) and every
        question merged into that root; its authors cannot vote on it.
        """
        found = (
            await self._conn.execute(
                select(
                    questions.c.live_id,
                    func.coalesce(questions.c.merged_into, questions.c.id).label("root"),
                ).where(questions.c.id == question_id)
            )
        ).first()
        if found is None:
            return False
        live_id, root = found
        group = questions.alias("grp")
        prior = votes.alias("prior")
        blocked = (
            exists()
            .select_from(group)
            .where(
                group.c.live_id == live_id,
                or_(group.c.id == root, group.c.merged_into == root),
                or_(
                    group.c.author_id == member_id,
                    exists().where(
                        and_(prior.c.question_id == group.c.id, prior.c.member_id == member_id)
                    ),
                ),
            )
        )
        ballot = select(
            literal(question_id), literal(member_id), literal(now, UTCDateTime())
        ).where(~blocked)
        result = await self._conn.execute(
            upsert(self._conn, votes)
            .from_select(["question_id", "member_id", "at"], ballot)
            .on_conflict_do_nothing()
            .returning(votes.c.question_id)
        )
        return result.first() is not None

    async def delete_pending_of(self, member_id: int) -> int:
        result = await self._conn.execute(
            delete(questions).where(
                questions.c.author_id == member_id, questions.c.status == PENDING
            )
        )
        return result.rowcount

    async def delete_votes_of(self, member_id: int) -> int:
        result = await self._conn.execute(delete(votes).where(votes.c.member_id == member_id))
        return result.rowcount
