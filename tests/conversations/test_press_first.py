"""A button press goes ahead of the units waiting for the database.

A member is waiting on the button (Telegram shows a spinner and gives up after 15 s; Discord
wants an acknowledgement within 3 s), while the units queued by the sender (claims, records,
rows put back in line) wait for nobody. Under a burst during a fan-out the presses queued
behind those: this is the order, not a speed (see bench/telegram_burst.py for the figures).
"""

from __future__ import annotations

import asyncio
import threading

from bot.core import codec
from bot.core.ports import UnitOfWork
from tests.chat import Chat
from tests.conversations.test_signups import open_live


async def test_a_press_runs_before_the_units_queued_ahead_of_it(community: Chat) -> None:
    await open_live(community)
    store = community.store
    gate = threading.Event()

    async def busy(uow: UnitOfWork) -> None:  # the database thread, held by a long unit
        gate.wait(5.0)

    seen: list[int] = []

    async def ordinary(uow: UnitOfWork) -> None:  # what the sender queues meanwhile
        seen.append((await uow.signups.counts(1)).confirmed)

    holding = asyncio.create_task(store.run(busy))
    await asyncio.sleep(0.05)  # the thread has taken it
    queued = [asyncio.create_task(store.run(ordinary)) for _ in range(5)]
    await asyncio.sleep(0)  # queued before the press
    press = asyncio.create_task(community.as_("bob").presses(codec.encode("join", 1)))
    await asyncio.sleep(0.05)
    gate.set()
    said = await press
    await asyncio.gather(holding, *queued)
    assert said.ok and said.key == "signup.confirmed", said.text
    assert seen == [1, 1, 1, 1, 1]  # each ran after the press's sign-up (before: [0, 0, ...])
