"""The refresh row of a live: pending keeps its time, in flight goes once more, done comes back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_live, a_member


@pytest.fixture
async def live_id(store: SqlStore) -> int:
    async with store.unit() as uow:
        host = await a_member(uow, "hugo")
        live = await a_live(uow, await a_community(uow), host)
    return live.id


async def test_a_pending_refresh_keeps_its_earlier_time(store: SqlStore, live_id: int) -> None:
    async with store.unit() as uow:
        await uow.deliveries.plan_refresh(live_id, NOW + timedelta(seconds=3))
        await uow.deliveries.plan_refresh(live_id, NOW + timedelta(seconds=9))
    async with store.unit() as uow:
        due = await uow.deliveries.due(NOW + timedelta(seconds=3), 10)
    assert [row.key for row in due] == [f"refresh:live={live_id}"]


async def test_a_refresh_asked_while_in_flight_goes_once_more(
    store: SqlStore, live_id: int
) -> None:
    async with store.unit() as uow:
        await uow.deliveries.plan_refresh(live_id, NOW)
    async with store.unit() as uow:
        (row,) = await uow.deliveries.due(NOW, 10)
        assert await uow.deliveries.claim(row.id, NOW)
    async with store.unit() as uow:  # seats changed while the edit was being made
        await uow.deliveries.plan_refresh(live_id, NOW + timedelta(seconds=1))
    async with store.unit() as uow:
        await uow.deliveries.finish(row.id, "sent", NOW, retry_at=NOW + timedelta(seconds=3))
    async with store.unit() as uow:
        assert await uow.deliveries.due(NOW + timedelta(seconds=2), 10) == []
        again = await uow.deliveries.due(NOW + timedelta(seconds=3), 10)
    assert [r.key for r in again] == [row.key]


async def test_a_finished_refresh_comes_back_at_the_next_change(
    store: SqlStore, live_id: int
) -> None:
    async with store.unit() as uow:
        await uow.deliveries.plan_refresh(live_id, NOW)
    async with store.unit() as uow:
        (row,) = await uow.deliveries.due(NOW, 10)
        await uow.deliveries.claim(row.id, NOW)
        await uow.deliveries.finish(row.id, "sent", NOW)
    async with store.unit() as uow:
        assert await uow.deliveries.due(NOW + timedelta(hours=1), 10) == []
        await uow.deliveries.plan_refresh(live_id, NOW + timedelta(seconds=5))
    async with store.unit() as uow:
        assert [r.key for r in await uow.deliveries.due(NOW + timedelta(seconds=5), 10)] == [
            row.key
        ]
