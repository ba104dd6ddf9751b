"""Examples a member reads can be typed as shown: their dates are built from today (a week ahead,
at 18:30, in the reader's time zone), never fixed dates that are soon past."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.chat import Chat, Persona

# 2 December 2026, the day a fixed example ("2026-12-01 18:30") was found already past.
DECEMBER_2 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
A_WEEK_AHEAD = "2026-12-09 18:30"


@pytest.fixture
async def olga(community: Chat) -> Persona:
    community.clock.set(DECEMBER_2)
    return community.as_("olga", "organizer")


async def test_a_date_refusal_shows_a_date_a_week_from_today_that_works(olga: Persona) -> None:
    said = await olga.says('/planifier titre="Yoga" quand="31 février"')
    assert said.key == "when.unparsed"
    assert said.text == (
        f"Je n’ai pas compris la date « 31 février ». Exemple : {A_WEEK_AHEAD} ou « demain 18h »."
    )
    typed = await olga.says(f'/planifier titre="Yoga" quand="{A_WEEK_AHEAD}"')
    assert typed.ok, typed.text
    assert "mercredi 9 décembre 2026 à 18:30" in typed


@pytest.mark.parametrize("when", ["demain", "2026-12-01 18:30"])
async def test_every_date_refusal_has_the_same_fresh_example(olga: Persona, when: str) -> None:
    said = await olga.says(f'/schedule title="Yoga" when="{when}"')
    assert not said.ok and said.key in ("when.no_time", "when.too_soon")
    assert A_WEEK_AHEAD in said and "2026-12-01 18:30 ou" not in said


async def test_the_example_is_in_the_reader_s_time_zone(community: Chat) -> None:
    """At 12:00 UTC on 2 December it is already 3 December in Auckland: a week ahead is the 10th."""
    community.clock.set(DECEMBER_2.replace(hour=12))
    kiri = community.as_("kiri", "host")
    assert (await kiri.says("/settings timezone=Pacific/Auckland")).ok
    said = await kiri.says('/schedule title="Yoga" when="31 février"')
    assert "Exemple : 2026-12-10 18:30" in said
    said = await community.as_("olga", "organizer").says('/schedule title="Yoga" when="31 février"')
    assert "Exemple : 2026-12-09 18:30" in said  # Paris: still the 2nd


async def test_a_schedule_without_its_date_shows_a_whole_command_to_copy(olga: Persona) -> None:
    said = await olga.says('/planifier titre="Yoga"')
    assert said.key == "live.bad.missing"
    example = said.text.split("Exemple : ", 1)[1]
    assert example == (
        f'/planifier titre="Initiation à Python" quand="{A_WEEK_AHEAD}" durée=90 places=50'
    )
    copied = await olga.says(example)
    assert copied.ok, copied.text
    assert "Initiation à Python" in copied and "9 décembre 2026 à 18:30" in copied


async def test_the_same_in_english(olga: Persona) -> None:
    assert (await olga.says("/settings language=en")).ok
    said = await olga.says('/schedule when="tomorrow 6pm"')
    example = said.text.split("Example: ", 1)[1]
    assert example == (
        f'/schedule title="Intro to Python" when="{A_WEEK_AHEAD}" duration=90 capacity=50'
    )
    assert (await olga.says(example)).ok


async def test_the_guided_form_asks_the_date_with_a_fresh_example(olga: Persona) -> None:
    assert (await olga.says("/planifier")).key == "guide.schedule.title"
    said = await olga.says("Yoga du soir")
    assert said.key == "guide.schedule.when"
    assert said.text == f"Quand ? Par exemple « demain 18h » ou {A_WEEK_AHEAD}."
    wrong = await olga.says("2026-12-01 18:30")  # the old fixed example, now past
    assert not wrong.ok
    assert f"Quand ? Par exemple « demain 18h » ou {A_WEEK_AHEAD}." in wrong.text
    assert (await olga.says(A_WEEK_AHEAD)).ok


async def test_moving_a_live_into_the_past_shows_a_fresh_example(olga: Persona) -> None:
    assert (await olga.says('/schedule title="Yoga" when="2026-12-03 18:00"')).ok
    said = await olga.says('/modifier 1 quand="2026-12-02 09:03"')
    assert said.key == "when.too_soon"
    assert said.text.endswith(f"Exemple : {A_WEEK_AHEAD}")
