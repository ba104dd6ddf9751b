"""Lives: the upcoming listing, status transitions, hosts, series, proposals and mutes."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import LiveStatus, ProposalStatus
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW, a_community, a_live, a_member

S, L = LiveStatus.SCHEDULED, LiveStatus.LIVE


async def test_upcoming_pages_through_lives_not_yet_ended_filtered_by_tag(store: SqlStore) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "host")
        mine, theirs = await a_community(uow, "Mine"), await a_community(uow, "Theirs")
        hour = timedelta(hours=1)
        await a_live(uow, mine, host, starts_in=-2 * hour, title="Over", tags=("solder",))
        await a_live(
            uow, mine, host, starts_in=-0.5 * hour, title="Running", tags=("Solder", "pcb")
        )
        await a_live(uow, mine, host, starts_in=3 * hour, title="Later", tags=("soldering",))
        await a_live(uow, mine, host, starts_in=2 * hour, title="Soon", tags=("solder",))
        await a_live(uow, mine, host, starts_in=hour, title="Draft", status=LiveStatus.DRAFT)
        await a_live(uow, theirs, host, starts_in=hour, title="Elsewhere")

        page, total = await uow.lives.upcoming([mine.id], NOW, None, 0, 2)
        assert ([live.title for live in page], total) == (["Running", "Soon"], 3)
        page, total = await uow.lives.upcoming([mine.id], NOW, None, 2, 2)
        assert ([live.title for live in page], total) == (["Later"], 3)

        page, total = await uow.lives.upcoming([mine.id, theirs.id], NOW, "SOLDER", 0, 10)
        assert ([live.title for live in page], total) == (["Running", "Soon"], 2)
        assert page[0].tags == ("solder", "pcb")
        page, total = await uow.lives.upcoming([mine.id], NOW, "sold_r", 0, 10)
        assert (page, total) == ([], 0)
        page, _ = await uow.lives.upcoming([mine.id], NOW, None, 0, 10, statuses=[LiveStatus.DRAFT])
        assert [live.title for live in page] == ["Draft"]


async def test_status_changes_are_conditional(store: SqlStore) -> None:
    async with store.unit() as uow:
        host = await a_member(uow, "host")
        live = await a_live(uow, await a_community(uow), host)
        assert await uow.lives.set_status(live.id, [S], L, NOW)
        assert not await uow.lives.set_status(live.id, [S], L, NOW)
        assert await uow.lives.set_status(live.id, [S, L], LiveStatus.ENDED, NOW)
        again = await uow.lives.get(live.id)
        assert again is not None and again.status == LiveStatus.ENDED


async def test_hosts_series_and_updates(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        community = await a_community(uow)
        series = await uow.lives.next_series_id()
        first = await a_live(uow, community, ann)
        second = await a_live(uow, community, ann, starts_in=timedelta(days=8))
        for live in (first, second):
            await uow.lives.update(live.id, series_id=series, tags=["A", "b", "a"])
        assert await uow.lives.next_series_id() == series + 1
        in_series = await uow.lives.in_series(series, NOW + timedelta(days=2))
        assert [live.id for live in in_series] == [second.id]
        assert in_series[0].tags == ("a", "b")

        for member in (bob, ann, bob):
            await uow.lives.add_host(first.id, member.id)
        assert await uow.lives.hosts(first.id) == [ann.id, bob.id]


async def test_a_proposal_is_decided_once(store: SqlStore) -> None:
    async with store.unit() as uow:
        ann, bob = await a_member(uow, "ann"), await a_member(uow, "bob")
        community = await a_community(uow)
        proposal = await uow.proposals.create(community.id, ann.id, "Arduino", "Basics", NOW)
        assert await uow.proposals.pending(community.id) == [proposal]
        assert await uow.proposals.decide(proposal.id, ProposalStatus.DECLINED, bob.id, None, NOW)
        assert not await uow.proposals.decide(
            proposal.id, ProposalStatus.ACCEPTED, bob.id, None, NOW
        )
        assert await uow.proposals.pending(community.id) == []
        decided = await uow.proposals.get(proposal.id)
        assert decided is not None and decided.status == ProposalStatus.DECLINED


async def test_mutes_end_and_the_log_keeps_order(store: SqlStore) -> None:
    async with store.unit() as uow:
        mod, ann = await a_member(uow, "mod"), await a_member(uow, "ann")
        community = await a_community(uow)
        live = await a_live(uow, community, mod)
        until = NOW + timedelta(minutes=10)
        await uow.moderation.mute(community.id, ann.id, NOW + timedelta(minutes=1), mod.id)
        await uow.moderation.mute(community.id, ann.id, until, mod.id)
        assert await uow.moderation.muted_until(community.id, ann.id, NOW) == until
        assert await uow.moderation.muted_until(community.id, ann.id, until) is None
        assert await uow.moderation.unmute(community.id, ann.id)
        assert not await uow.moderation.unmute(community.id, ann.id)

        await uow.moderation.log(community.id, live.id, mod.id, "mute", "ann", NOW)
        await uow.moderation.log(community.id, live.id, mod.id, "reject", "q:1", NOW)
        actions = await uow.moderation.actions(live.id)
        assert [(a.action, a.target, a.actor_id) for a in actions] == [
            ("mute", "ann", mod.id),
            ("reject", "q:1", mod.id),
        ]
