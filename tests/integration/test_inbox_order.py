"""A member's earlier update still unhandled, on every store: what a webhook worker asks before
it handles one of theirs (another worker may hold the earlier one)."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.storage.database import SqlStore
from tests.integration.conftest import NOW


def update(update_id: int, sender: int, kind: str = "message") -> tuple[str, str]:
    return str(update_id), json.dumps({"update_id": update_id, kind: {"from": {"id": sender}}})


async def test_an_earlier_unhandled_update_of_the_same_member_is_seen(store: SqlStore) -> None:
    async with store.unit() as uow:
        added = await uow.inbox.add(
            "telegram",
            [update(1, 7), update(2, 8), update(3, 7, "callback_query"), update(4, 7)],
            NOW,
        )
    first, other, press, last = (item_id for _, item_id in added)
    async with store.unit() as uow:
        assert not await uow.inbox.earlier("telegram", first, "7")  # nothing before it
        assert await uow.inbox.earlier("telegram", press, "7")  # a message before the press
        assert not await uow.inbox.earlier("telegram", other, "8")  # another member's before
        assert not await uow.inbox.earlier("discord", last, "7")  # another platform's inbox
        assert await uow.inbox.done(first, NOW + timedelta(seconds=1))
    async with store.unit() as uow:
        assert not await uow.inbox.earlier("telegram", press, "7")  # handled: it may go
        assert await uow.inbox.earlier("telegram", last, "7")  # the press is not yet
