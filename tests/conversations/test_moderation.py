"""Moderators at work: the queue, approve / reject / merge (and their races), mutes and the log."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.model import QuestionStatus
from tests.chat import Chat
from tests.conversations.test_questions import member_id, open_qa, questions_of


async def test_queue_shows_pending_questions_with_their_buttons_and_flags(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    assert (await mia.says("/queue 1")).key == "queue.empty"
    await chat.as_("bob").says("/ask 1 Comment débuter en cuisine ?")
    assert (await mia.presses("a:1")).ok
    await chat.as_("carl").says("/ask 1 Comment débuter la cuisine ?")
    await chat.as_("dan").says("/ask 1 Mon site www.promo-pas-chere.com est top")
    queue = await mia.says("/file 1")
    assert queue.key == "queue.head" and "2 questions en attente" in queue
    assert "Comment débuter la cuisine" in queue and "contient un lien" in queue
    assert "Carl" in queue and "Dan" in queue
    assert ("Fusionner avec Q1", "m:2:1") in queue.buttons()
    assert {("Approuver", "a:3"), ("Refuser", "r:3")} <= set(queue.buttons())
    assert not any(action == "m:3:1" for _, action in queue.buttons())


async def test_members_cannot_moderate(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    bob = chat.as_("bob")
    for said in (
        await bob.says("/queue 1"),
        await bob.presses("a:1"),
        await bob.says("/reject Q1"),
        await bob.says("/mute tia"),
        await bob.says("/modlog 1"),
    ):
        assert said.key == "error.forbidden"
    assert (await questions_of(chat))[0].status is QuestionStatus.PENDING


async def test_approve_publishes_and_tells_the_asker(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    mia = chat.as_("mia", "moderator", space="tgmods")
    queue = await mia.says("/queue 1")
    said = await mia.presses_label(queue, "Approuver")
    assert said.key == "moderation.approved"
    assert any("Q1" in m and "est publiée" in m for m in chat.inbox("bob"))
    assert "Comment débuter ?" in await chat.as_("tia").says("/questions 1")


@pytest.mark.parametrize("ref", ["Q1", "q1", "1"])
async def test_typed_reject_with_a_reason_tells_the_asker_privately(
    community: Chat, ref: str
) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    said = await chat.as_("mia", "moderator").says(f"/reject {ref} Hors sujet, désolé")
    assert said.key == "moderation.rejected", said.text
    (dm,) = chat.inbox("bob")
    assert "n’a pas été retenue" in dm and "Motif : Hors sujet, désolé" in dm
    assert all("Hors sujet" not in post for post in chat.posts("discord"))
    assert (await questions_of(chat))[0].status is QuestionStatus.REJECTED


async def test_reject_by_button_without_reason(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    assert (await chat.as_("mia", "moderator").presses("r:1")).ok
    (dm,) = chat.inbox("bob")
    assert "n’a pas été retenue" in dm and "Motif" not in dm


async def test_unknown_question_refs_are_refused(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    for line in ("/reject Q9", "/reject bonjour", "/merge Q1 Q2"):
        said = await mia.says(line)
        assert said.key == "question.unknown", said.text


async def test_two_moderators_approving_at_once_one_wins(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    mia, max_ = chat.as_("mia", "moderator"), chat.as_("max", "moderator", space="tgmods")
    first, second = await asyncio.gather(mia.presses("a:1"), max_.presses("r:1"))
    assert sorted([first.ok, second.ok]) == [False, True]
    loser = first if not first.ok else second
    assert loser.key == "moderation.already_decided"
    assert len(chat.inbox("bob")) == 1  # only the winner's decision is told
    again = await mia.presses("a:1")
    assert again.key == "moderation.already_decided"


async def test_two_moderators_pressing_approve_together(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    saids = await asyncio.gather(
        chat.as_("mia", "moderator").presses("a:1"),
        chat.as_("max", "moderator").presses("a:1"),
    )
    assert [s.key for s in saids].count("moderation.approved") == 1
    assert [s.key for s in saids].count("moderation.already_decided") == 1


async def test_merge_from_the_card_tells_both_askers_and_sums_votes(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    await chat.as_("bob").says("/ask 1 Comment débuter en cuisine ?")
    await mia.presses("a:1")
    await chat.as_("tia").presses("v:1")
    await chat.as_("carl").says("/ask 1 Comment débuter la cuisine ?")
    card = chat.posts("mods")[-1]
    assert "Comment débuter la cuisine" in card
    queue = await mia.says("/queue 1")
    said = await mia.presses_label(queue, "Fusionner avec Q1")
    assert said.key == "moderation.merged"
    assert any("Q2" in m and "réunies" in m for m in chat.inbox("carl"))
    assert any("Q1" in m and "Q2" in m for m in chat.inbox("bob")[1:])
    await chat.as_("zoe").presses("v:2")
    (q1,) = [q for q in await questions_of(chat) if q.id == 1]
    assert q1.votes == 2


async def test_merge_rules(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    await chat.as_("bob").says("/ask 1 Question A de Bob")
    await chat.as_("carl").says("/ask 1 Question B de Carl")
    await chat.as_("dan").says("/ask 1 Question C de Dan")
    assert (await mia.says("/merge Q2 Q1")).key == "merge.target_not_open"
    assert (await mia.says("/merge Q1 Q1")).key == "merge.not_same_live"
    await mia.presses("a:1")
    assert (await mia.says("/merge Q2 Q1")).ok
    await mia.presses("a:3")
    assert (await mia.says("/merge Q1 Q3")).key == "merge.is_target"
    assert (await mia.says("/merge Q2 Q3")).key == "moderation.already_decided"
    assert (await mia.says("/merge Q3 Q1")).ok


async def test_mute_stops_questions_until_unmute(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    bob, mia = chat.as_("bob"), chat.as_("mia", "moderator")
    await bob.says("/ask 1 Comment débuter ?")
    said = await mia.says("/muet @bob 2 heures")
    assert said.key == "mute.done" and "Bob" in said and "22 nov. 16:00" in said
    refused = await bob.says("/ask 1 Et ensuite ?")
    assert refused.key == "question.muted" and "22 nov. 16:00" in refused
    assert any("suspendu tes questions" in m for m in chat.inbox("bob"))
    assert len(await questions_of(chat)) == 1
    await chat.as_("carl").says("/ask 1 Une question de Carl")
    await mia.presses("a:2")
    assert (await bob.presses("v:2")).ok  # a mute stops questions, not votes
    assert (await mia.says("/demuet bob")).key == "unmute.done"
    assert (await mia.says("/unmute bob")).key == "unmute.not_muted"
    assert (await bob.says("/ask 1 Et ensuite ?")).ok


async def test_a_mute_ends_by_itself(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/join 1")
    assert (await chat.as_("mia", "moderator").says("/mute bob 30m")).ok
    chat.clock.advance(minutes=29)
    assert (await chat.as_("bob").says("/ask 1 Et ensuite ?")).key == "question.muted"
    chat.clock.advance(minutes=2)
    assert (await chat.as_("bob").says("/ask 1 Et ensuite ?")).ok


async def test_default_mute_is_a_day(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/join 1")
    assert "23 nov. 14:00" in await chat.as_("mia", "moderator").says("/mute bob")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/mute nobody", "error.unknown_member"),
        ("/mute @nobody 2h", "error.unknown_member"),
        ("/mute mia", "mute.self"),
        ("/mute bob deux heures", "mute.bad_length"),
        ("/mute bob 400j", "mute.bad_length"),
        ("/mute bob 0m", "mute.bad_length"),
        ("/mute", "error.missing_field"),
        ("/unmute nobody", "error.unknown_member"),
    ],
)
async def test_bad_mutes_are_refused(community: Chat, line: str, key: str) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/join 1")
    said = await chat.as_("mia", "moderator").says(line)
    assert said.key == key, said.text
    assert (await chat.as_("bob").says("/ask 1 Toujours libre ?")).ok


async def test_modlog_says_who_did_what_and_survives_a_deleted_moderator(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=True)
    mia, max_ = chat.as_("mia", "moderator"), chat.as_("max", "moderator")
    assert (await mia.says("/journal 1")).key == "modlog.empty"
    await chat.as_("bob").says("/ask 1 Question A de Bob")
    await chat.as_("carl").says("/ask 1 Question A de Carl")
    await chat.as_("dan").says("/ask 1 Une question de Dan")
    await mia.presses("a:1")
    await max_.says("/merge Q2 Q1")
    chat.clock.advance(minutes=1)
    await mia.says("/reject Q3 hors sujet")
    await chat.as_("hugo", "host").says("/golive 1")
    await chat.as_("hugo", "host").says("/next 1")
    max_id = await member_id(chat, "max")
    async with chat.store.unit() as uow:
        await uow.members.delete(max_id)
    log = await chat.as_("olga", "organizer").says("/modlog 1")
    lines = log.text.splitlines()[1:]
    assert len(lines) == 4
    assert "Mia" in lines[0] and "a approuvé Q1" in lines[0]
    assert "membre supprimé" in lines[1] and "a fusionné Q2 avec Q1" in lines[1]
    assert "Mia" in lines[2] and "a refusé Q3" in lines[2]
    assert "Hugo" in lines[3] and "a mis Q1 à l’antenne" in lines[3]


async def test_modlog_keeps_the_last_fifty_lines(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    mia = chat.as_("mia", "moderator")
    await chat.as_("hugo", "host").says("/golive 1")
    for n in range(26):
        await chat.as_(f"m{n}").says(f"/ask 1 Question numéro {n}")
    for _ in range(27):
        chat.clock.advance(seconds=2)  # under the command flood limit
        await mia.says("/next 1")
    lines = (await mia.says("/modlog 1")).text.splitlines()[1:]
    assert len(lines) == 26  # one line per question put on air
    async with chat.store.unit() as uow:
        for n in range(30):
            await uow.moderation.log(1, 1, 1, "approve", f"Q{n}", chat.clock.now())
    lines = (await mia.says("/modlog 1")).text.splitlines()[1:]
    assert len(lines) == 50 and "Q29" in lines[-1]


async def test_every_card_of_a_decided_question_says_who_decided_and_loses_its_buttons(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    cards = [s for s in chat.platform.sent if s.key.startswith("modcard:q=1:")]
    assert cards and all(s.message.buttons for s in cards)
    assert (await chat.as_("mia", "moderator").presses("a:1")).ok
    await chat.core.outbox.flush()
    edited = [e for e in chat.platform.edits if e.key == "cardedit:q=1"]
    assert len(edited) == len(cards)
    assert {e.dest for e in edited} == {c.dest for c in cards}
    assert all("approuvée par Mia" in e.text and not e.message.buttons for e in edited)
    await chat.core.outbox.flush()
    assert len([e for e in chat.platform.edits if e.key == "cardedit:q=1"]) == len(cards)


async def test_a_merge_edits_the_card_too(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    await chat.as_("bob").says("/ask 1 Comment débuter en cuisine ?")
    await mia.presses("a:1")
    await chat.as_("carl").says("/ask 1 Comment débuter la cuisine ?")
    assert (await mia.presses("m:2:1")).ok
    await chat.core.outbox.flush()
    merged = [e for e in chat.platform.edits if e.key == "cardedit:q=2"]
    assert merged and all("fusionnée avec Q1 par Mia" in e.text for e in merged)


async def test_mutes_of_the_live_s_askers_are_in_its_log(community: Chat) -> None:
    chat = community
    await open_qa(chat)  # live #1 is tomorrow at 18:00
    mia = chat.as_("mia", "moderator")
    await chat.as_("bob").says("/ask 1 Bonjour")
    await chat.as_("dan").says("/lives")  # seen in the community, asked nothing
    assert (await mia.says("/mute @dan 1h")).ok  # Dan never asked in this live
    chat.clock.advance(minutes=5)
    assert (await mia.says("/mute @bob 2h")).ok
    assert (await mia.says("/unmute @bob")).ok
    log = (await mia.says("/modlog 1")).text
    lines = log.splitlines()[1:]
    assert len(lines) == 2, lines
    assert "a suspendu les questions de Bob" in lines[0]
    assert "a levé la suspension de Bob" in lines[1]
    assert "Dan" not in log
