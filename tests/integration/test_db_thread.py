"""The threaded SQLite store's own thread and its hand-offs with the event loop (`_worker.py`):
a caller hears of its unit only once it is committed, outcomes finished while the loop is busy
share one wake-up and none is lost, and closing the store ends its thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bot.core.ports import UnitOfWork
from bot.domain.model import UserRef
from bot.storage.database import open_store
from bot.storage.threaded import GROUP_SECONDS, ThreadedSqliteStore
from tests.integration.conftest import a_member


class Boom(Exception):
    pass


async def _threaded(db_path: Path) -> ThreadedSqliteStore:
    store = await open_store(f"sqlite:///{db_path}")
    assert isinstance(store, ThreadedSqliteStore)
    return store


def _seen_by_another_connection(db_path: Path, name: str) -> bool:
    """Read by a connection of its own, as another process would: only committed rows."""
    with sqlite3.connect(db_path) as other:
        found = other.execute(
            "SELECT 1 FROM members WHERE external_id = ?", (f"id-{name}",)
        ).fetchone()
    return found is not None


async def test_every_caller_hears_back_only_once_its_unit_is_committed(db_path: Path) -> None:
    """A crowd of units (grouped, sharing commits): when each caller's await returns, another
    connection already sees that unit's row; the failing one is rolled back alone."""
    store = await _threaded(db_path)
    try:
        checked: list[str] = []

        async def joins(name: str) -> None:
            async def work(uow: UnitOfWork) -> str:
                await a_member(uow, name)
                if name == "m7":
                    raise Boom(name)
                return name

            try:
                assert await store.run(work) == name
            except Boom:
                assert not _seen_by_another_connection(db_path, name)
                checked.append("failed")
                return
            # Synchronously, before this coroutine lets any other unit's hand-back run.
            assert _seen_by_another_connection(db_path, name), name
            checked.append(name)

        await asyncio.gather(*(joins(f"m{i}") for i in range(40)))
        assert len(checked) == 40 and checked.count("failed") == 1
        assert store.commits < store.units  # some units did share a commit
    finally:
        await store.close()


async def test_outcomes_finished_while_the_loop_is_busy_share_one_wake_up(db_path: Path) -> None:
    """Five units, each longer than a group may run (so five groups: five commits, five
    hand-backs), finish while the event loop is held up: the loop is woken once, and every
    caller gets its own outcome, the failing one its error."""
    store = await _threaded(db_path)
    try:

        async def joins(name: str) -> str:
            async def work(uow: UnitOfWork) -> str:
                await a_member(uow, name)
                time.sleep(GROUP_SECONDS * 1.5)  # noqa: ASYNC251  # run in the database thread: the group is full
                if name == "m3":
                    raise Boom(name)
                return name

            return await store.run(work)

        await store.run(lambda uow: a_member(uow, "warm"))  # the loop's inbox exists
        units, commits, wakeups = store.units, store.commits, store.wakeups
        asked = [asyncio.create_task(joins(f"m{i}")) for i in range(5)]
        await asyncio.sleep(0)  # each task has queued its unit
        deadline = time.monotonic() + 30
        while store.units < units + 5 and time.monotonic() < deadline:
            time.sleep(0.01)  # noqa: ASYNC251  # holds the loop on purpose: nothing is drained
        assert store.units == units + 5 and store.commits == commits + 5
        results = await asyncio.gather(*asked, return_exceptions=True)

        assert store.wakeups == wakeups + 1
        assert isinstance(results[3], Boom)
        assert [r for i, r in enumerate(results) if i != 3] == ["m0", "m1", "m2", "m4"]
    finally:
        await store.close()


async def test_a_unit_after_a_drained_wake_up_gets_a_wake_up_of_its_own(db_path: Path) -> None:
    """The wake-up flag is cleared before the outcomes are read: units one after the other,
    each awaited, are each answered (none waits for a wake-up that already happened)."""
    store = await _threaded(db_path)
    try:
        wakeups = store.wakeups
        for i in range(30):
            member = await store.run(lambda uow, i=i: a_member(uow, f"s{i}"))
            assert member.external_id == f"id-s{i}"
        assert store.wakeups == wakeups + 30
    finally:
        await store.close()


async def test_closing_the_store_ends_its_thread_and_tools_get_their_errors(db_path: Path) -> None:
    store = await _threaded(db_path)
    names_before = {t.name for t in threading.enumerate() if t.name == "solidaire-db"}
    assert names_before == {"solidaire-db"}

    def broken(conn: object) -> None:
        raise Boom("tool")

    with pytest.raises(Boom):
        await store.run_sync(broken)  # handed to the caller; the thread goes on
    async with store.unit() as uow:
        await a_member(uow, "after")
    assert await store.run(lambda uow: uow.members.by_ref(UserRef("telegram", "id-after")))
    await store.close()
    assert not any(t.ident == store._thread.ident for t in threading.enumerate())


async def test_a_unit_makes_each_repository_once_and_units_never_share_one(db_path: Path) -> None:
    """Repositories are made on first use (`unit._Made`): the same one for the whole unit (the
    deliveries repository keeps the unit's earliest owed row), a new one for the next unit."""
    store = await _threaded(db_path)
    try:

        async def repos(uow: UnitOfWork) -> tuple[object, object, bool]:
            first = uow.deliveries
            assert uow.deliveries is first and uow.members is uow.members
            return first, uow.members, "questions" in vars(uow)  # never used: never made

        one, two = await asyncio.gather(store.run(repos), store.run(repos))
        assert one[0] is not two[0] and one[1] is not two[1]
        assert not one[2] and not two[2]
    finally:
        await store.close()
