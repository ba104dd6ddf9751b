"""Questions: who may vote, how merged questions pool their votes, and what survives a deletion."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ports import UnitOfWork
from bot.domain.model import Live, Member, Question, QuestionStatus
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_live, a_member

P, A, M = QuestionStatus.PENDING, QuestionStatus.APPROVED, QuestionStatus.MERGED


async def ask(uow: UnitOfWork, live: Live, author: Member, text: str, minutes: int = 0) -> Question:
    return await uow.questions.create(
        live.id, author.id, text, False, A, ("caps",), NOW + timedelta(minutes=minutes)
    )


async def test_one_vote_per_member_and_never_on_your_own_question(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        live = await a_live(uow, await a_community(uow), ann)
        question = await ask(uow, live, ann, "Lead-free?")
        assert await uow.questions.vote(question.id, bob.id, NOW)
        assert not await uow.questions.vote(question.id, bob.id, NOW)
        assert not await uow.questions.vote(question.id, ann.id, NOW)
        assert not await uow.questions.vote(question.id + 99, bob.id, NOW)
        again = await uow.questions.get(question.id)
        assert again is not None and again.votes == 1 and again.flags == ("caps",)


async def test_a_merge_group_pools_votes_and_counts_each_voter_once(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob, cat, dan, eve = [
            await a_member(uow, n) for n in ("ann", "bob", "cat", "dan", "eve")
        ]
        live = await a_live(uow, await a_community(uow), ann)
        main = await ask(uow, live, ann, "Which solder?")
        twin = await ask(uow, live, bob, "What solder to buy?", minutes=1)
        other = await ask(uow, live, cat, "Fume extraction?", minutes=2)
        assert await uow.questions.vote(twin.id, dan.id, NOW)
        assert await uow.questions.vote(main.id, eve.id, NOW)
        assert await uow.questions.set_status(twin.id, [A], M, NOW, merged_into=main.id)

        assert not await uow.questions.vote(main.id, dan.id, NOW)  # voted on the twin
        assert not await uow.questions.vote(twin.id, eve.id, NOW)  # voted on the main one
        assert not await uow.questions.vote(main.id, bob.id, NOW)  # wrote the twin
        assert not await uow.questions.vote(twin.id, ann.id, NOW)  # wrote the main one
        assert await uow.questions.vote(main.id, cat.id, NOW)
        assert await uow.questions.vote(other.id, dan.id, NOW)

        listed = await uow.questions.by_status(live.id, [A])
        assert [(q.id, q.votes) for q in listed] == [(main.id, 3), (other.id, 1)]
        merged = await uow.questions.get(twin.id)
        assert merged is not None and merged.status == M and merged.merged_into == main.id


async def test_ties_go_to_the_oldest_question(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        live = await a_live(uow, await a_community(uow), ann)
        late = await ask(uow, live, ann, "Late", minutes=5)
        early = await ask(uow, live, ann, "Early", minutes=1)
        pending = await uow.questions.create(live.id, bob.id, "Hidden", False, P, (), NOW)
        assert [q.id for q in await uow.questions.by_status(live.id, [A])] == [early.id, late.id]
        assert [q.id for q in await uow.questions.by_status(live.id, [P])] == [pending.id]


async def test_recent_questions_are_counted_for_the_flood_limit(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        live = await a_live(uow, await a_community(uow), ann)
        for minutes in (0, 5, 10):
            await ask(uow, live, ann, f"Q{minutes}", minutes=minutes)
        assert await uow.questions.count_recent(live.id, ann.id, NOW + timedelta(minutes=5)) == 2


async def test_deleting_a_member_keeps_answered_questions_without_author(store: SqlStore) -> None:
    async with store.unit() as uow:
        host, ann, bob = [await a_member(uow, n) for n in ("host", "ann", "bob")]
        live = await a_live(uow, await a_community(uow), host)
        answered = await ask(uow, live, ann, "Answered one")
        await uow.questions.set_status(answered.id, [A], QuestionStatus.ANSWERED, NOW)
        waiting = await uow.questions.create(live.id, ann.id, "Pending one", False, P, (), NOW)
        await uow.questions.vote(answered.id, bob.id, NOW)
        theirs = await ask(uow, live, bob, "Bob's")
        await uow.questions.vote(theirs.id, ann.id, NOW)

    async with store.unit() as uow:
        assert await uow.questions.delete_pending_of(ann.id) == 1
        assert await uow.questions.delete_votes_of(ann.id) == 1
        await uow.members.delete(ann.id)

    async with store.unit() as uow:
        assert await uow.members.get(ann.id) is None
        assert await uow.questions.get(waiting.id) is None
        kept = await uow.questions.get(answered.id)
        assert kept is not None and kept.author_id is None and kept.votes == 1
        bobs = await uow.questions.get(theirs.id)
        assert bobs is not None and bobs.votes == 0
