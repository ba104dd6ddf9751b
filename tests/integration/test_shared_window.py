"""The shared send window: several sends' slots taken in one round trip, slots in flight kept
alive by their process and taken back within seconds from a process that died.

Real PostgreSQL (a fresh database per test, `tests/postgres.py`); skips without one and fails
in CI, like the other multi-process tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from bot.adapters.shared_slots import SharedGate
from bot.storage.budget import shared_budget
from bot.storage.database import SqlStore, open_store
from bot.storage.send_window import POLL, SharedWindow
from tests.postgres import Server, drop_database, fresh_database

TOKEN = "123456:secret-token-of-the-bot"


@pytest.fixture
async def store(postgres_server: Server) -> AsyncIterator[SqlStore]:
    name = await fresh_database(postgres_server)
    opened = await open_store(postgres_server.url_of(name))
    try:
        yield opened
    finally:
        await opened.close()
        await drop_database(postgres_server, name)


class CountedWindow(SharedWindow):
    """The real shared window, counting the calls that go to the database."""

    calls = 0

    async def take(self, chat: str | None = None, chat_interval: float = 0.0):  # type: ignore[no-untyped-def]
        self.calls += 1
        return await super().take(chat, chat_interval)

    async def take_many(self, chats):  # type: ignore[no-untyped-def]
        self.calls += 1
        return await super().take_many(chats)


async def test_a_process_s_ready_sends_take_their_slots_in_one_round_trip(
    store: SqlStore,
) -> None:
    """Issue 17: a process's sends asked for their slots one at a time, a round trip each
    (30-60 ms with four bots on two busy cores): a process left alone at the end of a fan-out
    could not take more than one slot a round trip. Eight sends ready at once now ask
    together, and each gets a slot of its own."""
    window = CountedWindow(store.engine, TOKEN, "*", 30, 1.01)  # type: ignore[union-attr]
    gate = SharedGate(window)
    slots = await asyncio.gather(*(gate.take(f"chat:{n}", 1.0) for n in range(8)))
    assert None not in slots and len(set(slots)) == 8
    assert window.calls == 1, f"{window.calls} round trips for 8 sends"
    for slot in slots:
        assert slot is not None
        gate.give_back(slot, sent=True)
    await gate.drain()


async def test_one_call_takes_each_send_s_slot_and_its_chat_s_or_says_why_not(
    store: SqlStore,
) -> None:
    """In one call, as one take each: a slot while the window has room, with its chat's
    spaced slot; the same chat again waits for its turn (no slot held for it); once every
    slot is in flight, asked again shortly; once full of answered slots, the ones that free
    first are handed over, in the order they free."""
    budget = shared_budget(store, TOKEN)
    assert budget is not None
    window = budget.window("*", 3, 60.0)
    answers = await window.take_many(
        [("chat:a", 5.0), ("chat:a", 5.0), ("chat:b", 5.0), (None, 0.0), ("chat:c", 5.0)]
    )
    (one, w1, b1), (none, chat_wait, busy), (two, _, _), (three, _, _), last = answers
    assert one is not None and w1 == 0.0 and not b1
    assert none is None and busy and 4.0 < chat_wait <= 5.0
    assert two is not None and three is not None and len({one, two, three}) == 3
    assert last == (None, POLL, False)  # three slots in flight, none frees at a known time
    async with store.engine.connect() as conn:  # type: ignore[union-attr]
        assert (await conn.execute(text("SELECT count(*) FROM send_slot"))).scalar() == 3

    await window.release(three, sent=True)
    await window.release(one, sent=True)
    handed = await window.take_many([("chat:d", 5.0), ("chat:e", 5.0)])
    assert [slot for slot, _, _ in handed] == [three, one]  # in the order they free
    assert 58.0 < handed[0][1] <= handed[1][1] <= 60.0


async def _age(store: SqlStore, seconds: float) -> None:
    """As if the slots had been taken (or last kept) `seconds` earlier."""
    async with store.engine.connect() as conn:  # type: ignore[union-attr]
        await conn.execute(
            text("UPDATE send_slot SET taken_at = taken_at - make_interval(secs => :s)"),
            {"s": seconds},
        )
        await conn.commit()


async def test_a_slot_whose_process_died_mid_send_frees_within_seconds(store: SqlStore) -> None:
    """Issue 17: a slot whose answer never came (its process killed mid-send, or its release
    lost) was held 30 s: a process killed mid-fan-out cost the others up to 8 of the 30 slots
    for that long. A live process now keeps its slots in flight alive every second; one not
    kept for `ABANDONED` (5 s) seconds is taken back."""
    dead = SharedWindow(store.engine, TOKEN, "*", 1, 1.01)  # type: ignore[arg-type]
    other = SharedWindow(store.engine, TOKEN, "*", 1, 1.01)  # type: ignore[arg-type]
    slot, _, _ = await dead.take()
    assert slot is not None  # then the process dies: no release, nobody keeps it alive
    assert await other.take() == (None, POLL, False)
    await _age(store, 6.0)
    taken, wait, _ = await other.take()
    assert taken is not None and wait == 0.0


async def test_a_live_process_keeps_its_slot_in_flight(store: SqlStore) -> None:
    """The other side: a send still in flight after `ABANDONED` seconds (a slow answer) is
    kept alive by its process, and its slot is not given to another."""
    window = SharedWindow(store.engine, TOKEN, "*", 1, 1.01)  # type: ignore[arg-type]
    other = SharedWindow(store.engine, TOKEN, "*", 1, 1.01)  # type: ignore[arg-type]
    gate = SharedGate(window)
    slot = await gate.take()
    assert slot is not None
    await _age(store, 6.0)
    async with store.engine.connect() as conn:  # type: ignore[union-attr]
        for _ in range(100):  # the gate keeps it alive within a second or so
            await asyncio.sleep(0.05)
            age = (
                await conn.execute(
                    text("SELECT EXTRACT(EPOCH FROM clock_timestamp() - taken_at) FROM send_slot")
                )
            ).scalar_one()
            if age < 5.0:
                break
    assert await other.take() == (None, POLL, False)
    gate.give_back(slot, sent=False)
    await gate.drain()
