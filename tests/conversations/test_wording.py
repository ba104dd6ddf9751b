"""Words that fit what happened, and everyone: zero has its own sentence, "they are told" only
when somebody was, a finished live shows no seats, and French wording is not masculine-only."""

from __future__ import annotations

import re

import pytest

from bot.core import codec
from bot.i18n.catalog import catalog
from tests.chat import Chat, Persona, Said
from tests.conversations.test_questions import open_qa


async def ok(who: Persona, line: str) -> Said:
    who.chat.clock.advance(seconds=2)  # clear of the flood gate
    said = await who.says(line) if line.startswith("/") else await who.presses(line)
    assert said.ok, (line, said.text)
    return said


async def test_a_live_ended_with_no_question_left_says_so_in_its_own_sentence(
    community: Chat,
) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, '/planifier titre="Yoga" quand="dans 1 heure"')
    await ok(olga, "/endirect 1")
    said = await ok(olga, "/terminer 1")
    assert said.text == (
        "Live #1 « Yoga » terminé. Aucune question approuvée n’est restée sans réponse."
    )


async def test_cancelling_a_live_nobody_joined_tells_nobody_and_says_nothing_of_it(
    community: Chat,
) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, '/planifier titre="Yoga" quand="demain 18h"')
    said = await ok(olga, "/annuler 1")
    assert said.text == "Le live #1 « Yoga » est annulé."
    assert (await ok(olga, "/settings language=en")).ok
    await ok(olga, '/schedule title="Pilates" when="tomorrow 6pm"')
    assert (await ok(olga, "/cancel 2")).text == "Live #2 “Pilates” is cancelled."


async def test_cancelling_says_how_many_people_were_told_once_each(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, '/planifier titre="Yoga" quand="demain 18h" répétition=hebdo nombre=3')
    await ok(community.as_("bob"), "/participer 1")
    await ok(community.as_("bob"), "/participer 2")
    said = await ok(olga, "/annuler 1 série=toutes")
    assert said.text == "3 lives annulés à partir du #1 « Yoga ». 1 personne inscrite est prévenue."


@pytest.mark.parametrize("end", ["/annuler 1", "/terminer 1"])
async def test_a_cancelled_or_ended_live_shows_no_seats(community: Chat, end: str) -> None:
    olga = community.as_("olga", "organizer")
    await ok(olga, '/planifier titre="Yoga" quand="dans 1 heure"')
    await ok(community.as_("bob"), "/participer 1")
    if end == "/terminer 1":
        await ok(olga, "/endirect 1")
    await ok(olga, end)
    card = (await ok(community.as_("ann"), "/direct 1")).text
    assert "👥" not in card and "places" not in card and "inscriptions" not in card
    assert ("Annulé" if end == "/annuler 1" else "Terminé") in card
    await community.core.outbox.flush()  # type: ignore[union-attr]
    announcement = community.posts("discord")[0]  # edited in place as the live changed
    assert community.platform.edits, "the announcement was kept up to date"
    assert "👥" in announcement  # as first posted, when seats meant something
    assert "👥" not in community.platform.edits[-1].text


async def test_a_rejection_says_the_asker_is_told_only_when_someone_else_asked(
    community: Chat,
) -> None:
    await open_qa(community)
    mia = community.as_("mia", "moderator")
    await ok(community.as_("bob"), "/question 1 Comment débuter ?")
    await ok(mia, "/question 1 Une question à moi ?")
    assert (await ok(mia, "/refuser Q1")).text == (
        "Q1 est refusée. La personne qui l’a posée est prévenue."
    )
    assert (await ok(mia, "/refuser Q2")).text == "Q2 est refusée."


async def test_a_declined_proposal_says_its_author_is_told_only_when_there_is_one(
    community: Chat,
) -> None:
    await open_qa(community)
    bob, mia = community.as_("bob"), community.as_("mia", "moderator")
    await ok(bob, '/proposer titre="Tricot" description="Les bases"')
    await ok(bob, '/proposer titre="Crochet" description="Les bases"')
    said = await ok(mia, codec.encode("decline", 1))
    assert said.text == (
        "Proposition 1 « Tricot » déclinée. La personne qui l’a faite est prévenue avec un mot gentil."
    )
    await ok(bob, "/oubliemoi oui")
    assert (await ok(mia, codec.encode("decline", 2))).text == "Proposition 2 « Crochet » déclinée."


async def test_sign_up_refusals_fit_everyone(community: Chat) -> None:
    await ok(community.as_("olga", "organizer"), '/planifier titre="Yoga" quand="demain 18h"')
    bob = community.as_("bob")
    said = await bob.says("/desinscrire 1")
    assert said.text == "Tu ne participes pas au live #1 « Yoga »."
    await ok(bob, "/participer 1")
    assert (await bob.says("/participer 1")).text == "Tu participes déjà au live #1 « Yoga »."
    said = await community.as_("ann").says("/mesinscriptions")
    assert said.text == "Tu ne participes à aucun live à venir. Tape /programme pour en trouver un."


# Masculine-only forms that have a wording fitting everyone; a French text may not use them.
MASCULINE_ONLY = (
    r"\binscrits?\b",
    r"\bprésents?\b",
    r"\b(un|les|aux|des) (modérateurs?|organisateurs?|animateurs?)\b",
    r"\bseuls\b",
    r"\bson auteur\b",
    r"(?<!toutes et )\bà tous\b",
    r"\bchacun (peut|doit)\b",
    r"\btu es prêt\b",
    r"\best pas suspendu\b",
    r"\bdésolé\b",
    r"\bmuet\b",
)


def test_the_french_catalogs_use_wording_that_fits_everyone() -> None:
    found = []
    for message in catalog("fr"):
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for form in forms:
            found += [(message.id, p) for p in MASCULINE_ONLY if re.search(p, form, re.I)]
    assert found == []
