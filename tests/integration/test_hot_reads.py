"""What a sign-up reads again and again (its live, its place) is built once while its rows stay
the same, and never served stale once they change (`storage/_sql.Kept`); the hot statements'
generated binding keeps SQLAlchemy's answers for defaults and repeated parameters."""

from __future__ import annotations

from datetime import timedelta

from bot.core.messages import Destination
from bot.domain.model import SpaceRole
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_live, a_member


async def test_a_live_read_again_unchanged_is_the_same_object_and_a_change_is_seen(
    store: SqlStore,
) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "ann")
        community = await a_community(uow)
        live = await a_live(uow, community, host, capacity=3)

    first = await store.run(lambda uow: uow.lives.get(live.id))
    again = await store.run(lambda uow: uow.lives.lock(live.id))
    assert first == live and again is first  # built once for the same row

    async with store.unit() as uow:
        await uow.lives.update(live.id, title="Soldering 102", capacity=4)
    changed = await store.run(lambda uow: uow.lives.get(live.id))
    assert changed is not None and changed is not first
    assert (changed.title, changed.capacity, changed.revision) == (
        "Soldering 102",
        4,
        first.revision + 1,
    )
    assert first.title == "Soldering 101"  # what was handed out before never changes


async def test_a_place_is_shared_while_unchanged_and_its_member_flags_are_each_members(
    store: SqlStore,
) -> None:
    async with store.unit() as uow:
        community = await a_community(uow)
        await uow.communities.attach_space(
            community.id, "telegram", "-1001", SpaceRole.ANNOUNCE, "Makers"
        )
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        await uow.communities.add_membership(community.id, ann.id, NOW)

    async def places(uow):  # type: ignore[no-untyped-def]
        return (
            await uow.communities.place("telegram", "-1001", ann.id),
            await uow.communities.place("telegram", "-1001", bob.id),
        )

    for_ann, for_bob = await store.run(places)
    assert for_ann.member is True and for_bob.member is False  # read for each member
    assert for_ann.space is for_bob.space and for_ann.community is for_bob.community

    async with store.unit() as uow:
        await uow.communities.update(community.id, name="Fablab", premoderation=True)
    after, _ = await store.run(places)
    assert after.community is not for_ann.community
    assert (after.community.name, after.community.premoderation) == ("Fablab", True)
    assert after.space is for_ann.space  # the space's row did not change


async def test_the_refresh_row_binds_its_constant_payload_and_its_time_twice(
    store: SqlStore,
) -> None:
    """The announcement's refresh statement has a constant JSON payload (processed once, when
    the statement is first run) and binds its due time at three places."""
    async with store.unit() as uow:
        host = await a_member(uow, "ann")
        community = await a_community(uow)
        live = await a_live(uow, community, host)

    due = NOW + timedelta(seconds=3)
    for _ in range(2):  # the second one finds it pending: nothing changes
        await store.run(lambda uow: uow.deliveries.plan_refresh(live.id, due))
    async with store.unit() as uow:
        rows = await uow.deliveries.due(due, 10)
    assert [(row.kind, row.due_at, dict(row.payload)) for row in rows] == [("refresh", due, {})]


async def test_the_due_rows_keep_their_platforms_order_and_limit(store: SqlStore) -> None:
    """The sender's due query is built once per set of platforms and runs on the driver in the
    threaded store: only the platforms asked for, urgent kinds first, then oldest due, at most
    `limit`, the same on every store."""
    rows = [
        ("tg-old", "reminder", "telegram", NOW - timedelta(minutes=3)),
        ("tg-new", "reminder", "telegram", NOW - timedelta(minutes=1)),
        ("dc", "reminder", "discord", NOW - timedelta(minutes=5)),
        ("refresh", "refresh", "core", NOW - timedelta(seconds=1)),
        ("later", "reminder", "telegram", NOW + timedelta(minutes=1)),
    ]
    async with store.unit() as uow:
        for key, kind, platform, due in rows:
            dest = Destination(platform, "42", private=True)
            await uow.deliveries.add(key, kind, due, dest, {}, None, None)

    async def due(platforms: list[str] | None, limit: int = 10) -> list[str]:
        async def work(uow):  # type: ignore[no-untyped-def]
            return [row.key for row in await uow.deliveries.due(NOW, limit, platforms)]

        return await store.run(work)  # type: ignore[no-any-return]

    assert await due(["telegram", "core"]) == ["refresh", "tg-old", "tg-new"]
    assert await due(["discord"]) == ["dc"]
    assert await due(None) == ["refresh", "dc", "tg-old", "tg-new"]
    assert await due(["telegram"], limit=1) == ["tg-old"]
    assert await due([]) == []
