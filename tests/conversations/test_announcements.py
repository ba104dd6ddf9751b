"""Announcements are kept up to date: seats and status, one edit per burst, latest state wins."""

from __future__ import annotations

from tests.chat import Chat


async def schedule(chat: Chat, capacity: int = 3) -> None:
    said = await chat.as_("olga", "organizer").says(
        f'/schedule title="Atelier CV" when="demain 18h" capacity={capacity}'
    )
    assert said.ok, said.text


async def settle(chat: Chat, seconds: float = 4) -> None:
    """Lets the spacing between edits pass, then sends what is due."""
    chat.clock.advance(seconds=seconds)
    await chat.core.outbox.flush()  # type: ignore[union-attr]


async def test_a_burst_of_sign_ups_makes_one_edit_per_announcement_showing_the_latest_seats(
    community: Chat,
) -> None:
    await schedule(community)
    assert len(community.posts("discord")) == 1 and len(community.posts("telegram")) == 1

    for name in ("ann", "bob"):
        assert (await community.as_(name).says("/join 1")).ok
    await community.core.outbox.flush()  # type: ignore[union-attr]
    assert community.platform.edits == []  # edits are spaced a few seconds after the change

    await settle(community)
    edited = {e.dest.chat_id: e.text for e in community.platform.edits}
    assert set(edited) == {"discord", "telegram"}
    assert len(community.platform.edits) == 2  # one per announcement, not one per sign-up
    assert all("1 place restante" in text for text in edited.values())


async def test_an_edit_targets_the_message_the_announcement_became(community: Chat) -> None:
    await schedule(community)
    posted = {s.dest.chat_id: s for s in community.platform.sent if not s.dest.private}
    await community.as_("ann").says("/join 1")
    await settle(community)
    for edit in community.platform.edits:
        original = posted[edit.dest.chat_id]
        assert edit.key.startswith("refresh:live=1")
        assert original.key.startswith("announce:live=1")


async def test_going_live_and_cancelling_show_in_the_announcement(community: Chat) -> None:
    await schedule(community)
    olga = community.as_("olga", "organizer")
    await settle(community)
    assert community.platform.edits == []  # nothing changed yet: nothing to edit

    assert (await olga.says("/golive 1")).ok
    await settle(community)
    assert all("En direct" in e.text for e in community.platform.edits[-2:])

    community.platform.edits.clear()
    assert (await olga.says('/schedule title="Autre" when="demain 20h"')).ok
    assert (await olga.says("/cancel 2")).ok
    await settle(community)
    assert {e.dest.chat_id for e in community.platform.edits} == {"discord", "telegram"}
    assert all("Annulé" in e.text for e in community.platform.edits)


async def test_a_refused_command_owes_no_edit(community: Chat) -> None:
    await schedule(community, capacity=1)
    await community.as_("ann").says("/join 1")
    await settle(community)
    community.platform.edits.clear()
    refused = await community.as_("ann").says("/join 1")  # already signed up
    assert not refused.ok
    await settle(community)
    assert community.platform.edits == []
