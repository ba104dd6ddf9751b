"""A unit of work is one transaction: all of it lands, or none of it does."""

from __future__ import annotations

import asyncio
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.messages import Destination
from bot.core.ports import UnitOfWork
from bot.domain.model import LiveStatus, QuestionStatus, SignupStatus, SpaceRole, UserRef
from bot.storage.database import SqlStore, open_store
from bot.storage.threaded import ThreadedSqliteStore
from tests.integration.conftest import NOW, a_community, a_live, a_member


class Boom(Exception):
    pass


async def test_a_failing_unit_leaves_nothing_half_written(store: SqlStore) -> None:
    with pytest.raises(Boom):
        async with store.unit() as uow:
            community = await a_community(uow)
            await a_member(uow, "alice")
            raise Boom
    async with store.unit() as uow:
        assert await uow.communities.get(community.id) is None
        assert await uow.members.by_ref(UserRef("telegram", "id-alice")) is None


async def test_a_unit_that_ends_normally_is_committed(store: SqlStore) -> None:
    async with store.unit() as uow:
        community = await a_community(uow)
    async with store.unit() as uow:
        assert await uow.communities.get(community.id) == community


async def test_two_moderators_approving_at_once_only_one_wins(store: SqlStore) -> None:
    async with store.unit() as uow:
        alice = await a_member(uow, "alice")
        live = await a_live(uow, await a_community(uow), alice)
        question = await uow.questions.create(
            live.id, alice.id, "Which iron?", False, QuestionStatus.PENDING, (), NOW
        )

    async def approve() -> bool:
        async with store.unit() as uow:
            won = await uow.questions.set_status(
                question.id, [QuestionStatus.PENDING], QuestionStatus.APPROVED, NOW
            )
            await asyncio.sleep(0)  # let the other unit try while this one is open
            return won

    results = await asyncio.gather(approve(), approve())
    assert sorted(results) == [False, True]


async def test_datetimes_come_back_aware_in_utc(store: SqlStore) -> None:
    paris_evening = NOW.replace(hour=19).astimezone(ZoneInfo("Europe/Paris"))
    async with store.unit() as uow:
        alice = await a_member(uow, "alice")
        community = await a_community(uow)
        live = await uow.lives.create(
            community.id,
            "T",
            "D",
            paris_evening,
            30,
            None,
            None,
            (),
            LiveStatus.SCHEDULED,
            alice.id,
            None,
            NOW,
        )
    async with store.unit() as uow:
        again = await uow.lives.get(live.id)
    assert again is not None
    assert again.starts_at.tzinfo is UTC
    assert again.starts_at == paris_evening
    assert again.starts_at.hour == 19
    assert again.ends_at - again.starts_at == timedelta(minutes=30)


async def test_a_naive_datetime_is_refused(store: SqlStore) -> None:
    with pytest.raises(Exception, match="naive"):
        async with store.unit() as uow:
            await uow.members.upsert(
                UserRef("shell", "x"), "X", None, None, NOW.replace(tzinfo=None)
            )


async def test_a_unit_opened_inside_another_fails_fast_instead_of_hanging(store: SqlStore) -> None:
    async with store.unit():
        with pytest.raises(RuntimeError, match="inside another"):
            async with store.unit():
                pass
    async with store.unit() as uow:  # the store is still usable
        assert await uow.communities.get(1) is None


async def test_units_that_queue_together_share_a_commit_and_fail_alone(db_path: Path) -> None:
    """Group commit (the threaded SQLite store): units that queued while the database thread was
    busy run in one transaction, each in its own savepoint; the one that raises is rolled back
    alone, the others land, and each caller hears only of its own unit."""
    store = await open_store(f"sqlite:///{db_path}")
    assert isinstance(store, ThreadedSqliteStore)
    try:

        async def joins(name: str, fail: bool = False) -> str:
            async def work(uow: UnitOfWork) -> str:
                await a_member(uow, name)
                if fail:
                    raise Boom(name)
                return name

            return await store.run(work)

        async with store.unit() as uow:  # holds the database thread while the others queue
            await a_community(uow)
            queued = [
                asyncio.create_task(joins(name, fail=name == "cid"))
                for name in ("ann", "bob", "cid", "dan", "eve")
            ]
            await asyncio.sleep(0.05)
            assert not any(task.done() for task in queued)  # nothing answered before its commit
            # Read here: once the block ends the thread may run the whole group before this
            # coroutine resumes (it did, 1 run in 6 on a loaded machine).
            units, commits = store.units, store.commits
        results = await asyncio.gather(*queued, return_exceptions=True)

        assert results[:2] == ["ann", "bob"] and results[3:] == ["dan", "eve"]
        assert isinstance(results[2], Boom)
        assert (store.units, store.commits) == (units + 5, commits + 1)  # one shared commit
        async with store.unit() as uow:
            for name in ("ann", "bob", "dan", "eve"):
                assert await uow.members.by_ref(UserRef("telegram", f"id-{name}")) is not None
            assert await uow.members.by_ref(UserRef("telegram", "id-cid")) is None
    finally:
        await store.close()


async def test_the_hot_statements_answer_as_sqlalchemy_does(store: SqlStore) -> None:
    """A sign-up's statements run on the driver directly in the threaded store (`_fast.py`):
    what they give back is the same, to the types, as through SQLAlchemy (the async store)."""
    async with store.unit() as uow:
        community = await a_community(uow)
        space = await uow.communities.attach_space(
            community.id, "telegram", "-1001", SpaceRole.ANNOUNCE, "Makers"
        )

    async def work(uow: UnitOfWork) -> tuple[Any, ...]:
        member = await uow.members.upsert(UserRef("telegram", "7"), "Ann", None, "fr", NOW, False)
        place = await uow.communities.place("telegram", "-1001", member.id)
        assert place is not None
        await uow.communities.add_membership(community.id, member.id, NOW)
        again = await uow.communities.place("telegram", "-1001", member.id)
        live = await a_live(uow, community, member)
        status = await uow.signups.join(live.id, member.id, 10, NOW)
        return member, place, again, await uow.lives.get(live.id), live, status

    member, place, again, read, live, status = await store.run(work)
    assert member.dm_unreachable is True and member.dms is None
    assert place.space == space and place.community == community
    assert place.granted_host is False and place.member is False and again.member is True
    assert place.community.premoderation is False
    assert read == live and read.starts_at.tzinfo is UTC
    assert status is SignupStatus.CONFIRMED


async def test_the_sender_and_inbox_statements_answer_as_sqlalchemy_does(store: SqlStore) -> None:
    """The statements run for every send (claim, finish), every update stored (the inbox) and
    every reminder's destination (a community's spaces) are hot in the threaded store too:
    the same answers on both stores."""
    async with store.unit() as uow:
        community = await a_community(uow)
        announce = await uow.communities.attach_space(
            community.id, "telegram", "-1001", SpaceRole.ANNOUNCE, "Makers"
        )
        chat = await uow.communities.attach_space(
            community.id, "telegram", "-1002", SpaceRole.MODERATION, "Mods"
        )

    async def work(uow: UnitOfWork) -> tuple[Any, ...]:
        every = await uow.communities.spaces(community.id)
        announcing = await uow.communities.spaces(community.id, SpaceRole.ANNOUNCE)
        added = await uow.inbox.add("telegram", [("1", "{}"), ("2", "{}")], NOW)
        again = await uow.inbox.add("telegram", [("2", "{}"), ("3", "{}")], NOW)
        dest = Destination("telegram", "42", private=True)
        keys = ("a", "b", "c")
        for key in keys:
            await uow.deliveries.add(key, "reminder", NOW, dest, {}, None, None)
        ids = {d.key: d.id for d in await uow.deliveries.due(NOW + timedelta(seconds=1), 10)}
        claimed = [await uow.deliveries.claim(ids[key], NOW) for key in keys]
        twice = await uow.deliveries.claim(ids["a"], NOW)
        later = NOW + timedelta(minutes=5)
        await uow.deliveries.finish(ids["a"], "sent", NOW, message_id="m1")
        await uow.deliveries.finish(ids["b"], "pending", NOW, reason="429", retry_at=later)
        await uow.deliveries.finish(ids["c"], "failed", NOW, reason="403 blocked")
        due = [d.key for d in await uow.deliveries.due(later, 10)]
        return every, announcing, added, again, claimed, twice, due, await uow.deliveries.counts()

    every, announcing, added, again, claimed, twice, due, counts = await store.run(work)
    assert every == [announce, chat] and announcing == [announce]
    assert [external for external, _ in added] == ["1", "2"]
    assert [external for external, _ in again] == ["3"] and all(type(i) is int for _, i in again)
    assert claimed == [True, True, True] and twice is False
    assert due == ["b"] and counts == {"sent": 1, "pending": 1, "failed": 1}


async def test_a_unit_the_server_aborts_on_a_deadlock_is_run_again(
    postgres_store: SqlStore,
) -> None:
    """Two units lock two lives in opposite orders: PostgreSQL aborts one of them (deadlock
    detected, after its deadlock_timeout of 1 s); `run` runs it again, and both land."""
    async with postgres_store.unit() as uow:
        alice = await a_member(uow, "alice")
        community = await a_community(uow)
        one = await a_live(uow, community, alice, title="One")
        two = await a_live(uow, community, alice, title="Two")
    both_hold_one = asyncio.Barrier(2)
    runs: list[str] = []

    def locking(first: int, then: int, name: str) -> Any:
        async def work(uow: UnitOfWork) -> str:
            runs.append(name)
            await uow.lives.lock(first)
            if runs.count(name) == 1:
                await both_hold_one.wait()  # the first time only: each holds its first live
            await uow.lives.lock(then)
            await uow.lives.update(then, title=f"{name} was here")
            return name

        return work

    done = await asyncio.gather(
        postgres_store.run(locking(one.id, two.id, "a")),
        postgres_store.run(locking(two.id, one.id, "b")),
    )
    assert done == ["a", "b"]
    assert sorted(runs) in (["a", "a", "b"], ["a", "b", "b"])  # one of them ran twice
    async with postgres_store.unit() as uow:
        titles = {(await uow.lives.get(i)).title for i in (one.id, two.id)}  # type: ignore[union-attr]
    assert titles == {"a was here", "b was here"}
