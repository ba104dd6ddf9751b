"""Communities, their spaces, link codes and host grants."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.domain.model import SpaceRole, UserRef
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_member

HOUR = timedelta(hours=1)


async def test_a_link_code_is_valid_once_and_until_it_expires(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        community = await a_community(uow)
        await uow.communities.add_link_code(
            "ABC", community.id, SpaceRole.ANNOUNCE, ann.id, NOW + HOUR
        )
        await uow.communities.add_link_code("OLD", community.id, SpaceRole.ANNOUNCE, ann.id, NOW)

        assert await uow.communities.link_code("OLD", NOW) is None  # expires_at is not after now
        assert not await uow.communities.use_link_code("OLD", NOW)
        assert await uow.communities.link_code("NOPE", NOW) is None

        found = await uow.communities.link_code("ABC", NOW)
        assert found == (community.id, SpaceRole.ANNOUNCE)
        assert await uow.communities.link_code("ABC", NOW) == found  # looking does not use it
        assert not await uow.communities.use_link_code("ABC", NOW + 2 * HOUR)  # too late
        assert await uow.communities.use_link_code("ABC", NOW)
        assert not await uow.communities.use_link_code("ABC", NOW)
        assert await uow.communities.link_code("ABC", NOW) is None


async def test_two_chats_racing_for_one_code_only_one_gets_it(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        community = await a_community(uow)
        await uow.communities.add_link_code(
            "RACE", community.id, SpaceRole.MODERATION, ann.id, NOW + HOUR
        )

    async def use() -> bool:
        async with store.unit() as uow:
            await asyncio.sleep(0)
            return await uow.communities.use_link_code("RACE", NOW)

    assert sorted(await asyncio.gather(use(), use(), use())) == [False, False, True]


async def test_attaching_a_known_chat_moves_it_and_reactivates_it(store: SqlStore) -> None:
    async with store.unit() as uow:
        first, second = await a_community(uow, "First"), await a_community(uow, "Second")
        space = await uow.communities.attach_space(
            first.id, "telegram", "-100", SpaceRole.ANNOUNCE, "Old"
        )
        await uow.communities.update_space(space.id, announce_channel="42")
        await uow.communities.detach_space(space.id)
        assert await uow.communities.spaces(first.id) == []

        moved = await uow.communities.attach_space(
            second.id, "telegram", "-100", SpaceRole.MODERATION, "New"
        )
        assert moved.id == space.id
        assert (moved.community_id, moved.role, moved.title, moved.active) == (
            second.id,
            SpaceRole.MODERATION,
            "New",
            True,
        )
        assert moved.announce_channel == "42"
        assert await uow.communities.spaces(second.id, SpaceRole.ANNOUNCE) == []
        assert await uow.communities.spaces(second.id, SpaceRole.MODERATION) == [moved]
        assert await uow.communities.space("telegram", "-100") == moved


async def test_community_settings_round_trip(store: SqlStore) -> None:
    async with store.unit() as uow:
        community = await a_community(uow)
        assert community.reminders == ("24h", "15m")
        await uow.communities.update(community.id, reminders=("1h",), premoderation=True)
        again = await uow.communities.get(community.id)
        assert again is not None and again.reminders == ("1h",) and again.premoderation


async def test_host_grants_and_memberships(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        one, two = await a_community(uow, "One"), await a_community(uow, "Two")
        assert await uow.communities.grant_host(one.id, bob.id, ann.id, NOW)
        assert not await uow.communities.grant_host(one.id, bob.id, ann.id, NOW)
        assert await uow.communities.is_granted_host(one.id, bob.id)
        assert await uow.communities.revoke_host(one.id, bob.id)
        assert not await uow.communities.revoke_host(one.id, bob.id)
        assert not await uow.communities.is_granted_host(one.id, bob.id)

        for community in (two, one, two):
            await uow.communities.add_membership(community.id, bob.id, NOW)
        assert await uow.communities.communities_of(bob.id) == [one.id, two.id]


async def test_member_settings_keep_not_set_apart_from_empty(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann = await a_member(uow, "ann")
        assert (ann.reminders, ann.dms, ann.dm_unreachable) == (None, None, False)
        await uow.members.update(ann.id, reminders=(), dms=False)
        again = await uow.members.get(ann.id)
        assert again is not None and again.reminders == () and again.dms is False
        await uow.members.update(ann.id, reminders=("2h", "10m"), dms=None)
        again = await uow.members.get(ann.id)
        assert again is not None and again.reminders == ("2h", "10m") and again.dms is None

        renamed = await uow.members.upsert(
            UserRef("telegram", "id-ann"), "Annie", "Ann_X", "fr", NOW
        )
        assert (renamed.id, renamed.display_name, renamed.locale_hint) == (ann.id, "Annie", "fr")
        kept = await uow.members.upsert(UserRef("telegram", "id-ann"), "Annie", "Ann_X", None, NOW)
        assert kept.locale_hint == "fr"
        assert await uow.members.by_username("telegram", "@ann_x") == kept
        assert await uow.members.by_username("discord", "ann_x") is None
