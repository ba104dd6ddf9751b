"""Skill proposals: from a member's idea to a draft live they host, edit and publish."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.domain.model import LiveStatus, ProposalStatus
from tests.chat import Chat
from tests.conversations.test_questions import member_id, open_qa


async def propose(chat: Chat) -> None:
    said = await chat.as_("bob").says(
        '/proposer title="Initiation au tricot" description="Les bases en une heure, avec deux aiguilles."'
    )
    assert said.ok and said.key == "proposal.sent", said.text


async def test_a_proposal_reaches_every_moderation_space_with_its_buttons(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await propose(chat)
    for space in ("mods", "tgmods"):
        (card,) = chat.posts(space)
        assert "Initiation au tricot" in card and "Bob" in card and "deux aiguilles" in card
    listed = await chat.as_("mia", "moderator").says("/propositions")
    assert listed.key == "proposals.head" and "1 proposition en attente" in listed
    assert listed.buttons() == [("Accepter", "p:1"), ("Décliner", "n:1")]
    assert (await chat.as_("bob").says("/proposals")).key == "error.forbidden"


async def test_accepting_makes_a_draft_live_the_proposer_edits_and_publishes(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat)
    await propose(chat)
    mia = chat.as_("mia", "moderator")
    said = await mia.presses_label(await mia.says("/proposals"), "Accepter")
    assert said.key == "proposal.accepted" and "#2" in said
    bob_id = await member_id(chat, "bob")
    async with chat.store.unit() as uow:
        live = await uow.lives.get(2)
        hosts = await uow.lives.hosts(2)
        proposal = await uow.proposals.get(1)
    assert live is not None and proposal is not None
    assert live.status is LiveStatus.DRAFT and live.created_by == bob_id and hosts == [bob_id]
    assert live.title == "Initiation au tricot"
    # Sunday 22 November -> Sunday 29 November, 18:00 in Paris (17:00 UTC).
    assert live.starts_at == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
    assert proposal.status is ProposalStatus.ACCEPTED and proposal.live_id == 2
    (dm,) = chat.inbox("bob")
    assert "acceptée" in dm and "/modifier 2" in dm and "/publier 2" in dm
    assert "dimanche 29 novembre 2026 à 18:00" in dm
    assert not any("tricot" in post for post in chat.posts("discord"))
    assert (await chat.as_("tia").says("/ask 2 Faut-il de la laine ?")).key == "error.live_draft"
    bob = chat.as_("bob")
    edited = await bob.says('/edit 2 when="2026-12-02 19:00"')
    assert edited.ok, edited.text
    published = await bob.says("/publish 2")
    assert published.ok, published.text
    assert any("tricot" in post for post in chat.posts("telegram"))
    assert (await chat.as_("tia").says("/ask 2 Faut-il de la laine ?")).ok


async def test_declining_tells_the_proposer_kindly(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await propose(chat)
    mia = chat.as_("mia", "moderator")
    said = await mia.presses("n:1")
    assert said.key == "proposal.declined"
    (dm,) = chat.inbox("bob")
    assert "Merci pour ta proposition" in dm and "/propose" in dm
    assert (await mia.says("/proposals")).key == "proposals.empty"
    assert (await mia.presses("p:1")).key == "proposal.already_decided"
    async with chat.store.unit() as uow:
        assert await uow.lives.get(2) is None


async def test_accept_and_decline_at_once_one_wins_and_no_stray_draft(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await propose(chat)
    saids = await asyncio.gather(
        chat.as_("mia", "moderator").presses("p:1"),
        chat.as_("max", "moderator", space="tgmods").presses("n:1"),
    )
    assert sorted(s.ok for s in saids) == [False, True]
    assert [s.key for s in saids if not s.ok] == ["proposal.already_decided"]
    accepted = any(s.key == "proposal.accepted" for s in saids)
    async with chat.store.unit() as uow:
        assert (await uow.lives.get(2) is not None) is accepted
        assert await uow.lives.get(3) is None
    assert len(chat.inbox("bob")) == 1


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('/propose title="ab"', "proposal.bad_title"),
        ("/propose title=" + "x" * 101, "proposal.bad_title"),
        ("/propose description=sans-titre", "error.missing_field"),
        (
            '/propose title="Tricot" description="' + "x" * 1001 + '"',
            "proposal.description_too_long",
        ),
    ],
)
async def test_bad_proposals_are_refused_and_nothing_is_stored(
    community: Chat, line: str, key: str
) -> None:
    chat = community
    await open_qa(chat)
    said = await chat.as_("bob").says(line)
    assert said.key == key, said.text
    assert chat.posts("mods") == []
    assert (await chat.as_("mia", "moderator").says("/proposals")).key == "proposals.empty"


async def test_unknown_proposal(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    assert (await chat.as_("mia", "moderator").presses("p:7")).key == "proposal.unknown"


async def test_english_moderators_get_english_cards(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await propose(chat)
    mia = chat.as_("mia", "moderator")
    await mia.says("/settings language=en")
    listed = await mia.says("/proposals")
    assert "1 proposal waiting" in listed and ("Accept", "p:1") in listed.buttons()
    assert "accepted" in await mia.presses("p:1")
    assert "acceptée" in chat.inbox("bob")[0]  # Bob reads French


async def test_every_card_of_a_decided_proposal_says_who_decided(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("zoe").says('/propose title="Pain au levain" description="Du temps"')
    cards = [s for s in chat.platform.sent if s.key.startswith("proposal:p=1:space=")]
    assert len(cards) == 2  # the Discord-like moderation channel and the Telegram-like chat
    assert (await chat.as_("mia", "moderator").presses("n:1")).ok
    await chat.core.outbox.flush()
    edited = [e for e in chat.platform.edits if e.key == "cardedit:p=1"]
    assert {e.dest for e in edited} == {c.dest for c in cards}
    assert all("déclinée par Mia" in e.text and not e.message.buttons for e in edited)
    # The private answer to Zoé is not a card: it was never edited.
    assert not [e for e in chat.platform.edits if e.dest.private]
