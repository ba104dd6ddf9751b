"""format_when / format_short wording in French and English, with our own zone label."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n.dates import format_short, format_when, zone_label

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 12, 1, 17, 30, tzinfo=UTC)  # 18:30 in Paris


def test_format_when_french() -> None:
    assert format_when(START, PARIS, "fr") == "mardi 1 décembre 2026 à 18:30 (heure de Paris)"


def test_format_when_english() -> None:
    assert format_when(START, PARIS, "en") == "Tuesday 1 December 2026 at 18:30 (Paris time)"


def test_format_short() -> None:
    assert format_short(START, PARIS, "fr") == "mar. 1 déc. 18:30"
    assert format_short(START, PARIS, "en") == "Tue 1 Dec 18:30"


def test_summer_time_is_shown_in_local_wall_clock() -> None:
    summer = datetime(2027, 7, 1, 16, 30, tzinfo=UTC)
    assert format_when(summer, PARIS, "fr") == "jeudi 1 juillet 2027 à 18:30 (heure de Paris)"


def test_date_can_change_with_the_zone() -> None:
    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    assert format_short(late, PARIS, "fr") == "mer. 2 déc. 00:30"


def test_city_with_underscore_and_other_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    assert format_when(START, new_york, "en") == "Tuesday 1 December 2026 at 12:30 (New York time)"
    assert format_when(START, new_york, "fr").endswith("à 12:30 (heure de New York)")


def test_utc_label() -> None:
    utc = ZoneInfo("UTC")
    assert format_when(START, utc, "fr") == "mardi 1 décembre 2026 à 17:30 (UTC)"
    assert format_when(START, utc, "en") == "Tuesday 1 December 2026 at 17:30 (UTC)"


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("fr-FR", "heure de Paris"),
        ("fr_CA", "heure de Paris"),
        ("en_US", "Paris time"),
        ("de", "Paris time"),
    ],
)
def test_locale_variants_and_fallback(locale: str, expected: str) -> None:
    assert zone_label(PARIS, locale) == expected
