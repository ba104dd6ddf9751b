"""Many people at once on one live, on each store: the seats, the waitlist and the questions come
out as if they had queued. On SQLite the single writer serialises units by itself; on PostgreSQL
units run side by side on the pool, and the live's row lock taken first (LiveRepo.lock) does it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.domain.model import QuestionStatus, SignupStatus, UserRef
from bot.storage.threaded import ThreadedSqliteStore
from tests.chat import Chat
from tests.postgres import Server, drop_database, fresh_database


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite", "postgresql"])
async def crowd(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Chat]:
    """A community with a live of 10 seats (#1), on each store."""
    name = url = None
    if request.param == "postgresql":
        server: Server = request.getfixturevalue("postgres_server")
        name = await fresh_database(server)
        url = server.url_of(name)
    elif request.param == "sqlite+aiosqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'crowd.sqlite3'}"
    chat = await Chat.open(tmp_path, url=url)
    try:
        olga = chat.as_("olga", "organizer")
        assert (await olga.says("/setup premoderation=no")).ok
        said = await olga.says('/schedule title="Atelier vélo" when="demain 18h" capacity=10')
        assert said.ok, said.text
        yield chat
    finally:
        await chat.close()
        if name is not None:
            await drop_database(request.getfixturevalue("postgres_server"), name)


async def seats(chat: Chat, live: int = 1) -> dict[SignupStatus, list[str]]:
    found: dict[SignupStatus, list[str]] = {s: [] for s in SignupStatus}
    async with chat.store.unit() as uow:
        for i in range(60):
            member = await uow.members.by_ref(UserRef("shell", f"p{i:02}"))
            signup = await uow.signups.get(live, member.id) if member else None
            if signup is not None:
                found[signup.status].append(f"p{i:02}")
    return found


async def test_fifty_join_at_once_for_ten_seats_and_exactly_ten_are_seated(crowd: Chat) -> None:
    replies = await asyncio.gather(*(crowd.as_(f"p{i:02}").says("/join 1") for i in range(50)))
    keys = [said.key for said in replies]
    assert keys.count("signup.confirmed") == 10, keys
    assert keys.count("signup.waitlisted") == 40, keys
    found = await seats(crowd)
    assert len(found[SignupStatus.CONFIRMED]) == 10
    assert len(found[SignupStatus.WAITLISTED]) == 40
    async with crowd.store.unit() as uow:
        counted = await uow.signups.counts(1)
    assert (counted.confirmed, counted.waitlisted) == (10, 40)


async def test_seated_people_leaving_at_once_free_each_seat_once(crowd: Chat) -> None:
    for i in range(20):  # one after the other: p00-p09 seated, p10-p19 waiting in that order
        crowd.clock.advance(seconds=1)
        assert (await crowd.as_(f"p{i:02}").says("/join 1")).ok
    left = await asyncio.gather(*(crowd.as_(f"p{i:02}").says("/leave 1") for i in range(6)))
    assert all(said.key == "signup.left" for said in left), [s.text for s in left]
    found = await seats(crowd)
    assert sorted(found[SignupStatus.CONFIRMED]) == [f"p{i:02}" for i in range(6, 16)]
    assert sorted(found[SignupStatus.WAITLISTED]) == [f"p{i:02}" for i in range(16, 20)]


async def test_joining_and_leaving_mixed_never_overfill_the_live(crowd: Chat) -> None:
    for i in range(10):
        assert (await crowd.as_(f"p{i:02}").says("/join 1")).ok
    work = [crowd.as_(f"p{i:02}").says("/leave 1") for i in range(5)]
    work += [crowd.as_(f"p{i:02}").says("/join 1") for i in range(10, 40)]
    await asyncio.gather(*work)
    found = await seats(crowd)
    assert len(found[SignupStatus.CONFIRMED]) == 10  # every seat freed was given, none twice
    assert len(found[SignupStatus.WAITLISTED]) == 25


async def test_two_hosts_pressing_next_at_once_take_two_different_questions(crowd: Chat) -> None:
    olga = crowd.as_("olga", "organizer")
    for i in range(4):
        assert (await crowd.as_(f"p{i:02}").says(f'/ask live=1 question="Question {i} ?"')).ok
    assert (await olga.says("/golive 1")).ok
    mods = [crowd.as_(name, "moderator") for name in ("mia", "max")]
    await asyncio.gather(*(mod.says("/next 1") for mod in mods))
    async with crowd.store.unit() as uow:
        answered = await uow.questions.by_status(1, (QuestionStatus.ANSWERED,))
        current = await uow.questions.by_status(1, (QuestionStatus.ON_AIR,))
    assert len(answered) + len(current) == 2, (answered, current)
    assert len(current) == 1


async def test_one_member_voting_at_once_on_a_question_counts_once(crowd: Chat) -> None:
    assert (await crowd.as_("p00").says('/ask live=1 question="Quel outil ?"')).ok
    voter = crowd.as_("p01")
    await asyncio.gather(*(voter.says("/vote Q1") for _ in range(10)))
    async with crowd.store.unit() as uow:
        shown = await uow.questions.by_status(1, (QuestionStatus.APPROVED,))
    assert [q.votes for q in shown] == [1]


async def test_sign_ups_sharing_one_commit_each_get_their_own_outcome_once_committed(
    tmp_path: Path,
) -> None:
    """Group commit on the threaded SQLite store: sign-ups that queue while the database thread
    is busy share one transaction, each in its own savepoint. Each one's outcome is what it
    would be alone in that order (the last seat, then the waitlist; a second /join of the same
    member refused, refusals changing nobody else's), and each is answered only once its own
    row can be read by another connection, i.e. committed."""
    chat = await Chat.open(tmp_path)
    store = chat.store
    assert isinstance(store, ThreadedSqliteStore)
    try:
        olga = chat.as_("olga", "organizer")
        assert (await olga.says("/setup premoderation=no")).ok
        assert (await olga.says('/schedule title="Vélo" when="demain 18h" capacity=3')).ok
        assert (await chat.as_("p00").says("/join 1")).key == "signup.confirmed"
        reader = sqlite3.connect(tmp_path / "test.sqlite3")

        def committed(name: str) -> str | None:
            row = reader.execute(
                "SELECT signups.status FROM signups JOIN members ON members.id = member_id"
                " WHERE members.external_id = ? AND live_id = 1",
                (name,),
            ).fetchone()
            return None if row is None else str(row[0])

        async def joins(name: str) -> tuple[str, str | None]:
            said = await chat.as_(name).says("/join 1")
            return said.key, committed(name)  # read as soon as the answer is there

        order = ["p01", "p00", "p02", "p01", "p03", "p04"]
        units, commits = store.units, store.commits
        async with store.unit():  # holds the database thread while the sign-ups queue
            queued = [asyncio.create_task(joins(name)) for name in order]
            await asyncio.sleep(0.05)
            assert len(store._queued) == len(order)  # all waiting, in that order
            assert not any(task.done() for task in queued)
        results = await asyncio.gather(*queued)
        reader.close()
    finally:
        await chat.close()
    assert results == [
        ("signup.confirmed", "confirmed"),
        ("signup.already", "confirmed"),  # p00 joined before: refused, nobody else changed
        ("signup.confirmed", "confirmed"),  # the last seat
        ("signup.already", "confirmed"),  # p01's second press, in the same transaction
        ("signup.waitlisted", "waitlisted"),
        ("signup.waitlisted", "waitlisted"),
    ]
    # The six ran in one transaction; the refusals then recorded who they were, apart.
    assert store.units - units >= len(order) and store.commits - commits < store.units - units
