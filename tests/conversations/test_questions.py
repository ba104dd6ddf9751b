"""Questions as members live them: asking, the list by votes, voting and the host's /next."""

from __future__ import annotations

import pytest

from bot.domain.automod import Automod
from bot.domain.model import Question, QuestionStatus, UserRef
from tests.chat import Chat

ALL = tuple(QuestionStatus)


async def open_qa(chat: Chat, premoderation: bool = True) -> int:
    """Moderation places on both platforms, pre-moderation as asked, and Hugo's live #1."""
    olga = chat.as_("olga", "organizer")
    flag = "oui" if premoderation else "non"
    assert (await olga.says(f"/setup moderation_channel=mods premoderation={flag}")).ok
    code = (await olga.says("/link")).reply.messages[0].text.params["code"]
    assert (await chat.as_("olga", "organizer", space="tgmods").says(f"/link {code} moderation")).ok
    said = await chat.as_("hugo", "host").says('/schedule title="Cuisine facile" when="demain 18h"')
    assert said.ok, said.text
    return 1


async def questions_of(chat: Chat, live_id: int = 1) -> list[Question]:
    async with chat.store.unit() as uow:
        return await uow.questions.by_status(live_id, ALL)


async def member_id(chat: Chat, name: str) -> int:
    async with chat.store.unit() as uow:
        member = await uow.members.by_ref(UserRef("shell", name))
    assert member is not None
    return member.id


async def test_with_premoderation_a_question_waits_and_every_moderation_space_sees_it(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat)
    said = await chat.as_("bob").says("/ask 1 Comment débuter ?")
    assert said.ok and said.key == "question.received.pending"
    assert "Q1" in said
    for space in ("mods", "tgmods"):
        (card,) = chat.posts(space)
        assert "Comment débuter ?" in card and "Bob" in card and "#1" in card
    assert not any("Comment débuter" in post for post in chat.posts("discord"))
    listed = await chat.as_("tia", space="telegram").says("/questions 1")
    assert listed.key == "questions.empty"


async def test_without_premoderation_a_question_is_published_at_once(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    said = await chat.as_("bob").says("/ask 1 Comment débuter ?")
    assert said.key == "question.received.published"
    assert chat.posts("mods") == [] and chat.posts("tgmods") == []
    listed = await chat.as_("tia", space="telegram").says("/questions 1")
    assert listed.key == "questions.list" and not listed.reply.public
    assert "Comment débuter ?" in listed and "Bob" in listed and "0 vote" in listed
    assert ("👍 Q1", "v:1") in listed.buttons()


async def test_a_flagged_question_is_held_even_without_premoderation(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    said = await chat.as_("bob").says("/ask 1 Venez tous sur https://spam.example @everyone")
    assert said.key == "question.received.pending"
    (card,) = chat.posts("mods")
    assert "contient un lien" in card and "mentionne" in card
    assert Automod.default().check("COMMENT ON FAIT POUR CUIRE LES PÂTES") == ("shouting",)
    assert Automod.default().check("Comment débuter ?") == ()


async def test_anonymous_shows_anonymous_to_the_audience_and_the_author_to_moderators(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat)
    said = await chat.as_("bob").says(
        '/ask live=1 anonymous=oui question="Je débute, par où commencer ?"'
    )
    assert said.ok, said.text
    (card,) = chat.posts("mods")
    assert "Bob (anonyme pour le public)" in card
    assert (await chat.as_("mia", "moderator").presses("a:1")).ok
    listed = await chat.as_("tia").says("/questions 1")
    assert "anonyme" in listed and "Bob" not in listed
    hugo = chat.as_("hugo", "host")
    assert (await hugo.says("/golive 1")).ok
    assert (await hugo.says("/next 1")).ok
    for space in ("discord", "telegram"):
        on_air = [p for p in chat.posts(space) if "à l’antenne" in p]
        assert len(on_air) == 1 and "par où commencer" in on_air[0]
        assert "anonyme" in on_air[0] and "Bob" not in on_air[0]


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/ask 1 ab", "question.too_short"),
        ("/ask 1    a     ", "question.too_short"),
        ("/ask 1 " + "x" * 501, "question.too_long"),
        ("/ask 1", "error.missing_field"),
        ("/ask 99 Comment débuter ?", "error.unknown_live"),
        ('/ask live=1 anonymous=peutetre question="Comment débuter ?"', "question.bad_anonymous"),
    ],
)
async def test_bad_input_is_refused_with_its_own_message_and_stores_nothing(
    community: Chat, line: str, key: str
) -> None:
    chat = community
    await open_qa(chat)
    said = await chat.as_("bob").says(line)
    assert not said.ok and said.key == key, said.text
    assert await questions_of(chat) == []
    assert chat.posts("mods") == []


async def test_five_hundred_characters_are_fine(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    assert (await chat.as_("bob").says("/ask 1 " + "x" * 500)).ok


async def test_closed_lives_take_no_questions(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    hugo = chat.as_("hugo", "host")
    assert (await hugo.says('/schedule title="Yoga doux" when="demain 19h"')).ok
    assert (await hugo.says("/cancel 2")).ok
    cancelled = await chat.as_("bob").says("/ask 2 Faut-il un tapis ?")
    assert cancelled.key == "error.live_cancelled"
    assert (await hugo.says("/golive 1")).ok
    assert (await hugo.says("/end 1")).ok
    ended = await chat.as_("bob").says("/ask 1 Comment débuter ?")
    assert ended.key == "error.live_ended"
    assert await questions_of(chat, 1) == [] and await questions_of(chat, 2) == []


async def test_a_fourth_question_in_five_minutes_is_a_flood(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    bob = chat.as_("bob")
    for n in range(3):
        assert (await bob.says(f"/ask 1 Question numéro {n}")).ok
        chat.clock.advance(seconds=30)
    flood = await bob.says("/ask 1 Question numéro 4")
    assert flood.key == "question.flood" and "3 questions en 5 minutes" in flood
    assert len(await questions_of(chat)) == 3
    assert (await chat.as_("tia").says("/ask 1 Une autre personne peut demander")).ok
    chat.clock.advance(minutes=5)
    assert (await bob.says("/ask 1 Question numéro 4")).ok


async def test_votes_one_per_member_never_on_ones_own_question(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    own = await chat.as_("bob").presses("v:1")
    assert own.key == "vote.own"
    tia = chat.as_("tia", space="telegram")
    first = await tia.presses("v:1")
    assert first.key == "vote.done" and "1 vote" in first
    again = await tia.presses("v:1")
    assert again.key == "vote.already"
    other = await chat.as_("zoe").presses("v:1")
    assert "2 votes" in other
    assert (await questions_of(chat))[0].votes == 2
    assert (await tia.presses("v:42")).key == "question.unknown"


async def test_a_merge_group_counts_once_and_its_authors_cannot_vote(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Comment débuter en cuisine ?")
    await chat.as_("carl").says("/ask 1 Comment débuter la cuisine ?")
    tia = chat.as_("tia")
    assert (await tia.presses("v:2")).ok  # before the merge, on Carl's question
    assert (await chat.as_("mia", "moderator").says("/merge Q2 Q1")).ok
    assert (await chat.as_("carl").presses("v:1")).key == "vote.own"
    assert (await chat.as_("bob").presses("v:2")).key == "vote.own"
    assert (await tia.presses("v:1")).key == "vote.already"
    zoe = await chat.as_("zoe").presses("v:2")  # counts for the question it joined
    assert zoe.key == "vote.done" and "Q1" in zoe and "2 votes" in zoe


async def test_pending_questions_take_no_votes(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    assert (await chat.as_("tia").presses("v:1")).key == "vote.not_open"


async def test_next_puts_the_most_voted_then_oldest_on_air_in_every_announce_space(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Question A de Bob")
    chat.clock.advance(minutes=1)
    await chat.as_("carl").says("/ask 1 Question B de Carl")
    chat.clock.advance(minutes=1)
    await chat.as_("dan").says("/ask 1 Question C de Dan")
    chat.clock.advance(minutes=1)
    await chat.as_("eve").says("/ask 1 Question D de Eve")
    for voter in ("tia", "zoe"):
        await chat.as_(voter).presses("v:2")
    await chat.as_("tia").presses("v:4")
    hugo = chat.as_("hugo", "host")
    assert (await hugo.says("/next 1")).key == "next.not_live"
    assert (await hugo.says("/golive 1")).ok
    order = []
    for _ in range(4):
        said = await hugo.says("/suivante 1")
        assert said.key == "next.done", said.text
        order.append(said.text)
    assert ["Question B" in order[0], "Question D" in order[1]] == [True, True]
    assert "Question A" in order[2] and "Question C" in order[3]
    assert (await hugo.says("/next 1")).key == "next.none"
    for space in ("discord", "telegram"):
        on_air = [p for p in chat.posts(space) if "à l’antenne" in p]
        assert [p.split("« ")[-1][:10] for p in on_air] == [
            "Question B", "Question D", "Question A", "Question C",
        ]  # fmt: skip
    statuses = {q.id: q.status for q in await questions_of(chat)}
    # Nothing left: the last question on air is answered all the same.
    assert set(statuses.values()) == {QuestionStatus.ANSWERED}


async def test_the_on_air_question_comes_first_and_is_marked(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Question A de Bob")
    await chat.as_("carl").says("/ask 1 Question B de Carl")
    await chat.as_("tia").presses("v:1")
    hugo = chat.as_("hugo", "host")
    await hugo.says("/golive 1")
    await hugo.says("/next 1")  # A, the most voted
    await chat.as_("tia").presses("v:2")
    await chat.as_("zoe").presses("v:2")  # B now has more votes than A
    listed = await chat.as_("zoe").says("/questions 1")
    lines = listed.text.splitlines()
    assert "À l’antenne" in lines[1] and "Question A" in lines[1]
    assert "Question B" in lines[2] and "2 votes" in lines[2]


async def test_who_may_call_next(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    await chat.as_("hugo", "host").says("/golive 1")
    assert (await chat.as_("bob").says("/next 1")).key == "error.not_host_of_live"
    other_host = await chat.as_("ines", "host").says("/next 1")
    assert other_host.key == "error.not_host_of_live"
    assert await questions_of(chat) and (await questions_of(chat))[0].status == "approved"
    assert (await chat.as_("mia", "moderator").says("/next 1")).key == "next.done"


async def test_no_votes_once_the_live_has_ended(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    await chat.as_("bob").says("/ask 1 Comment débuter ?")
    hugo = chat.as_("hugo", "host")
    await hugo.says("/golive 1")
    await hugo.says("/end 1")
    assert (await chat.as_("tia").presses("v:1")).key == "vote.closed"


async def test_english_speakers_get_english(community: Chat) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    ann = chat.as_("ann")
    assert (await ann.says("/settings language=en")).ok
    said = await ann.says("/ask 1 ab")
    assert said.text.startswith("Your question is too short")
    assert "is published" in await ann.says("/ask 1 How do I start?")
    assert await member_id(chat, "ann") > 0
