"""series_starts: local wall-clock kept across DST, month-end clamping, count and length limits."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.series import Repeat, SeriesError, series_starts

PARIS = ZoneInfo("Europe/Paris")


def paris(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """Aware UTC instant of a Paris wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=PARIS).astimezone(UTC)


def local(starts: list[datetime]) -> list[datetime]:
    return [s.astimezone(PARIS).replace(tzinfo=None) for s in starts]


def test_single_live_is_just_the_first() -> None:
    first = paris(2026, 12, 1, 18, 30)
    assert series_starts(first, PARIS, Repeat.none, 1) == [first]


def test_weekly_keeps_18_30_paris_across_both_dst_changes() -> None:
    starts = series_starts(paris(2026, 10, 1, 18, 30), PARIS, Repeat.weekly, 30)
    assert all(s.tzinfo is UTC for s in starts)
    assert {s.astimezone(PARIS).time() for s in starts} == {time(18, 30)}
    assert [b - a for a, b in zip(local(starts), local(starts)[1:], strict=False)] == [
        timedelta(weeks=1)
    ] * 29
    # Summer 16:30 UTC, winter 17:30 UTC, summer again after 28 March 2027.
    assert starts[0].time() == time(16, 30)
    assert starts[4] == datetime(2026, 10, 29, 17, 30, tzinfo=UTC)
    assert starts[-1] == datetime(2027, 4, 22, 16, 30, tzinfo=UTC)


def test_biweekly_steps_fourteen_days() -> None:
    starts = series_starts(paris(2026, 12, 1, 18, 30), PARIS, Repeat.biweekly, 3)
    assert local(starts) == [
        datetime(2026, 12, 1, 18, 30),
        datetime(2026, 12, 15, 18, 30),
        datetime(2026, 12, 29, 18, 30),
    ]


def test_monthly_from_jan_31_clamps_each_month_from_the_first_day() -> None:
    starts = series_starts(paris(2027, 1, 31, 18, 30), PARIS, Repeat.monthly, 5)
    assert local(starts) == [
        datetime(2027, 1, 31, 18, 30),
        datetime(2027, 2, 28, 18, 30),
        datetime(2027, 3, 31, 18, 30),  # back to 31, not stuck on 28
        datetime(2027, 4, 30, 18, 30),
        datetime(2027, 5, 31, 18, 30),
    ]


def test_monthly_uses_29_february_in_a_leap_year() -> None:
    starts = series_starts(paris(2028, 1, 31, 9, 0), PARIS, Repeat.monthly, 2)
    assert local(starts)[1] == datetime(2028, 2, 29, 9, 0)


def test_monthly_crosses_new_year() -> None:
    starts = series_starts(paris(2026, 11, 30, 20, 0), PARIS, Repeat.monthly, 4)
    assert [s.date() for s in local(starts)] == [
        datetime(2026, 11, 30).date(),
        datetime(2026, 12, 30).date(),
        datetime(2027, 1, 30).date(),
        datetime(2027, 2, 28).date(),
    ]


def test_occurrence_in_the_spring_gap_moves_forward_by_the_gap() -> None:
    starts = series_starts(paris(2027, 3, 21, 2, 30), PARIS, Repeat.weekly, 2)
    assert starts[1] == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert local(starts)[1] == datetime(2027, 3, 28, 3, 30)


def test_occurrence_on_the_repeated_autumn_hour_is_the_first_one() -> None:
    starts = series_starts(paris(2027, 10, 24, 2, 30), PARIS, Repeat.weekly, 2)
    assert starts[1] == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("repeat", "count"),
    [
        (Repeat.none, 0),
        (Repeat.none, 2),
        (Repeat.weekly, 1),
        (Repeat.weekly, 53),
        (Repeat.monthly, 0),
        (Repeat.biweekly, -3),
    ],
)
def test_bad_count(repeat: Repeat, count: int) -> None:
    with pytest.raises(SeriesError) as caught:
        series_starts(paris(2026, 12, 1, 18, 30), PARIS, repeat, count)
    assert caught.value.code == "bad_count"


@pytest.mark.parametrize(
    ("repeat", "count"),
    [(Repeat.biweekly, 28), (Repeat.monthly, 14)],
)
def test_too_long(repeat: Repeat, count: int) -> None:
    with pytest.raises(SeriesError) as caught:
        series_starts(paris(2026, 12, 1, 18, 30), PARIS, repeat, count)
    assert caught.value.code == "too_long"


@pytest.mark.parametrize(
    ("repeat", "count", "last"),
    [
        (Repeat.weekly, 52, datetime(2027, 11, 23, 18, 30)),
        (Repeat.biweekly, 27, datetime(2027, 11, 30, 18, 30)),
        (Repeat.monthly, 13, datetime(2027, 12, 1, 18, 30)),  # exactly one year: allowed
    ],
)
def test_longest_allowed_series(repeat: Repeat, count: int, last: datetime) -> None:
    starts = series_starts(paris(2026, 12, 1, 18, 30), PARIS, repeat, count)
    assert len(starts) == count
    assert local(starts)[-1] == last


def test_repeat_values_are_stable_strings() -> None:
    assert [r.value for r in Repeat] == ["none", "weekly", "biweekly", "monthly"]
    assert Repeat("weekly") is Repeat.weekly
