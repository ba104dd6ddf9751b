"""Edges found in review: the bot's own schedule, private chats, unlinked groups, strangers."""

from __future__ import annotations

from datetime import timedelta

from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, Text
from bot.domain.model import LiveStatus
from tests.chat import Chat


async def test_many_lives_ending_at_once_are_all_ended_automatically(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    for n in range(12):  # more than the 10 commands in 10 s a person may send
        assert (await olga.says(f'/schedule title="Live {n}" when="demain 18h"')).ok
        community.clock.advance(seconds=2)  # Olga herself is no flood
    community.clock.advance(days=1, hours=5)  # the starts have come
    for n in range(1, 13):
        assert (await olga.says(f"/golive {n}")).ok
        community.clock.advance(seconds=2)
    community.clock.advance(hours=4)  # two hours past every planned end
    await community.core.outbox.flush()  # type: ignore[union-attr]
    async with community.store.unit() as uow:
        statuses = {(await uow.lives.get(n)).status for n in range(1, 13)}  # type: ignore[union-attr]
    assert statuses == {LiveStatus.ENDED}


async def test_a_published_draft_is_announced_as_upcoming_not_as_a_draft(community: Chat) -> None:
    async with community.store.unit() as uow:
        olga = await uow.members.by_ref(community.as_("olga").ref)
        assert olga is not None
        live = await uow.lives.create(
            1, "Brouillon devenu live", "", community.clock.now() + timedelta(days=3), 60,
            None, None, (), LiveStatus.DRAFT, olga.id, None, community.clock.now(),
        )  # fmt: skip
        await uow.lives.add_host(live.id, olga.id)
    assert (await community.as_("olga", "organizer").says(f"/publish {live.id}")).ok
    announced = community.posts("discord")[-1]
    assert "À venir" in announced
    assert "Brouillon (pas encore publié)" not in announced


async def test_a_member_without_private_messages_is_told_in_the_space_with_a_mention(
    community: Chat,
) -> None:
    olga = community.as_("olga", "organizer")
    await olga.says('/schedule title="Atelier" when="demain 18h" capacity=1')
    await community.as_("ann").says("/join 1")
    cid = community.as_("cid")
    assert (await cid.says("/settings dms=non")).ok
    assert (await cid.says("/join 1")).ok  # waitlisted
    await community.as_("ann").says("/leave 1")
    assert community.inbox("cid") == []
    told = [s for s in community.platform.sent if s.key.startswith("promoted:")]
    assert len(told) == 1 and not told[0].dest.private
    assert [m.id for m in told[0].message.mentions] == ["cid"]


async def test_in_a_private_chat_the_live_named_decides_the_community(community: Chat) -> None:
    other = community.as_("nina", "organizer", space="other-group")
    assert (await other.says('/setup name="Autre"')).ok
    assert (await other.says('/schedule title="Ailleurs" when="demain 19h"')).ok
    bob = community.as_("bob")
    await bob.says("/lives")  # bob belongs to Olga's community only
    said = await community.as_("bob", space=None).says("/join 1")
    assert said.ok, said.text
    assert "Ailleurs" in said.text


async def test_lives_in_a_group_that_is_not_linked_lists_nothing_of_elsewhere(
    community: Chat,
) -> None:
    await community.as_("olga", "organizer").says('/schedule title="Atelier" when="demain 18h"')
    await community.as_("bob").says("/join 1")
    said = await community.as_("bob", space="unlinked-group").says("/lives")
    assert not said.ok
    assert said.key == "error.no_community"


async def test_a_stranger_cannot_be_made_host_or_cohost(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await community.as_("zed", space="other-group").says("/help")  # seen, but elsewhere
    said = await olga.says("/host zed")
    assert not said.ok and said.key == "error.unknown_member"
    await olga.says('/schedule title="Atelier" when="demain 18h"')
    said = await olga.says("/edit 1 cohost=zed")
    assert not said.ok and said.key == "error.unknown_member"


async def test_rows_of_a_platform_this_process_does_not_run_do_not_block_the_others(
    community: Chat,
) -> None:
    now = community.clock.now()
    payload = dump_message(OutMessage(Text("fr", "guide.none")))
    async with community.store.unit() as uow:
        for n in range(3):
            dest = Destination("telegram", str(n), private=True)
            await uow.deliveries.plan(f"tg:{n}", "notice", now, dest, payload, None, None)
        await uow.deliveries.plan(
            "shell:1", "notice", now, Destination("shell", "bob", private=True), payload, None, None
        )
    await community.core.outbox.flush(limit=2)  # type: ignore[union-attr]
    assert [s.key for s in community.platform.sent if s.key.startswith(("tg:", "shell:"))] == [
        "shell:1"
    ]


async def test_help_shows_each_command_with_its_arguments_in_the_reader_s_words(
    community: Chat,
) -> None:
    french = await community.as_("olga", "organizer").says("/help")
    assert "/participer <live> : participer à un live" in french.text
    assert "/annuler <live> [raison] : annuler un live" in french.text
    english = await community.as_("olga", "organizer").says("/settings language=en")
    assert english.ok
    english = await community.as_("olga", "organizer").says("/help")
    assert "/join <live>: sign up for a live" in english.text
    hint = await community.as_("bob").says("/join")
    assert hint.text == "Il manque « live » pour /participer. Exemple : /participer 12"
