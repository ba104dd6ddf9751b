"""What the live console shows of one live, kept up to date by refreshes from storage.

The board is the core's decision of who sees what: moderators see held questions, their authors
(even those anonymous to the audience), why auto-moderation held them and the closest approved
question; a host sees the approved questions and the one on air as the audience does; the
on-air page sees the question on air. Each refresh compares with the last one and says what
changed, so the page gets the change and not the whole list again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from bot.core.console.repositories import View
from bot.core.ports import Store, UnitOfWork
from bot.core.qa.questions import SIMILAR, similarity
from bot.domain.model import Live, LiveStatus, ModAction, Question, QuestionStatus

SHOWN = (QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.ON_AIR)
_DECIDED = (QuestionStatus.APPROVED, QuestionStatus.REJECTED, QuestionStatus.MERGED)
SEEN_BY = {
    View.MODERATOR: frozenset(SHOWN),
    View.HOST: frozenset({QuestionStatus.APPROVED, QuestionStatus.ON_AIR}),
    View.OVERLAY: frozenset({QuestionStatus.ON_AIR}),
}


@dataclass(frozen=True)
class Card:
    """One question as a view shows it; `author` None: anonymous to this viewer."""

    id: int
    status: QuestionStatus
    text: str
    votes: int
    author: str | None
    asked_at: str  # ISO 8601, UTC
    anonymous: bool = False
    flags: tuple[str, ...] = ()  # auto-moderation reasons (catalog keys `question.flag.*`)
    similar: int | None = None  # the approved question it could be merged into


@dataclass(frozen=True)
class Decision:
    """A question that left the queue: what became of it, and who decided (None: unknown)."""

    id: int
    status: QuestionStatus
    by: str | None
    into: int | None = None


@dataclass(frozen=True)
class Changes:
    live: Live | None
    live_changed: bool
    changed: tuple[Question, ...]  # new, or changed (status, votes...), still shown
    gone: tuple[int, ...]  # no longer shown to anyone (rejected, merged, answered)
    decided: tuple[Decision, ...]  # left the queue: approved, rejected or merged, and by whom
    previous: dict[int, QuestionStatus]  # the status before, of changed and gone questions

    def events(self, board: Board, view: View) -> list[tuple[str, object]]:
        """What a page of `view` must hear: ("live", Live), ("card", Card), ("remove", id),
        ("decided", Decision); nothing about questions it may not see."""
        seen = SEEN_BY[view]
        out: list[tuple[str, object]] = []
        if self.live_changed and self.live is not None:
            out.append(("live", self.live))
        for q in self.changed:
            if q.status in seen:
                out.append(("card", board.card(q, view)))
            elif self.previous.get(q.id) in seen:
                out.append(("remove", q.id))
        out.extend(("remove", qid) for qid in self.gone if self.previous.get(qid) in seen)
        if view is View.MODERATOR:
            out.extend(("decided", decision) for decision in self.decided)
        return out


@dataclass
class Board:
    live_id: int
    live: Live | None = None
    questions: dict[int, Question] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)  # author id -> display name
    similar: dict[int, int | None] = field(default_factory=dict)
    _scores: dict[int, float] = field(default_factory=dict)
    _compared: set[int] = field(default_factory=set)  # approved ids the held ones were compared to

    async def refresh(self, store: Store) -> Changes:
        live, found, names, decided = await store.run(lambda uow: self._load(uow))
        self.names.update(names)
        before = self.questions
        self.questions = {q.id: q for q in found}
        changed = tuple(q for q in found if before.get(q.id) != q)
        gone = tuple(sorted(set(before) - set(self.questions)))
        previous = {q.id: before[q.id].status for q in changed if q.id in before}
        previous.update({qid: before[qid].status for qid in gone})
        for qid in gone:
            self.similar.pop(qid, None)
        self._match_similar()
        live_changed = live != self.live
        self.live = live
        return Changes(live, live_changed, changed, gone, tuple(decided), previous)

    async def _load(
        self, uow: UnitOfWork
    ) -> tuple[Live | None, list[Question], dict[int, str], list[Decision]]:
        live = await uow.lives.get(self.live_id)
        found = await uow.questions.by_status(self.live_id, SHOWN)
        names: dict[int, str] = {}
        for author in {q.author_id for q in found if q.author_id is not None} - set(self.names):
            member = await uow.members.get(author)
            names[author] = member.display_name if member is not None else ""
        now = {q.id: q for q in found}
        held = {qid for qid, q in self.questions.items() if q.status is QuestionStatus.PENDING}
        left = {qid for qid in held if qid not in now or now[qid].status in _DECIDED}
        decided = await decisions(uow, self.live_id, left, now) if left else []
        return live, found, names, decided

    def _match_similar(self) -> None:
        """Held questions are compared with approved ones once per pair: each refresh compares
        new held questions with every approved one, and older ones with the newly approved."""
        approved = [q for q in self.questions.values() if q.status is not QuestionStatus.PENDING]
        fresh = [q for q in approved if q.id not in self._compared]
        for q in self.questions.values():
            if q.status is not QuestionStatus.PENDING:
                continue
            against = fresh if q.id in self.similar else approved
            if q.id not in self.similar:
                self.similar[q.id], self._scores[q.id] = None, float(SIMILAR)
            for other in against:
                score = similarity(q.text, other.text)
                if score >= self._scores[q.id]:
                    self.similar[q.id], self._scores[q.id] = other.id, score
        self._compared.update(q.id for q in fresh)
        for qid, into in list(self.similar.items()):
            if into is not None and into not in self.questions:  # answered, merged: gone
                self.similar[qid], self._scores[qid] = None, float(SIMILAR)
                self._compared.clear()  # compare again with what is left

    def cards(self, view: View, questions: Iterable[Question] | None = None) -> list[Card]:
        """The cards of `questions` (default: all) that `view` may see, best first."""
        chosen = self.questions.values() if questions is None else questions
        return [self.card(q, view) for q in chosen if q.status in SEEN_BY[view]]

    def card(self, q: Question, view: View) -> Card:
        name = self.names.get(q.author_id, "") if q.author_id is not None else ""
        asked = q.created_at.isoformat()
        if view is View.MODERATOR:  # moderators always see who asked
            similar = self.similar.get(q.id) if q.status is QuestionStatus.PENDING else None
            return Card(q.id, q.status, q.text, q.votes, name, asked, q.anonymous, q.flags, similar)
        author = None if q.anonymous or not name else name
        return Card(q.id, q.status, q.text, q.votes, author, asked)

    def visible_to(self, view: View, q_id: int) -> bool:
        q = self.questions.get(q_id)
        return q is not None and q.status in SEEN_BY[view]

    @property
    def on_air(self) -> bool:
        return self.live is not None and self.live.status is LiveStatus.LIVE


async def decision_on(store: Store, live_id: int, question_id: int) -> Decision | None:
    """What became of a question already decided, and who decided it: told to a moderator
    who tried to decide it too (the other one won)."""

    async def work(uow: UnitOfWork) -> Decision | None:
        found = await decisions(uow, live_id, {question_id}, {})
        return found[0] if found else None

    return await store.run(work)


async def decisions(
    uow: UnitOfWork, live_id: int, left: set[int], now: dict[int, Question]
) -> list[Decision]:
    """What became of these questions (`now`: those already read), and who decided."""
    actions = await uow.moderation.actions(live_id)
    out = []
    for qid in sorted(left):
        q = now.get(qid) or await uow.questions.get(qid)
        if q is None:  # deleted with its author's data (/forgetme)
            continue
        action = _last_about(actions, qid)
        by = None
        if action is not None and action.actor_id is not None:
            actor = await uow.members.get(action.actor_id)
            by = actor.display_name if actor is not None else None
        out.append(Decision(qid, q.status, by, q.merged_into))
    return out


def _last_about(actions: list[ModAction], qid: int) -> ModAction | None:
    """The latest moderation action on `Q45` (`Q45` or `Q45>Q12`)."""
    mine = [a for a in actions if a.target.partition(">")[0] == f"Q{qid}"]
    return max(mine, key=lambda a: a.at) if mine else None
