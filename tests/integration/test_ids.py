"""Ids people see (#12, Q45, members named in the moderation log) are never given twice."""

from __future__ import annotations

from bot.storage.database import SqlStore
from tests.integration.conftest import a_member


async def test_a_forgotten_member_s_id_is_never_given_to_someone_else(store: SqlStore) -> None:
    async with store.unit() as uow:
        await a_member(uow, "ann")
        last = await a_member(uow, "bob")
    async with store.unit() as uow:
        await uow.members.delete(last.id)  # /forgetme of the newest member
    async with store.unit() as uow:
        newcomer = await a_member(uow, "cid")
    assert newcomer.id > last.id
