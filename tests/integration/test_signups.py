"""Seats, the waitlist and its order, as members join, leave and come back."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import LiveStatus, SeatCount, SignupStatus
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_live, a_member

C, W = SignupStatus.CONFIRMED, SignupStatus.WAITLISTED


async def test_two_seats_then_the_waitlist_then_promotion_in_queue_order(store: SqlStore) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "host")
        live = await a_live(uow, await a_community(uow), host, capacity=2)
        ann, bob, cat, dan = [await a_member(uow, n) for n in ("ann", "bob", "cat", "dan")]
        joined = [await uow.signups.join(live.id, m.id, 2, NOW) for m in (ann, bob, cat, dan)]
        assert joined == [C, C, W, W]
        assert await uow.signups.join(live.id, ann.id, 2, NOW) is None  # already in
        assert await uow.signups.counts(live.id) == SeatCount(confirmed=2, waitlisted=2)

        assert await uow.signups.leave(live.id, ann.id, NOW) == C
        assert await uow.signups.leave(live.id, ann.id, NOW) is None  # gone already
        assert await uow.signups.promote(live.id, 2) == [cat.id]
        assert await uow.signups.promote(live.id, 2) == []  # no free seat left
        assert await uow.signups.member_ids(live.id, [C]) == [bob.id, cat.id]
        assert await uow.signups.member_ids(live.id, [W]) == [dan.id]


async def test_coming_back_after_leaving_goes_to_the_back_of_the_waitlist(store: SqlStore) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "host")
        live = await a_live(uow, await a_community(uow), host, capacity=1)
        ann, bob, cat = [await a_member(uow, n) for n in ("ann", "bob", "cat")]
        await uow.signups.join(live.id, ann.id, 1, NOW)
        await uow.signups.join(live.id, bob.id, 1, NOW)
        await uow.signups.join(live.id, cat.id, 1, NOW + timedelta(minutes=1))
        assert await uow.signups.leave(live.id, bob.id, NOW + timedelta(minutes=2)) == W
        assert await uow.signups.join(live.id, bob.id, 1, NOW + timedelta(minutes=3)) == W
        assert await uow.signups.member_ids(live.id, [W]) == [cat.id, bob.id]

        await uow.signups.leave(live.id, ann.id, NOW)
        await uow.lives.update(live.id, capacity=3)
        assert await uow.signups.promote(live.id, 3) == [cat.id, bob.id]
        bob_signup = await uow.signups.get(live.id, bob.id)
        assert bob_signup is not None and bob_signup.status == C


async def test_without_capacity_everyone_is_confirmed_and_all_are_promoted(store: SqlStore) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "host")
        live = await a_live(uow, await a_community(uow), host, capacity=1)
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        assert await uow.signups.join(live.id, ann.id, 1, NOW) == C
        assert await uow.signups.join(live.id, bob.id, 1, NOW) == W
        assert await uow.signups.promote(live.id, None) == [bob.id]
        cat = await a_member(uow, "cat")
        assert await uow.signups.join(live.id, cat.id, None, NOW) == C


async def test_upcoming_of_lists_active_sign_ups_to_lives_not_yet_ended(store: SqlStore) -> None:
    async with store.unit() as uow:
        host, ann = await a_member(uow, "host"), await a_member(uow, "ann")
        community = await a_community(uow)
        running = await a_live(uow, community, host, starts_in=timedelta(minutes=-30), title="Run")
        over = await a_live(uow, community, host, starts_in=timedelta(minutes=-90), title="Over")
        later = await a_live(uow, community, host, starts_in=timedelta(days=2), title="Later")
        soon = await a_live(uow, community, host, starts_in=timedelta(hours=2), title="Soon")
        left = await a_live(uow, community, host, starts_in=timedelta(hours=3), title="Left")
        for live in (running, over, later, soon, left):
            await uow.signups.join(live.id, ann.id, None, NOW)
        await uow.signups.leave(left.id, ann.id, NOW)

        upcoming = await uow.signups.upcoming_of(ann.id, NOW)
        assert [live.title for live, _ in upcoming] == ["Run", "Soon", "Later"]
        assert all(s.member_id == ann.id and s.status == C for _, s in upcoming)
        assert [s.live_id for _, s in upcoming] == [running.id, soon.id, later.id]


async def test_cancel_future_of_spares_lives_already_started(store: SqlStore) -> None:
    async with store.unit() as uow:
        host, ann = await a_member(uow, "host"), await a_member(uow, "ann")
        community = await a_community(uow)
        started = await a_live(uow, community, host, starts_in=timedelta(minutes=-5))
        await uow.lives.set_status(started.id, [LiveStatus.SCHEDULED], LiveStatus.LIVE, NOW)
        future = await a_live(uow, community, host)
        for live in (started, future):
            await uow.signups.join(live.id, ann.id, None, NOW)

        assert await uow.signups.cancel_future_of(ann.id, NOW) == [future.id]
        assert await uow.signups.member_ids(future.id, [C, W]) == []
        assert await uow.signups.member_ids(started.id, [C]) == [ann.id]


async def test_attendance_and_a_single_rating(store: SqlStore) -> None:
    async with store.unit() as uow:
        host, ann = await a_member(uow, "host"), await a_member(uow, "ann")
        live = await a_live(uow, await a_community(uow), host)
        await uow.signups.join(live.id, ann.id, None, NOW)
        assert await uow.signups.attend(live.id, ann.id, NOW)
        assert not await uow.signups.attend(live.id, ann.id, NOW)
        assert not await uow.signups.attend(live.id, host.id, NOW)  # never signed up
        assert await uow.signups.attended_ids(live.id) == [ann.id]
        signup = await uow.signups.get(live.id, ann.id)
        assert signup is not None and signup.attended
        assert await uow.signups.rate(live.id, ann.id, 5, "Great", NOW)
        assert not await uow.signups.rate(live.id, ann.id, 1, None, NOW)
