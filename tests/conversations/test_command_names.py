"""Every command is named in the reader's language (a French reader reads `/propositions`, never
`/proposals`), every command `/aide` shows is one that works when typed, and `/aide <commande>`
gives an example to copy, in the reader's words, dated from today."""

from __future__ import annotations

import pytest

from bot.core import codec
from bot.domain.model import QuestionStatus
from tests.chat import Chat, Persona, Said
from tests.conversations.test_questions import open_qa, questions_of

A_WEEK_AHEAD = "2026-11-29 18:30"  # the chat's clock says Sunday 22 November 2026


def help_words(said: Said) -> list[str]:
    """The commands `/aide` lists, one a line: `/participer <live> : …` -> `participer`."""
    return [line.split()[0][1:] for line in said.text.splitlines() if line.startswith("/")]


async def says_ok(who: Persona, line: str) -> Said:
    who.chat.clock.advance(seconds=2)  # clear of the flood gate
    said = await who.says(line)
    assert said.ok, (line, said.text)
    return said


@pytest.mark.parametrize(
    ("who", "role", "line", "french", "english"),
    [
        ("mia", "moderator", codec.encode("accept", 99), "Voir /propositions.", "See /proposals."),
        ("hugo", "host", "/edit 1", "Exemple : /modifier 1 titre=", "Example: /edit 1 title="),
        ("bob", "member", "/ask 1 ab", "Exemple : /question 12 Comment", "Example: /ask 12 How"),
        ("mia", "moderator", "/mute @bob", "Pour lever la mesure : /demuet", "To lift it: /unmute"),
        ("bob", "member", "/queue 1", "d’utiliser /file ici", "to use /queue here"),
    ],
)
async def test_a_refusal_or_an_answer_names_commands_as_its_reader_types_them(
    community: Chat, who: str, role: str, line: str, french: str, english: str
) -> None:
    await open_qa(community)
    await says_ok(community.as_("bob"), "/join 1")  # a member the moderators can name
    person = community.as_(who, role)
    run = person.presses if line.startswith(("p:",)) else person.says
    assert french in (await run(line)).text
    await says_ok(person, "/settings language=en")
    assert english in (await run(line)).text


async def test_the_moderators_commands_help_lists_are_accepted_with_their_french_names(
    community: Chat,
) -> None:
    await open_qa(community)
    for n, who in enumerate(("bob", "carl", "dan", "eve")):
        await says_ok(community.as_(who), f"/question 1 Question numéro {n} ?")
    mia = community.as_("mia", "moderator")
    shown = help_words(await says_ok(mia, "/aide"))
    assert {"approuver", "refuser", "fusionner", "vote", "file"} <= set(shown)
    assert {"approve", "reject", "merge"}.isdisjoint(shown)
    said = await says_ok(mia, "/approuver Q1 Q2 Q4")
    assert said.text == "Q1, Q2, Q4 : approuvées, visibles par tout le monde."
    said = await says_ok(mia, "/refuser Q3 Hors sujet")
    assert said.text == "Q3 est refusée. La personne qui l’a posée est prévenue."
    assert any("Motif : Hors sujet" in m for m in community.inbox("dan"))
    assert (await says_ok(community.as_("eve"), "/vote Q1")).key == "vote.done"
    said = await says_ok(mia, "/fusionner Q2 Q1")
    assert said.key == "moderation.merged"
    statuses = [q.status for q in await questions_of(community)]
    assert statuses == [
        QuestionStatus.APPROVED,
        QuestionStatus.MERGED,
        QuestionStatus.REJECTED,
        QuestionStatus.APPROVED,
    ]


async def test_approving_several_is_all_or_nothing(community: Chat) -> None:
    await open_qa(community)
    for who in ("bob", "carl"):
        await says_ok(community.as_(who), f"/ask 1 Une question de {who} ?")
    mia = community.as_("mia", "moderator")
    await says_ok(mia, "/refuser Q2")
    said = await mia.says("/approve Q1 Q2")
    assert not said.ok and said.key == "moderation.already_decided"
    first, _ = await questions_of(community)
    assert first.status is QuestionStatus.PENDING
    assert community.inbox("bob") == []  # told nothing: nothing happened
    said = await mia.says("/approve Q1 Q9")
    assert said.key == "question.unknown" and "« Q9 »" in said


async def test_every_command_help_lists_is_a_command_that_answers(community: Chat) -> None:
    """Typed bare, each listed command is understood (asks for what it lacks, or answers)."""
    olga = community.as_("olga", "organizer")
    words = help_words(await says_ok(olga, "/aide"))
    assert len(words) > 30
    for word in words:
        community.clock.advance(seconds=2)
        said = await olga.says(f"/{word}")
        if said.key.startswith("guide."):
            await olga.says("/arreter")
        assert said.key not in ("error.unknown_command", "error.forbidden"), (word, said.text)


async def test_help_with_a_command_gives_an_example_dated_from_today(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    said = await says_ok(olga, "/aide planifier")
    assert said.text == "\n".join(
        [
            "/planifier : planifier un live : titre=… quand=… "
            "(durée, places, lien, tags, répétition, nombre)",
            f'Exemple : /planifier titre="Initiation à Python" quand="{A_WEEK_AHEAD}" '
            "durée=90 places=50",
        ]
    )
    example = said.text.split("Exemple : ")[1]
    assert (await says_ok(olga, example)).key == "live.scheduled"
    said = await says_ok(olga, "/aide /refuser")
    assert said.text == (
        "/refuser <question> [raison] : refuser une question (avec une raison si tu veux)\n"
        "Exemple : /refuser Q45 Hors sujet"
    )
    await says_ok(olga, "/settings language=en")
    said = await says_ok(olga, "/help schedule")
    assert said.text.endswith(
        f'Example: /schedule title="Intro to Python" when="{A_WEEK_AHEAD}" duration=90 capacity=50'
    )


async def test_help_has_an_example_for_every_command_it_lists(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    for word in help_words(await says_ok(olga, "/aide")):
        said = await says_ok(olga, f"/aide {word}")
        assert said.key == "help.command"
        assert f"\nExemple : /{word}" in said.text, said.text


async def test_help_about_an_unknown_command_says_so(community: Chat) -> None:
    said = await community.as_("bob").says("/aide voler")
    assert not said.ok and said.key == "help.unknown"
    assert said.text == "Je ne connais pas la commande « voler ». Tape /aide pour voir la liste."


async def test_help_says_how_to_get_an_example(community: Chat) -> None:
    said = await says_ok(community.as_("bob"), "/aide")
    assert "Pour un exemple, tape /aide suivi d’une commande : /aide participer" in said


async def test_a_missing_field_shows_the_example_of_its_command(community: Chat) -> None:
    said = await community.as_("bob").says("/participer")
    assert said.text == "Il manque « live » pour /participer. Exemple : /participer 12"
    said = await community.as_("bob", space=None).says("/question")  # a guided form in private
    assert said.key == "guide.ask.live"
