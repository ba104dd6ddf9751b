"""Every bad input gets its own short message in the member's language, and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.storage.tables import deliveries, live_hosts, lives, questions, ratings, signups
from tests.chat import Chat, Said

TABLES = (lives, live_hosts, signups, ratings, questions, deliveries)
LONG_TITLE = "x" * 101
LONG_TEXT = "y" * 1001
# The spec's example, with its date built from today (Sunday 22 November 2026): a week ahead.
SPEC_EXAMPLE = (
    "Je n’ai pas compris la date « 31 février ». Exemple : 2026-11-29 18:30 ou « demain 18h »."
)


@pytest.fixture
async def world(community: Chat) -> Chat:
    """#1 open (Bob and Ann signed up, capacity 5), #2 cancelled, #3 ended."""
    chat = community
    olga = chat.as_("olga", "organizer")
    for title, when in (("Cours de cuisine", "demain 18h"), ("Annulé", "demain 19h")):
        said = await olga.says(f'/schedule title="{title}" when="{when}" capacity=5')
        assert said.ok, said.text
    assert (await olga.says('/schedule title="Terminé" when="dans 1 heure"')).ok
    chat.clock.advance(seconds=11)
    for line in ("/cancel 2", "/golive 3", "/end 3"):
        assert (await olga.says(line)).ok, line
    for name in ("bob", "ann"):
        assert (await chat.as_(name).says("/join 1")).ok
    chat.clock.advance(seconds=11)  # a fresh flood window for the case under test
    return chat


async def snapshot(chat: Chat) -> dict[str, list[Any]]:
    async with chat.store.unit() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        return {
            table.name: sorted((await conn.execute(select(table))).all(), key=repr)
            for table in TABLES
        }


async def run(chat: Chat, who: str, line: str) -> Said:
    role = "organizer" if who == "olga" else "member"
    persona = chat.as_(who, role)
    if line.startswith("press "):
        return await persona.presses(line.removeprefix("press "))
    return await persona.says(line)


def schedule(fields: str) -> str:
    return f'/schedule title="Cours de yoga" {fields}'


CASES_FR = [
    # unknown, cancelled and ended lives
    ("bob", "/join 999", "error.unknown_live", "Je ne trouve pas le live « 999 »"),
    ("bob", "/join abc", "error.unknown_live", "Je ne trouve pas le live « abc »"),
    ("bob", "/join 2", "error.live_cancelled", "Le live #2 a été annulé."),
    ("bob", "/leave 2", "error.live_cancelled", "Le live #2 a été annulé."),
    ("bob", "/join 3", "error.live_ended", "Le live #3 est terminé."),
    ("bob", "/live 999", "error.unknown_live", "Je ne trouve pas le live « 999 »"),
    ("olga", "/golive 3", "golive.not_scheduled", "ne peut pas passer en direct"),
    ("olga", "/end 1", "end.not_live", "Le live #1 n’est pas en direct."),
    ("olga", "/edit 2 title=Nouveau", "live.not_editable", "ne peut plus être modifié"),
    ("olga", "/cancel 3", "live.not_cancellable", "ne peut plus être annulé"),
    ("olga", "/publish 1", "live.not_draft", "n’est pas un brouillon"),
    ("bob", "press t:1:5", "rate.not_ended", "une fois terminé"),
    # dates
    ("olga", schedule('when="2026-11-20 18:00"'), "when.too_soon", "au moins 5 minutes"),
    ("olga", schedule('when="dans 2 minutes"'), "when.too_soon", "au moins 5 minutes"),
    ("olga", schedule('when="2028-01-05 18:00"'), "when.too_far", "au plus un an"),
    ("olga", schedule("when=demain"), "when.no_time", "Il manque l’heure dans « demain »"),
    ("olga", schedule('when="31 février"'), "when.unparsed", SPEC_EXAMPLE),
    ("olga", schedule('when="2027-03-28 02:30"'), "when.nonexistent", "n’existe pas"),
    ("olga", '/edit 1 when="2026-11-20 18:00"', "when.too_soon", "au moins 5 minutes"),
    # texts
    ("olga", '/schedule title="ab" when="demain 18h"', "live.bad.title", "entre 3 et 100"),
    ("olga", f'/schedule title="{LONG_TITLE}" when="demain 18h"', "live.bad.title", "entre 3"),
    ("olga", '/schedule when="demain 18h"', "live.bad.missing", "au moins un titre et une date"),
    (
        "olga",
        schedule(f'when="demain 18h" description="{LONG_TEXT}"'),
        "error.too_long",
        "« description » est trop long (1000 caractères au plus)",
    ),
    ("olga", f"/cancel 1 {'z' * 301}", "error.too_long", "« raison » est trop long"),
    # links
    ("olga", schedule('when="demain 18h" link=ftp://x'), "error.bad_url", "« ftp://x » n’est pas"),
    ("olga", schedule('when="demain 18h" link=notaurl'), "error.bad_url", "« notaurl » n’est pas"),
    ("olga", "/end 3 javascript:alert(1)", "error.bad_url", "n’est pas un lien valide"),
    # numbers
    (
        "olga",
        schedule('when="demain 18h" capacity=0'),
        "error.bad_number",
        "« 0 » ne va pas pour places : donne un nombre entre 1 et 100000.",
    ),
    ("olga", schedule('when="demain 18h" capacity=100001'), "error.bad_number", "« 100001 »"),
    ("olga", schedule('when="demain 18h" capacity=abc'), "error.bad_number", "« abc » ne va pas"),
    ("olga", schedule('when="demain 18h" duration=4'), "error.bad_number", "entre 5 et 600"),
    ("olga", schedule('when="demain 18h" duration=601'), "error.bad_number", "entre 5 et 600"),
    ("olga", "/edit 1 capacity=1", "live.capacity_below", "2 personnes sont déjà inscrites"),
    # tags and series
    ("olga", schedule('when="demain 18h" tags=a,b,c,d,e,f'), "live.bad.tags", "5 tags au plus"),
    ("olga", schedule('when="demain 18h" repeat=daily'), "live.bad.repeat", "« daily » ne va"),
    (
        "olga",
        schedule('when="demain 18h" repeat=weekly count=1'),
        "error.bad_number",
        "pour nombre : donne un nombre entre 2 et 52",
    ),
    ("olga", schedule('when="demain 18h" repeat=weekly count=53'), "error.bad_number", "2 et 52"),
    ("olga", '/edit 1 title="Autre" series=all', "live.not_series", "ne fait pas partie"),
    # permissions
    ("bob", schedule('when="demain 18h"'), "error.forbidden", "le droit d’utiliser /planifier ici"),
    ("bob", "/edit 1 title=Pris", "error.not_host_of_live", "les personnes qui animent le live #1"),
    ("bob", "/cancel 1", "error.not_host_of_live", "Seules les personnes qui animent le live #1"),
    ("bob", "/golive 1", "error.not_host_of_live", "Seules les personnes qui animent le live #1"),
    # commands and fields
    ("bob", "/foo", "error.unknown_command", "Je ne connais pas la commande /foo"),
    (
        "olga",
        '/schedule when="demain 18h" title="Cours de cuisine',
        "error.fields.unclosed_quote",
        "Il manque un guillemet fermant",
    ),
    ("olga", "/schedule title=abc title=abd", "error.fields.duplicate", "« title » est donné"),
    (
        "bob",
        "/join 1 2",
        "error.fields.too_many",
        "pour /participer (« 2 »). Exemple : /participer 12",
    ),
    ("bob", "press zz:1", "error.unknown_command", "Je ne connais pas la commande"),
]

CASES_EN = [
    ("bob", "/join 999", "error.unknown_live", "I can’t find the live “999”"),
    ("bob", "/join 2", "error.live_cancelled", "Live #2 has been cancelled."),
    ("bob", "/join 3", "error.live_ended", "Live #3 has ended."),
    ("olga", schedule("when=demain"), "when.no_time", "The time is missing in “demain”"),
    ("olga", schedule('when="31 février"'), "when.unparsed", "I didn’t understand the date"),
    ("olga", schedule('when="demain 18h" capacity=abc'), "error.bad_number", "won’t do for"),
    ("olga", schedule('when="demain 18h" link=notaurl'), "error.bad_url", "is not a valid link"),
    ("bob", schedule('when="demain 18h"'), "error.forbidden", "You are not allowed"),
    ("bob", "/foo", "error.unknown_command", "I don’t know the command /foo"),
]


def _ids(cases: list[tuple[str, str, str, str]]) -> list[str]:
    return [f"{who}:{line[:40]}" for who, line, _, _ in cases]


@pytest.mark.parametrize(("who", "line", "key", "words"), CASES_FR, ids=_ids(CASES_FR))
async def test_bad_input_is_refused_in_french_and_changes_nothing(
    world: Chat, who: str, line: str, key: str, words: str
) -> None:
    before = await snapshot(world)
    sent = len(world.platform.sent)
    said = await run(world, who, line)
    assert said.ok is False
    assert said.key == key, said.text
    assert words in said.text
    assert await snapshot(world) == before
    assert len(world.platform.sent) == sent


@pytest.mark.parametrize(("who", "line", "key", "words"), CASES_EN, ids=_ids(CASES_EN))
async def test_bad_input_is_refused_in_english_for_an_english_member(
    world: Chat, who: str, line: str, key: str, words: str
) -> None:
    role = "organizer" if who == "olga" else "member"
    assert (await world.as_(who, role).says("/settings language=en")).ok
    before = await snapshot(world)
    said = await run(world, who, line)
    assert said.ok is False
    assert said.key == key, said.text
    assert words in said.text
    assert await snapshot(world) == before


async def test_the_spec_example_for_an_impossible_date_word_for_word(world: Chat) -> None:
    said = await world.as_("olga", "organizer").says(schedule('when="31 février"'))
    assert said.text == SPEC_EXAMPLE


async def test_eleven_commands_in_ten_seconds_are_refused_then_allowed_again(
    world: Chat,
) -> None:
    bob = world.as_("bob")
    for _ in range(10):
        assert (await bob.says("/myschedule")).ok
    before = await snapshot(world)
    said = await bob.says("/leave 1")
    assert said.ok is False and said.key == "error.flood_commands"
    assert "Trop de commandes en 10 secondes" in said
    assert await snapshot(world) == before
    assert (await world.as_("ann").says("/myschedule")).ok  # the limit is per member
    world.clock.advance(seconds=9)
    assert (await bob.says("/myschedule")).key == "error.flood_commands"
    world.clock.advance(seconds=1)
    said = await bob.says("/leave 1")
    assert said.ok and said.key == "signup.left"


async def test_a_flood_refusal_is_in_english_for_an_english_member(world: Chat) -> None:
    bob = world.as_("bob")
    assert (await bob.says("/settings language=en")).ok
    for _ in range(9):
        assert (await bob.says("/myschedule")).ok
    said = await bob.says("/myschedule")
    assert said.ok is False and "Too many commands in 10 seconds" in said


@pytest.mark.parametrize(
    "fields",
    [
        "title=«Cours de cuisine» when=“demain 18h”",
        "title=« Cours de cuisine » when=„demain 18h“",
        "title=‘Cours de cuisine’ when=”demain 18h”",
        'title="Cours de cuisine” when=“demain 18h"',
    ],
)
async def test_phone_keyboard_quotes_work_like_straight_quotes(world: Chat, fields: str) -> None:
    said = await world.as_("olga", "organizer").says(f"/schedule {fields}")
    assert said.ok, said.text
    assert "lundi 23 novembre 2026 à 18:00 (heure de Paris)" in said
    async with world.store.unit() as uow:
        live = await uow.lives.get(4)
    assert live is not None and live.title == "Cours de cuisine"
    assert live.starts_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
