"""parse_when / parse_length / parse_offsets / format_offset against the product spec's examples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.when import (
    LengthError,
    WhenError,
    format_offset,
    parse_length,
    parse_offsets,
    parse_when,
)

PARIS = ZoneInfo("Europe/Paris")
# Sunday 22 November 2026, 14:00 in Paris (UTC+1).
NOW = datetime(2026, 11, 22, 14, 0, tzinfo=PARIS).astimezone(UTC)


def local(text: str, now: datetime = NOW) -> datetime:
    """Parse and show the result as a naive Paris wall-clock time, for readable expectations."""
    result = parse_when(text, now=now, tz=PARIS, lang="fr")
    assert result.tzinfo is UTC
    return result.astimezone(PARIS).replace(tzinfo=None)


def error_code(text: str, now: datetime = NOW) -> str:
    with pytest.raises(WhenError) as caught:
        parse_when(text, now=now, tz=PARIS, lang="fr")
    assert caught.value.text == text
    return caught.value.code


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01 18:30", datetime(2026, 12, 1, 18, 30)),
        ("2026-12-01T18:30", datetime(2026, 12, 1, 18, 30)),
        ("1er décembre 18h30", datetime(2026, 12, 1, 18, 30)),
        ("demain 18h", datetime(2026, 11, 23, 18, 0)),
        ("mardi prochain 19h", datetime(2026, 11, 24, 19, 0)),
        ("dans 2 heures", datetime(2026, 11, 22, 16, 0)),
        ("lundi 19h", datetime(2026, 11, 23, 19, 0)),
        ("le 3 à 20h", datetime(2026, 12, 3, 20, 0)),
        ("samedi 10h", datetime(2026, 11, 28, 10, 0)),
        ("18h30", datetime(2026, 11, 22, 18, 30)),
        ("aujourd'hui 21h", datetime(2026, 11, 22, 21, 0)),
        ("après-demain 9h", datetime(2026, 11, 24, 9, 0)),
        ("tomorrow 6pm", datetime(2026, 11, 23, 18, 0)),
        ("next tuesday 7pm", datetime(2026, 11, 24, 19, 0)),
        ("in 2 hours", datetime(2026, 11, 22, 16, 0)),
        ("dec 1 6:30pm", datetime(2026, 12, 1, 18, 30)),
    ],
)
def test_spec_examples(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Demain   18H ", datetime(2026, 11, 23, 18, 0)),
        ("mar. 1 déc. 18:30", datetime(2026, 12, 1, 18, 30)),  # format_short output reads back
        ("Tue 1 Dec 18:30", datetime(2026, 12, 1, 18, 30)),
        ("mardi 1 décembre 2026 à 18h30", datetime(2026, 12, 1, 18, 30)),
        ("dans une heure", datetime(2026, 11, 22, 15, 0)),
        ("in 1h30", datetime(2026, 11, 22, 15, 30)),
        ("dans 2 jours à 18h", datetime(2026, 11, 24, 18, 0)),
        ("the 3rd at 8pm", datetime(2026, 12, 3, 20, 0)),
        ("12am", datetime(2026, 11, 23, 0, 0)),
        ("demain midi", datetime(2026, 11, 23, 12, 0)),
        ("1/12 18h", datetime(2026, 12, 1, 18, 0)),  # day/month, French order
    ],
)
def test_other_accepted_shapes(text: str, expected: datetime) -> None:
    assert local(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10h", datetime(2026, 11, 23, 10, 0)),  # 10:00 today has passed: tomorrow
        ("dimanche 18h", datetime(2026, 11, 22, 18, 0)),  # today is Sunday, still ahead
        ("dimanche 10h", datetime(2026, 11, 29, 10, 0)),  # today's already passed
        ("le 22 à 10h", datetime(2026, 12, 22, 10, 0)),  # today's date, time passed
        ("le 31 à 10h", datetime(2026, 12, 31, 10, 0)),  # November has no 31st
        ("5 novembre 10h", datetime(2027, 11, 5, 10, 0)),  # already passed this year
        ("15 mars 10h", datetime(2027, 3, 15, 10, 0)),
    ],
)
def test_forms_without_full_date_take_the_next_occurrence(text: str, expected: datetime) -> None:
    assert local(text) == expected


def test_prochain_skips_today_but_plain_weekday_does_not() -> None:
    tuesday_noon = datetime(2026, 11, 24, 12, 0, tzinfo=PARIS).astimezone(UTC)
    assert local("mardi 19h", tuesday_noon) == datetime(2026, 11, 24, 19, 0)
    assert local("mardi prochain 19h", tuesday_noon) == datetime(2026, 12, 1, 19, 0)
    assert local("next tuesday 7pm", tuesday_noon) == datetime(2026, 12, 1, 19, 0)


def test_text_is_read_in_the_given_timezone() -> None:
    result = parse_when("2026-12-01 18:30", now=NOW, tz=ZoneInfo("America/New_York"), lang="en")
    assert result == datetime(2026, 12, 1, 23, 30, tzinfo=UTC)


def test_daylight_saving_gap_is_refused() -> None:
    assert error_code("2027-03-28 02:30") == "nonexistent"
    assert error_code("28 mars 2h30") == "nonexistent"


def test_repeated_autumn_time_means_the_first_one() -> None:
    result = parse_when("2027-10-31 02:30", now=NOW, tz=PARIS, lang="fr")
    assert result == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still UTC+2


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("31 février", "unparsed"),
        ("31 février 18h", "unparsed"),
        ("blabla", "unparsed"),
        ("blabla 18h", "unparsed"),
        ("", "unparsed"),
        ("   ", "unparsed"),
        ("à", "unparsed"),
        ("25h", "unparsed"),
        ("13pm", "unparsed"),
        ("demain 18h 19h", "unparsed"),
        ("mercredi 1 décembre 18h", "unparsed"),  # 1 December 2026 is a Tuesday
        ("demain", "no_time"),
        ("1er décembre", "no_time"),
        ("mardi prochain", "no_time"),
        ("2026-12-01", "no_time"),
        ("14h02", "too_soon"),
        ("aujourd'hui 9h", "too_soon"),
        ("2025-01-01 10:00", "too_soon"),
        ("dans 3 minutes", "too_soon"),
        ("2028-01-01 10:00", "too_far"),
        ("2027-11-23 10:00", "too_far"),
        ("in 400 days", "no_time"),  # a number of days names no time
        ("in 400 days at 6pm", "too_far"),
        ("2027-03-28 02:30", "nonexistent"),
    ],
)
def test_error_codes(text: str, code: str) -> None:
    assert error_code(text) == code


def test_bounds_are_inclusive() -> None:
    assert local("14h05") == datetime(2026, 11, 22, 14, 5)
    assert local("2027-11-22 14:00") == datetime(2027, 11, 22, 14, 0)


_WORDS = [
    "demain", "mardi", "prochain", "next", "le", "3", "31", "à", "18h", "18h30", "6pm", "dans",
    "in", "2", "heures", "hours", "décembre", "dec", "1er", "2026", "2027-03-28", "02:30",
    "février", "tomorrow", "aujourd'hui", "x", "/", "12", ":", "h", "0", "99", "-", "jours",
    "semaine",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(_WORDS), max_size=6).map(" ".join)))
def test_any_text_gives_a_valid_instant_or_a_when_error(text: str) -> None:
    try:
        result = parse_when(text, now=NOW, tz=PARIS, lang="fr")
    except WhenError as error:
        assert error.code in {"unparsed", "no_time", "too_soon", "too_far", "nonexistent"}
        return
    assert result.tzinfo is UTC
    assert NOW + timedelta(minutes=5) <= result <= NOW.replace(year=2027)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("7j", timedelta(days=7)),
        ("7d", timedelta(days=7)),
        ("90min", timedelta(minutes=90)),
        ("1h30", timedelta(minutes=90)),
        ("1h30m", timedelta(minutes=90)),
        ("2 heures", timedelta(hours=2)),
        ("365j", timedelta(days=365)),
    ],
)
def test_parse_length(text: str, expected: timedelta) -> None:
    assert parse_length(text) == expected


@pytest.mark.parametrize("text", ["", "0m", "0h", "366j", "30", "h", "2x", "30m2h", "-5m", "1.5h"])
def test_parse_length_refuses(text: str) -> None:
    with pytest.raises(LengthError):
        parse_length(text)


def test_length_error_is_a_value_error() -> None:
    assert issubclass(LengthError, ValueError)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h,15m", (timedelta(hours=24), timedelta(minutes=15))),
        ("15m, 24h", (timedelta(hours=24), timedelta(minutes=15))),
        ("1j 2h 15min", (timedelta(days=1), timedelta(hours=2), timedelta(minutes=15))),
        ("2 heures, 15 min", (timedelta(hours=2), timedelta(minutes=15))),
        ("15m 15min 1h", (timedelta(hours=1), timedelta(minutes=15))),
        ("1m,7d", (timedelta(days=7), timedelta(minutes=1))),
    ],
)
def test_parse_offsets(text: str, expected: tuple[timedelta, ...]) -> None:
    assert parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", ",", "8j", "0m", "1m,2m,3m,4m,5m,6m", "24h,soon"])
def test_parse_offsets_refuses(text: str) -> None:
    with pytest.raises(LengthError):
        parse_offsets(text)


@pytest.mark.parametrize(
    ("td", "expected"),
    [
        (timedelta(hours=24), "24h"),
        (timedelta(minutes=15), "15m"),
        (timedelta(minutes=90), "1h30m"),
        (timedelta(days=7), "7d"),
        (timedelta(days=2), "2d"),
        (timedelta(hours=26), "26h"),
    ],
)
def test_format_offset(td: timedelta, expected: str) -> None:
    assert format_offset(td) == expected
    assert parse_length(expected) == td


@pytest.mark.parametrize("td", [timedelta(0), timedelta(minutes=-5), timedelta(seconds=90)])
def test_format_offset_refuses_non_minute_or_non_positive(td: timedelta) -> None:
    with pytest.raises(ValueError):
        format_offset(td)
