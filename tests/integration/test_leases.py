"""Two processes on one database (two stores, two holder names), on each store: a claim is a
lease that the holder renews; another process takes it over only once it has expired, while
the holder itself, started again, takes its own over at once (what it had in flight)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.core.messages import Destination
from bot.storage.database import SqlStore, open_store
from bot.storage.lease import LEASE, Lease
from tests.integration.conftest import NOW
from tests.postgres import Server, drop_database, fresh_database

DM = Destination("telegram", "555", True)
LATER = NOW + LEASE + timedelta(seconds=1)  # every lease taken at NOW has expired


class Processes:
    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[SqlStore] = []

    async def start(self, name: str) -> SqlStore:
        store = await open_store(self.url, Lease(name))
        self.opened.append(store)
        return store


@pytest.fixture(params=["sqlite", "sqlite+aiosqlite", "postgresql"])
async def processes(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Processes]:
    name = None
    if request.param == "postgresql":
        server: Server = request.getfixturevalue("postgres_server")
        name = await fresh_database(server)
        url = server.url_of(name)
    else:
        url = f"{request.param}:///{tmp_path / 'shared.sqlite3'}"
    running = Processes(url)
    try:
        yield running
    finally:
        for store in running.opened:
            await store.close()
        if name is not None:
            await drop_database(request.getfixturevalue("postgres_server"), name)


async def sending_row(store: SqlStore) -> int:
    """A delivery claimed (being sent) by `store`'s process at NOW; its id."""
    async with store.unit() as uow:
        await uow.deliveries.add("k", "reminder", NOW, DM, {}, None, None)
        (row,) = await uow.deliveries.due(NOW, 10)
        assert await uow.deliveries.claim(row.id, NOW)
    return row.id


async def status(store: SqlStore) -> dict[str, int]:
    async with store.unit() as uow:
        return await uow.deliveries.counts()


async def test_a_live_process_s_sends_are_not_put_back_by_another_starting(
    processes: Processes,
) -> None:
    a = await processes.start("proc-a")
    await sending_row(a)
    b = await processes.start("proc-b")
    async with b.unit() as uow:
        assert await uow.deliveries.recover(NOW) == 0  # at b's start: a's lease runs
        assert await uow.deliveries.recover(NOW + LEASE / 2, mine=False) == 0
    assert await status(a) == {"sending": 1}


async def test_a_process_started_again_takes_its_own_sends_back_at_once(
    processes: Processes,
) -> None:
    await sending_row(await processes.start("proc-a"))
    again = await processes.start("proc-a")  # the same name: the same worker, come back
    async with again.unit() as uow:
        assert await uow.deliveries.recover(NOW) == 1
    assert await status(again) == {"pending": 1}


async def test_a_dead_process_s_sends_are_taken_over_once_its_lease_expired(
    processes: Processes,
) -> None:
    a = await processes.start("proc-a")
    row = await sending_row(a)
    b = await processes.start("proc-b")
    async with b.unit() as uow:
        assert await uow.deliveries.recover(LATER, mine=False) == 1
        assert await uow.deliveries.claim(row, LATER)  # b sends it now
    async with a.unit() as uow:  # a was only stalled: its late outcome must not count
        await uow.deliveries.finish(row, "sent", LATER, message_id="from-a")
    async with b.unit() as uow:
        await uow.deliveries.finish(row, "sent", LATER, message_id="from-b")
        sent = await uow.deliveries.posted_under("k")
    assert [message for _, message in sent] == ["from-b"]


async def test_a_process_that_renews_keeps_its_sends(processes: Processes) -> None:
    a = await processes.start("proc-a")
    await sending_row(a)
    async with a.unit() as uow:
        assert await uow.deliveries.renew(NOW + LEASE / 2) == 1
    b = await processes.start("proc-b")
    async with b.unit() as uow:
        assert await uow.deliveries.recover(LATER, mine=False) == 0
    assert await status(a) == {"sending": 1}


async def test_inbox_updates_stay_with_the_process_that_stored_them_while_it_lives(
    processes: Processes,
) -> None:
    a = await processes.start("proc-a")
    async with a.unit() as uow:
        added = await uow.inbox.add("telegram", [(str(i), f"u{i}") for i in range(3)], NOW)
    assert len(added) == 3
    b = await processes.start("proc-b")
    async with b.unit() as uow:
        assert await uow.inbox.take("telegram", NOW, 100) == []
    async with a.unit() as uow:
        await uow.inbox.renew(NOW + LEASE / 2)
    async with b.unit() as uow:
        assert await uow.inbox.take("telegram", LATER, 100, mine=False) == []
        taken = await uow.inbox.take("telegram", LATER + LEASE, 100, mine=False)
    assert [item.payload for item in taken] == ["u0", "u1", "u2"]
    async with a.unit() as uow:  # a, back from a stall: b holds them now
        assert await uow.inbox.take("telegram", LATER + LEASE, 100) == []


async def test_a_process_started_again_takes_its_own_updates_back_at_once(
    processes: Processes,
) -> None:
    a = await processes.start("proc-a")
    async with a.unit() as uow:
        await uow.inbox.add("telegram", [("1", "u1"), ("2", "u2")], NOW)
        (first, _second) = await uow.inbox.pending("telegram", 10)
        assert await uow.inbox.done(first.id, NOW)
    again = await processes.start("proc-a")
    async with again.unit() as uow:
        assert [item.payload for item in await uow.inbox.take("telegram", NOW, 10)] == ["u2"]


async def test_two_processes_taking_over_at_once_share_the_updates_without_overlap(
    processes: Processes,
) -> None:
    dead = await processes.start("proc-dead")
    async with dead.unit() as uow:
        await uow.inbox.add("telegram", [(str(i), f"u{i}") for i in range(200)], NOW)
    a, b = await processes.start("proc-a"), await processes.start("proc-b")

    async def takes(store: SqlStore) -> list[str]:
        got: list[str] = []
        for _ in range(20):
            async with store.unit() as uow:
                got += [
                    item.payload for item in await uow.inbox.take("telegram", LATER, 10, mine=False)
                ]
            await asyncio.sleep(0)
        return got

    by_a, by_b = await asyncio.gather(takes(a), takes(b))
    assert not set(by_a) & set(by_b)
    assert sorted(by_a + by_b) == sorted(f"u{i}" for i in range(200))


async def test_the_poller_lock_is_one_process_s_until_its_connection_dies(
    postgres_store: SqlStore,
) -> None:
    """PostgreSQL lets a session lock go when the holder's connection drops, as it does when
    its process is killed: here the server ends the holder's backend."""
    url = postgres_store.engine.url.render_as_string(hide_password=False)
    other = await open_store(url, Lease("proc-b"))
    try:
        held = await postgres_store.try_hold("telegram-poller:1")
        assert held is not None
        assert await other.try_hold("telegram-poller:1") is None
        another_bot = await other.try_hold("telegram-poller:2")
        assert another_bot is not None
        await another_bot.release()
        async with other.unit() as uow:
            await uow.connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND objid = hashtext('telegram-poller:1')::oid"
                )
            )
        for _ in range(50):
            if (taken := await other.try_hold("telegram-poller:1")) is not None:
                break
            await asyncio.sleep(0.1)
        assert taken is not None
        await taken.release()
        await held.release()  # its connection is gone: says so, raises nothing
    finally:
        await other.close()


async def test_on_sqlite_the_poller_lock_is_always_granted(sqlite_store: SqlStore) -> None:
    """One process per SQLite database: nobody else could hold it."""
    first = await sqlite_store.try_hold("telegram-poller:1")
    second = await sqlite_store.try_hold("telegram-poller:1")
    assert first is not None and second is not None
