"""The shared send window's slots for several sends of a process, taken in one round trip.

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
