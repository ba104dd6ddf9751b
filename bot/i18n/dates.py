"""Human wording of a live's start in the member's locale, with OUR zone label (not CLDR's)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

# Per language: long pattern, short pattern, zone label with {city}, label for UTC.
_STYLES: dict[str, tuple[str, str, str, str]] = {
    "fr": ("EEEE d MMMM y 'à' HH:mm", "EEE d MMM HH:mm", "heure de {city}", "UTC"),
    "en": ("EEEE d MMMM y 'at' HH:mm", "EEE d MMM HH:mm", "{city} time", "UTC"),
}
_UTC_KEYS = frozenset(("UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT"))


def _language(locale: str) -> str:
    """``fr``, ``fr-FR``, ``fr_CA`` -> fr; anything we do not translate falls back to en."""
    lang = locale.replace("-", "_").split("_")[0].lower()
    return lang if lang in _STYLES else "en"


def zone_label(tz: ZoneInfo, locale: str) -> str:
    """``heure de Paris`` / ``Paris time`` from the IANA key's last segment; plain UTC for UTC."""
    key = tz.key or str(tz)
    _, _, template, utc_label = _STYLES[_language(locale)]
    if key in _UTC_KEYS:
        return utc_label
    return template.format(city=key.rsplit("/", 1)[-1].replace("_", " "))


def format_when(dt_utc: datetime, tz: ZoneInfo, locale: str) -> str:
    """``mardi 1 décembre 2026 à 18:30 (heure de Paris)`` / ``Tuesday 1 December 2026 at …``."""
    lang = _language(locale)
    text = format_datetime(dt_utc, _STYLES[lang][0], tzinfo=tz, locale=lang)
    return f"{text} ({zone_label(tz, lang)})"


def format_short(dt_utc: datetime, tz: ZoneInfo, locale: str) -> str:
    """Compact list form without year or zone: ``mar. 1 déc. 18:30`` / ``Tue 1 Dec 18:30``."""
    lang = _language(locale)
    return format_datetime(dt_utc, _STYLES[lang][1], tzinfo=tz, locale=lang)
