"""Properties of `when`, whatever is typed: a moment in bounds or a refusal, and never a time the
text did not say. Hypothesis draws the text, the moment it is read, the zone and the reader."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.when import MIN_LEAD, WhenError, one_year_after, parse_when
from bot.domain.when.lexicon import DAY_WORDS, FILLERS, MONTHS, PARTS, WEEKDAYS

ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("Europe/Paris", "America/New_York", "UTC", "Asia/Kolkata")]
)
LANGS = st.sampled_from(["fr", "en"])
# Any moment from 2024 to 2030, clock changes included.
NOWS = st.datetimes(datetime(2024, 1, 1), datetime(2030, 12, 31)).map(
    lambda d: d.replace(tzinfo=UTC)
)

# Words that name days, parts of days and numbers, but no time of day.
DATE_WORDS = sorted(
    {*WEEKDAYS, *MONTHS, *DAY_WORDS, *PARTS, *FILLERS} - {"apresmidi"}
    | {"ce soir", "tonight", "prochain", "next", "la semaine prochaine", "next week", "en huit"}
    | {"le 16", "the 3rd", "1er", "16", "8", "12", "2026", "2027", "16/12", "12/16", "2026-12-16"}
    | {"dans 2 jours", "in 3 days", "une", "vingt", "huit", "sept", "à 8", "at 7", "vers 9"}
    | {"après-midi", "après-demain", "aujourd'hui", "du soir", "in the evening", ",", "-", "."}
)
# Parts of the day that move a 1-11 o'clock into the afternoon or evening.
LATE_PARTS = {"soir", "soiree", "evening", "night", "aprem", "afternoon", "après-midi", "ce soir"}
LATE_PARTS |= {"tonight", "du soir", "in the evening"}
PART_WORDS = {"ce soir", "tonight", "après-midi", "du soir", "in the evening", *PARTS}
# A bare number becomes an hour next to a part of the day ("à 8 ce soir"): keep them apart.
NUMBERS = {"le 16", "the 3rd", "1er", "16", "8", "12", "une", "vingt", "huit", "sept"}
NUMBERS |= {"à 8", "at 7", "vers 9"}
NO_TIME = st.one_of(
    st.lists(st.sampled_from(sorted(set(DATE_WORDS) - PART_WORDS)), min_size=1, max_size=6),
    st.lists(st.sampled_from(sorted(set(DATE_WORDS) - NUMBERS)), min_size=1, max_size=6),
)
TYPED = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from([*DATE_WORDS, "18h", "6:30", "midi", "noon", "7pm", "h", ":"]), max_size=7
    ).map(" ".join),
)


def _in_bounds(result: datetime, now: datetime) -> bool:
    return result.tzinfo is UTC and now + MIN_LEAD <= result <= one_year_after(now)


@settings(max_examples=400, deadline=None)
@given(TYPED, NOWS, ZONES, LANGS)
def test_any_text_gives_a_moment_in_bounds_or_a_refusal(
    text: str, now: datetime, tz: ZoneInfo, lang: str
) -> None:
    try:
        result = parse_when(text, now=now, tz=tz, lang=lang)
    except WhenError as refused:
        assert refused.code in {"unparsed", "no_time", "too_soon", "too_far", "nonexistent"}
        assert refused.text == text
        return
    assert _in_bounds(result, now)


@settings(max_examples=400, deadline=None)
@given(NO_TIME, NOWS, ZONES, LANGS)
def test_words_without_a_time_of_day_are_always_refused(
    words: list[str], now: datetime, tz: ZoneInfo, lang: str
) -> None:
    text = " ".join(words)
    try:
        result = parse_when(text, now=now, tz=tz, lang=lang)
    except WhenError:
        return
    raise AssertionError(f"{text!r} named no time, yet read as {result}")


# A clock time written so that it means one (hour, minute), whoever reads it.
def _written(hour: int, minute: int) -> st.SearchStrategy[str]:
    dial, half = hour % 12 or 12, "pm" if hour >= 12 else "am"
    forms = [f"{hour}h{minute:02d}", f"{hour} h {minute:02d}", f"{hour:02d}:{minute:02d}"]
    forms += [f"{hour}:{minute:02d}"]
    forms += [
        f"{hour} heures {minute:02d}",
        f"{dial}:{minute:02d}{half}",
        f"{dial}:{minute:02d} {half}",
    ]
    if minute == 0:
        forms += [f"{hour}h", f"{hour} heures", f"{dial}{half}", f"{dial} {half}"]
    if minute == 30:
        forms += [f"{hour}h et demie", f"half past {dial} {half}"]
    if minute == 15:
        forms += [f"{hour} heures et quart", f"a quarter past {dial}{half}"]
    if (hour, minute) == (12, 0):
        forms += ["midi", "noon"]
    return st.sampled_from(forms)


# Around a clock, a bare number could be its minutes ("0h une" is 00:01): leave those out.
AROUND = sorted(set(DATE_WORDS) - {"16", "8", "12", "une", "vingt", "huit", "sept"})


@st.composite
def _phrases(draw: st.DrawFn) -> tuple[str, int, int, bool, bool]:
    hour, minute = draw(st.integers(0, 23)), draw(st.sampled_from([0, 5, 15, 30, 45, 59]))
    words = draw(st.lists(st.sampled_from(AROUND), max_size=4))
    late = hour < 12 and any(w in LATE_PARTS for w in words)
    clock = draw(_written(hour, minute))
    words.insert(draw(st.integers(0, len(words))), clock)
    dial = re.fullmatch(r"(1[0-2]|[1-9]):[0-9]{2}", clock) is not None  # "6:30", "11:15"
    return " ".join(words), hour, minute, late, dial


@settings(max_examples=500, deadline=None)
@given(_phrases(), NOWS, ZONES, LANGS)
def test_a_time_read_is_the_time_written(
    phrase: tuple[str, int, int, bool, bool], now: datetime, tz: ZoneInfo, lang: str
) -> None:
    text, hour, minute, late, dial = phrase
    try:
        result = parse_when(text, now=now, tz=tz, lang=lang)
    except WhenError:
        return
    local = result.astimezone(tz)
    said = {(hour, minute)}
    if late:
        said.add((hour + 12, minute))  # "8h du soir" is 20:00
    if dial:
        said |= {(hour % 12, minute), (hour % 12 + 12, minute)}  # "6:30" on a 12-hour dial
    assert (local.hour, local.minute) in said, text
    assert _in_bounds(result, now)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.sampled_from([0, 15, 30, 45]), NOWS, ZONES)
def test_an_english_clock_without_am_pm_is_the_next_of_its_two_readings(
    dial: int, minute: int, now: datetime, tz: ZoneInfo
) -> None:
    try:
        result = parse_when(f"{dial}:{minute:02d}", now=now, tz=tz, lang="en")
    except WhenError as refused:
        assert refused.code in {"too_soon", "nonexistent"}
        return
    local = result.astimezone(tz)
    assert (local.hour % 12, local.minute) == (dial % 12, minute)
    wall = local.replace(tzinfo=None) - now.astimezone(tz).replace(tzinfo=None)
    assert wall <= timedelta(hours=12)  # the nearer of the two, on the wall clock
