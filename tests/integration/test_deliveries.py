"""The delivery ledger: each message once, one sender per row, retries later."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.core.delivery.ledger import Owed
from bot.core.delivery.vocabulary import Kind
from bot.core.messages import Destination
from bot.core.ports import UnitOfWork
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_member

DM = Destination("telegram", "555", True)
THREAD = Destination("discord", "chan", False, thread_id="thr")


async def test_adding_the_same_key_twice_keeps_one_row(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        payload = {"text": {"key": "reminder", "params": {"n": 1}}}
        assert await uow.deliveries.add("rem:1:ann", "reminder", NOW, DM, payload, ann.id, None)
        assert not await uow.deliveries.add("rem:1:ann", "reminder", NOW, DM, {}, ann.id, None)
        assert await uow.deliveries.add("post:1", "announce", NOW, THREAD, {"a": [1]}, None, None)
        due = await uow.deliveries.due(NOW, 10)
    assert [d.key for d in due] == ["rem:1:ann", "post:1"]
    assert due[0].payload == payload and due[0].dest == DM and due[0].member_id == ann.id
    assert due[1].dest == THREAD and due[1].attempts == 0 and due[1].status == "pending"


async def test_two_senders_claiming_one_row_only_one_sends(store: SqlStore) -> None:
    async with store.unit() as uow:
        await uow.deliveries.add("k", "reminder", NOW, DM, {}, None, None)
        (row,) = await uow.deliveries.due(NOW, 10)

    async def claim() -> bool:
        async with store.unit() as uow:
            await asyncio.sleep(0)
            return await uow.deliveries.claim(row.id, NOW)

    assert sorted(await asyncio.gather(claim(), claim())) == [False, True]
    async with store.unit() as uow:
        assert await uow.deliveries.due(NOW, 10) == []


async def test_a_failed_send_comes_back_when_its_retry_time_comes(store: SqlStore) -> None:
    later = NOW + timedelta(seconds=30)
    async with store.unit() as uow:
        await uow.deliveries.add("k", "reminder", NOW, DM, {}, None, None)
        (row,) = await uow.deliveries.due(NOW, 10)
        assert await uow.deliveries.claim(row.id, NOW)
        await uow.deliveries.finish(row.id, "pending", NOW, reason="429", retry_at=later)
        assert await uow.deliveries.due(NOW, 10) == []
        (retry,) = await uow.deliveries.due(later, 10)
        assert retry.attempts == 1 and retry.status == "pending"

        assert await uow.deliveries.claim(row.id, later)
        await uow.deliveries.finish(row.id, "sent", later, message_id="m1")
        assert not await uow.deliveries.claim(row.id, later)
        assert await uow.deliveries.due(later + timedelta(days=1), 10) == []


async def test_not_yet_due_rows_wait_and_a_member_s_rows_can_be_dropped(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        await uow.deliveries.add("soon", "reminder", NOW + timedelta(hours=1), DM, {}, ann.id, None)
        await uow.deliveries.add("now", "reminder", NOW, DM, {}, ann.id, None)
        assert [d.key for d in await uow.deliveries.due(NOW, 10)] == ["now"]
        assert await uow.deliveries.delete_of_member(ann.id) == 2
        assert await uow.deliveries.due(NOW + timedelta(days=1), 10) == []


async def test_what_a_member_waits_for_comes_before_a_fan_out(store: SqlStore) -> None:
    """A refresh of an announcement or a late answer, due after 200 reminders, is still taken
    first: the sender asks for a chunk at a time, and these come at the head of each."""
    async with store.unit() as uow:
        for n in range(200):
            await uow.deliveries.add(
                f"reminder:{n}",
                "reminder",
                NOW,
                Destination("telegram", str(n), True),
                {},
                None,
                None,
            )
        later = NOW + timedelta(seconds=3)
        await uow.deliveries.add("answer:inbox=1", "late_answer", later, DM, {}, None, None)
        await uow.deliveries.add("cardedit:q=1", "card_edit", later, THREAD, {}, None, None)
    async with store.unit() as uow:
        first = await uow.deliveries.due(later, 60)
    assert [row.key for row in first[:2]] == ["answer:inbox=1", "cardedit:q=1"]
    assert [row.key for row in first[2:5]] == ["reminder:0", "reminder:1", "reminder:2"]


async def test_planning_many_rows_in_one_statement_is_planning_each(store: SqlStore) -> None:
    """A sign-up's reminders are owed in one multi-row INSERT (`plan_many`): new rows land, an
    expired one is revived, a sent one is never touched, a key given twice keeps its last row,
    and the unit knows the earliest of what it owes. Run through `store.run`, which takes the
    driver's direct path on the threaded store."""
    soon, later = NOW + timedelta(hours=1), NOW + timedelta(hours=2)

    async def before(uow: UnitOfWork) -> None:
        await uow.deliveries.plan("sent", "reminder", NOW, DM, {}, None, None)
        (row,) = await uow.deliveries.due(NOW, 10)
        assert await uow.deliveries.claim(row.id, NOW)
        await uow.deliveries.finish(row.id, "sent", NOW, message_id="m1")
        await uow.deliveries.plan("expired", "reminder", NOW, DM, {}, None, None)
        await uow.deliveries.expire_key("expired", "left", NOW)

    await store.run(before)

    async def plan(uow: UnitOfWork) -> tuple[int, datetime | None]:
        rows = [
            Owed("new", "reminder", later, DM, {"n": 1}, None, None),
            Owed("expired", "reminder", later, THREAD, {"n": 2}, None, None),
            Owed("sent", "reminder", soon, DM, {"n": 3}, None, None),
            Owed("twice", "reminder", later, DM, {"n": 4}, None, None),
            Owed("twice", "reminder", soon, THREAD, {"n": 5}, None, None),
        ]
        return await uow.deliveries.plan_many(rows), uow.deliveries.earliest

    assert await store.run(plan) == (3, soon)
    async with store.unit() as uow:
        due = {d.key: d for d in await uow.deliveries.due(later, 10)}
        assert await uow.deliveries.plan_many([]) == 0
    assert sorted(due) == ["expired", "new", "twice"]  # "sent" is not owed again
    assert due["expired"].dest == THREAD and due["expired"].payload == {"n": 2}
    assert due["twice"].due_at == soon and due["twice"].payload == {"n": 5}
    assert due["new"].status == "pending" and due["new"].attempts == 0


async def test_payloads_planned_together_are_each_stored_as_given(store: SqlStore) -> None:
    """`plan_many` encodes a payload of text values once and reuses its JSON for the next equal
    one: equal texts (a `Kind` is text) share it, but a different text, another field, or
    values that are equal without being the same JSON (1, 1.0 and True) never do."""
    later = NOW + timedelta(hours=1)
    payloads: list[dict[str, object]] = [
        {"recipe": Kind.REMINDER, "offset": "24h"},
        {"recipe": "reminder", "offset": "24h"},
        {"recipe": "reminder", "offset": "15m"},
        {"offset": "15m", "recipe": "reminder"},
        {"recipe": "reminder", "offset": "15m", "more": "x"},
        {"n": 1},
        {"n": 1.0},
        {"n": True},
        {"n": "1"},
    ]

    async def plan(uow: UnitOfWork) -> int:
        together = [
            Owed(f"a{i}", "reminder", later, DM, p, None, None) for i, p in enumerate(payloads)
        ]
        planned = await uow.deliveries.plan_many(together)
        for i, payload in enumerate(payloads):  # each alone: always the first row's place
            planned += await uow.deliveries.plan_many(
                [Owed(f"b{i}", "reminder", later, DM, payload, None, None)]
            )
        return planned

    assert await store.run(plan) == 2 * len(payloads)
    async with store.unit() as uow:
        due = {d.key: d.payload for d in await uow.deliveries.due(later, 100)}
    for i, payload in enumerate(payloads):
        for key in (f"a{i}", f"b{i}"):
            assert due[key] == payload and list(due[key]) == list(payload), key
            assert [type(v) for v in due[key].values()] == [
                str if isinstance(v, str) else type(v) for v in payload.values()
            ], key
