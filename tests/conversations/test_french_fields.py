"""Fields and their values have French names too, for every command, as the commands do:
`/reglages langue=en`, `/planifier titre=… quand=… durée=90`, `anonyme=oui`, `/chiffres tout`."""

from __future__ import annotations

import pytest

from bot.domain.model import Live, LiveStatus, Question
from tests.chat import Chat, Persona


async def live_of(chat: Chat, live_id: int) -> Live:
    async with chat.store.unit() as uow:
        found = await uow.lives.get(live_id)
    assert found is not None
    return found


async def question_of(chat: Chat, question_id: int) -> Question:
    async with chat.store.unit() as uow:
        found = await uow.questions.get(question_id)
    assert found is not None
    return found


async def ok(who: Persona, line: str) -> str:
    who.chat.clock.advance(seconds=2)  # clear of the flood gate
    said = await who.says(line)
    assert said.ok, (line, said.text)
    return said.text


async def test_reglages_langue_en_switches_to_english(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/reglages langue=en")
    assert said.ok and said.key == "settings.saved", said.text
    assert said.text.startswith("Saved ✅")


@pytest.mark.parametrize(
    "line",
    [
        "/reglages langue=anglais fuseau=America/New_York rappels=2h mp=non",
        "/reglages Langue=English Fuseau=America/New_York Rappels=2h messages_privés=NON",
        "/reglages langue: anglais\nfuseau: America/New_York\nrappels: 2h\nmp: non",
    ],
)
async def test_every_setting_by_its_french_name(community: Chat, line: str) -> None:
    bob = community.as_("bob")
    await ok(bob, line)
    async with community.store.unit() as uow:
        member = await uow.members.by_ref(bob.ref)
    assert member is not None
    assert (member.language, member.timezone) == ("en", "America/New_York")
    assert (member.reminders, member.dms) == (("2h",), False)


async def test_one_setting_named_then_given(community: Chat) -> None:
    bob = community.as_("bob")
    await ok(bob, "/reglages langue anglais")
    assert (await bob.says("/reglages")).text.startswith("Your settings:")


async def test_an_unknown_setting_lists_the_settings_in_the_reader_s_words(
    community: Chat,
) -> None:
    said = await community.as_("bob").says("/reglages couleur=rouge")
    assert said.key == "settings.unknown_field"
    assert said.text == (
        "Je ne connais pas le réglage « couleur=rouge » (langue, fuseau, rappels, messages_privés)."
    )


async def test_a_live_scheduled_entirely_in_french(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(
        olga,
        '/planifier titre="Cours de cuisine" quand="demain 18h" durée=90 places=3 '
        "lien=https://exemple.org/live étiquettes=cuisine répétition=hebdo nombre=3",
    )
    first = await live_of(community, 1)
    assert (first.title, first.duration_min, first.capacity) == ("Cours de cuisine", 90, 3)
    assert (first.link, first.tags) == ("https://exemple.org/live", ("cuisine",))
    assert (await live_of(community, 3)).series_id == first.series_id
    await ok(olga, "/annuler 2 série=toutes raison=Vacances")
    assert (await live_of(community, 3)).status is LiveStatus.CANCELLED
    assert (await live_of(community, 1)).status is LiveStatus.SCHEDULED


async def test_the_multi_line_form_in_french_without_accents(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    await ok(
        olga, "/planifier\ntitre: Initiation à Python\nquand: demain 18h\nduree: 45\ncapacite: 7"
    )
    created = await live_of(community, 1)
    assert (created.title, created.duration_min, created.capacity) == ("Initiation à Python", 45, 7)


async def test_ask_anonymously_in_french(community: Chat) -> None:
    await ok(community.as_("olga", "organizer"), '/planifier titre="Yoga" quand="demain 18h"')
    await ok(community.as_("bob"), '/question live=1 anonyme=oui question="Comment débuter ?"')
    assert (await question_of(community, 1)).anonymous


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("/chiffres période=tout", "stats.empty"),
        ("/exporter quoi=inscriptions", "export.empty"),
        ("/configurer langue=anglais prémodération=non", "setup.updated"),
    ],
)
async def test_values_by_their_french_names(community: Chat, line: str, key: str) -> None:
    said = await community.as_("olga", "organizer").says(line)
    assert said.ok and said.key == key, said.text


async def test_refusals_name_the_field_as_the_reader_does(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    said = await olga.says('/planifier titre="Yoga" quand="demain 18h" places=0')
    assert "« 0 » ne va pas pour places : donne un nombre entre 1 et 100000." in said
    said = await olga.says('/planifier titre="Yoga" quand="demain 18h" durée=3')
    assert "« 3 » ne va pas pour durée" in said
    said = await community.as_("bob").says("/reglages mp=peut-être")
    assert said.text == "« peut-être » ne va pas pour messages_privés : réponds oui ou non."
    assert (await olga.says("/settings language=en")).ok
    said = await olga.says('/schedule title="Yoga" when="tomorrow 6pm" duration=3')
    assert "“3” won’t do for duration" in said


async def test_a_field_a_command_does_not_take_lists_those_it_does(community: Chat) -> None:
    said = await community.as_("olga", "organizer").says("/annuler 1\nmotif: malade\nhumeur: bof")
    assert said.key == "error.fields.unknown_field"
    assert said.text == (
        "Je ne connais pas le champ « humeur » pour /annuler. Champs possibles : live, raison, série."
    )
