"""Auto-moderation: each reason in French and English, evasions caught, innocent words left alone."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.qa.questions import similarity
from bot.domain.automod import REASONS, Automod, parse_lexicon
from bot.domain.model import QuestionStatus
from tests.chat import Chat
from tests.conversations.test_questions import open_qa, questions_of

AUTOMOD = Automod.default()


@pytest.mark.parametrize(
    ("text", "reasons"),
    [
        ("Comment débuter en Python ?", ()),
        ("How do I get started with Rust?", ()),
        ("T'es qu'un connard", ("insult",)),
        ("Quelle bande de salopes", ("insult",)),
        ("fils de pute va", ("insult",)),
        ("You are a bitch", ("insult",)),
        ("what the fuck is this", ("insult",)),
        ("Regardez sur https://promo.example/x", ("link",)),
        ("Go to www.spam.net now", ("link",)),
        ("mon site example.com est top", ("link",)),
        ("rejoignez discord.gg/abc", ("link",)),
        ("@everyone venez voir", ("mention",)),
        ("hello @here", ("mention",)),
        ("ping <@123456> et <@&42> dans <#99>", ("mention",)),
        ("COMMENT ON FAIT POUR CUIRE LES PÂTES", ("shouting",)),
        ("WHY IS THIS NOT WORKING AT ALL", ("shouting",)),
        ("Pourquoi ???????", ("repeated",)),
        ("Whyyyyyy though", ("repeated",)),
        ("non non non non c'est faux", ("repeated",)),
        ("please please please please answer", ("repeated",)),
        ("CONNARD VA SUR WWW.SPAM.COM @everyone !!!!!!", REASONS),
    ],
)
def test_each_reason_in_french_and_english(text: str, reasons: tuple[str, ...]) -> None:
    assert AUTOMOD.check(text) == reasons


@pytest.mark.parametrize(
    "text",
    [
        "Espèce d'ENCULÉ",  # capitals, accent written
        "espece d'encule",  # accent left out
        "espèce d'3ncul3",  # leetspeak
        "gros c0nn4rd",
        "$alope",
        "b1tch please",
        "@sshole",
        "connnnnard",  # letters repeated
        "sh1iiiiit",
        "fils-de-pute",
        "ﬁls de pute",  # a ligature, folded by NFKD
        "les connards",  # plural
        "bitches",
    ],
)
def test_evasions_are_caught(text: str) -> None:
    assert "insult" in AUTOMOD.check(text)


@pytest.mark.parametrize(
    "text",
    [
        "I grew up near Scunthorpe",  # cunt
        "Une classe de Python pour débutants",  # ass, as a substring
        "Un assassin dans le roman ?",
        "Quel computer pour débuter ?",  # pute
        "Comment disputer une amende ?",
        "Comment soigner sa réputation en ligne ?",
        "Quelle technique pour pétrir ?",  # nique
        "Ma salopette est tachée, que faire ?",  # salope
        "Which cocktail with gin?",  # cock
        "How to cook shitake mushrooms?",  # shit
        "Is Dickens worth reading?",
        "Un voyage dans le Sussex ?",
        "Gagner 1000000 d'euros, possible ?",  # digits are not a flood
        "très très très bien",  # three times is emphasis
        "Comment lire un fichier .txt en Python 3.12 ?",
        "MERCI !",  # short capitals are not shouting
        "Le NASA et le CNRS ont-ils collaboré ?",
    ],
)
def test_innocent_words_are_not_flagged(text: str) -> None:
    assert AUTOMOD.check(text) == ()


def test_a_community_extends_the_lexicon_without_touching_the_default() -> None:
    ours = AUTOMOD.extend(["boloss", "  ", "gros nul"])
    assert ours.check("t'es un boloss") == ("insult",)
    assert ours.check("t'es un BOL0SSS") == ("insult",)
    assert ours.check("quel gros-nul") == ("insult",)
    assert ours.check("t'es un connard") == ("insult",)
    assert AUTOMOD.check("t'es un boloss") == ()
    assert ours.extend(["boloss"]) is ours


def test_an_empty_lexicon_still_checks_the_other_reasons() -> None:
    assert Automod().check("connard https://x.fr") == ("link",)
    assert Automod(("", "#")).check("connard") == ()


def test_lexicon_files_are_short_commented_lists() -> None:
    assert parse_lexicon("# what\nfoo  # note\n\n bar \n") == ("foo", "bar")
    assert 80 <= len(AUTOMOD.terms) <= 160
    assert {"connard", "salope", "enculé", "pute", "bitch", "cunt"} <= set(AUTOMOD.terms)
    assert Automod.default() is AUTOMOD  # read and compiled once


@given(st.text(max_size=300))
def test_any_text_gives_known_reasons(text: str) -> None:
    reasons = AUTOMOD.check(text)
    assert set(reasons) <= set(REASONS)
    assert list(reasons) == sorted(reasons, key=REASONS.index)


@given(st.lists(st.text(max_size=20), max_size=5), st.text(max_size=100))
def test_any_community_terms_compile(terms: list[str], text: str) -> None:
    assert set(AUTOMOD.extend(terms).check(text)) <= set(REASONS)


def test_similarity_ignores_case_accents_and_punctuation_but_not_subsets() -> None:
    assert similarity("Comment débuter en Python ?", "comment debuter en python") == 100
    assert similarity("Comment on débute en Python ?", "Comment débuter en Python ?") >= 80
    assert similarity("Python ?", "Comment débuter en Python ?") < 80
    assert similarity("Comment cuire les pâtes ?", "Comment cuire le riz ?") < 80


async def test_an_insult_is_held_even_without_premoderation_and_moderators_see_why(
    community: Chat,
) -> None:
    chat = community
    await open_qa(chat, premoderation=False)
    said = await chat.as_("bob").says("/ask 1 Pourquoi l'animateur est un c0nnard ?")
    assert said.key == "question.received.pending"
    (q,) = await questions_of(chat)
    assert q.status is QuestionStatus.PENDING and q.flags == ("insult",)
    for space in ("mods", "tgmods"):
        (card,) = chat.posts(space)
        assert "contient une insulte" in card and "c0nnard" in card
    listed = await chat.as_("tia", space="telegram").says("/questions 1")
    assert listed.key == "questions.empty"
    clean = await chat.as_("carl").says("/ask 1 Comment débuter ?")
    assert clean.key == "question.received.published"


async def test_similar_questions_offer_a_merge(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    mia = chat.as_("mia", "moderator")
    await chat.as_("bob").says("/ask 1 Comment débuter en Python ?")
    assert (await mia.presses("a:1")).ok
    await chat.as_("carl").says("/ask 1 comment debuter en python")
    await chat.as_("dan").says("/ask 1 Python ?")
    queue = await mia.says("/queue 1")
    assert ("Fusionner avec Q1", "m:2:1") in queue.buttons()
    assert not any(action.startswith("m:3:") for _, action in queue.buttons())


async def test_a_community_adds_its_own_words_and_they_hold_questions(community: Chat) -> None:
    chat = community
    await open_qa(chat)
    olga = chat.as_("olga", "organizer")
    assert (await olga.says('/setup lexicon="brocoli, navet"')).ok
    said = await chat.as_("bob").says("/ask 1 Qui aime le BROCOLI ici ?")
    assert said.key == "question.received.pending"
    held = await chat.as_("mia", "moderator").says("/queue 1")
    assert "insulte" in held.text
    assert (await olga.says("/setup lexicon=-")).ok
    assert (
        await olga.says(f'/setup lexicon="{",".join(str(n) for n in range(101))}"')
    ).key == "setup.bad_lexicon"


def test_another_community_s_words_are_not_ours() -> None:
    base = Automod.default()
    ours = base.with_terms(("brocoli",))
    assert ours.check("du brocoli") == ("insult",)
    assert base.check("du brocoli") == ()
    assert base.with_terms(("brocoli",)) is ours  # compiled once
