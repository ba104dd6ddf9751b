"""Read a human date/time (French first, English too) into an aware UTC instant, deterministically.

Own small grammar for the common shapes; dateparser only supplies the *date* for anything else,
because it silently invents missing times, misreads ``18h`` and accepts times in DST gaps.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser

MIN_LEAD = timedelta(minutes=5)
MAX_TEXT = 100
MAX_LENGTH = timedelta(days=365)
MIN_OFFSET = timedelta(minutes=1)
MAX_OFFSET = timedelta(days=7)
MAX_OFFSETS = 5


@dataclass(frozen=True)
class WhenError(Exception):
    """Refused date/time; ``code`` is one of unparsed, no_time, too_soon, too_far, nonexistent."""

    code: str
    text: str

    def __str__(self) -> str:
        return f"{self.code}: {self.text!r}"


class LengthError(ValueError):
    """Refused duration or reminder-offset list."""


_WEEKDAYS = {
    **dict.fromkeys(("lundi", "lun", "monday", "mon"), 0),
    **dict.fromkeys(("mardi", "mar", "tuesday", "tue", "tues"), 1),
    **dict.fromkeys(("mercredi", "mer", "wednesday", "wed"), 2),
    **dict.fromkeys(("jeudi", "jeu", "thursday", "thu", "thur", "thurs"), 3),
    **dict.fromkeys(("vendredi", "ven", "friday", "fri"), 4),
    **dict.fromkeys(("samedi", "sam", "saturday", "sat"), 5),
    **dict.fromkeys(("dimanche", "dim", "sunday", "sun"), 6),
}
_MONTHS = {
    **dict.fromkeys(("janvier", "janv", "january", "jan"), 1),
    **dict.fromkeys(("février", "fevrier", "févr", "fevr", "fév", "fev", "february", "feb"), 2),
    **dict.fromkeys(("mars", "march", "mar"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "july", "jul"), 7),
    **dict.fromkeys(("août", "aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "september", "sept", "sep"), 9),
    **dict.fromkeys(("octobre", "october", "oct"), 10),
    **dict.fromkeys(("novembre", "november", "nov"), 11),
    **dict.fromkeys(("décembre", "decembre", "déc", "december", "dec"), 12),
}
_DAY_WORDS = {
    **dict.fromkeys(("aujourd'hui", "aujourdhui", "today", "soir", "tonight"), 0),
    **dict.fromkeys(("demain", "tomorrow"), 1),
    **dict.fromkeys(("après-demain", "apres-demain", "après demain", "apres demain"), 2),
    "day after tomorrow": 2,
}
_FILLERS = frozenset(("à", "a", "at", "le", "on", "the", "this", "ce"))
_NEXT = frozenset(("prochain", "prochaine", "next"))
# Minutes per duration unit, keyed by every accepted spelling.
_UNITS = {
    **dict.fromkeys(("w", "sem", "semaine", "semaines", "week", "weeks"), 10080),
    **dict.fromkeys(("j", "jour", "jours", "d", "day", "days"), 1440),
    **dict.fromkeys(("h", "hr", "hrs", "heure", "heures", "hour", "hours"), 60),
    **dict.fromkeys(("m", "mn", "min", "mins", "minute", "minutes"), 1),
}


def _alt(words: dict[str, int]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_WD, _MO = f"({_alt(_WEEKDAYS)})", f"({_alt(_MONTHS)})"
_DAY, _YEAR = r"([0-9]{1,2})(?:er|e|st|nd|rd|th)?", r"(?: ([0-9]{4}))?"
# Each yields (weekday, day, month, year) groups; order decides ambiguity ("mar 3" = 3 March).
_DATE_SHAPES: tuple[tuple[re.Pattern[str], tuple[int, int, int, int]], ...] = (
    (re.compile(rf"(?:{_WD} )?{_DAY} {_MO}{_YEAR}"), (1, 2, 3, 4)),
    (re.compile(rf"(?:{_WD} )?{_MO} {_DAY}{_YEAR}"), (1, 3, 2, 4)),
    (re.compile(rf"(?:{_WD} )?([0-9]{{1,2}})/([0-9]{{1,2}})(?:/([0-9]{{4}}))?"), (1, 2, 3, 4)),
    (re.compile(r"()([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"), (1, 4, 3, 2)),
)
_DAY_ONLY = re.compile(rf"(?:{_WD} )?{_DAY}")
_WEEKDAY_ONLY = re.compile(_WD)
_IN_DAYS = re.compile(r"(?:dans|in) ([0-9]{1,3}) ?(j|jours?|d|days?|sem|semaines?|w|weeks?)")
# (pattern, kind) — kind "ampm", "fr" (18h30), "colon" (18:30) or "noon".
_TIMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b([0-9]{1,2})(?::([0-9]{2}))? ?([ap])m\b"), "ampm"),
    (re.compile(r"\b([0-9]{1,2}) ?h(?:eures?)? ?([0-9]{2})?(?![0-9a-z])"), "fr"),
    (re.compile(r"\b([0-9]{1,2}):([0-9]{2})(?::[0-9]{2})?\b"), "colon"),
    (re.compile(r"\b(midi|noon)\b"), "noon"),
)
_PART = re.compile(r" ?([0-9]+) ?([a-z]*)")


def _span(text: str) -> timedelta | None:
    """Duration such as ``1h30``, ``2 heures`` or ``7j``; None when it is not one (no bounds)."""
    s, pos, minutes, last_rank = text.strip(), 0, 0, 10**9
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None or len(m[1]) > 4:
            return None
        pos, unit = m.end(), m[2]
        rank = _UNITS.get(unit) if unit else (1 if last_rank == 60 and pos == len(s) else None)
        if rank is None or rank >= last_rank:
            return None
        minutes, last_rank = minutes + int(m[1]) * rank, rank
    return timedelta(minutes=minutes) if s else None


def parse_length(text: str) -> timedelta:
    """Mute length like ``30m``, ``2h``, ``7j``, ``7d``, ``90min``, ``1h30``: > 0 and ≤ 365 days."""
    td = _span(unicodedata.normalize("NFKC", text).lower())
    if td is None or not timedelta(0) < td <= MAX_LENGTH:
        raise LengthError(text)
    return td


def parse_offsets(text: str) -> tuple[timedelta, ...]:
    """Reminder offsets (``24h,15m``, ``1j 2h 15min``): 1..5 distinct, 1 min..7 d, longest first."""
    tokens: list[str] = []
    for word in re.split(r"[\s,;]+", text.strip().lower()):
        if word and word.isalpha() and tokens:
            tokens[-1] += word  # "2 heures" is one offset
        elif word:
            tokens.append(word)
    offsets = {parse_length(t) for t in tokens}
    if not offsets or len(offsets) > MAX_OFFSETS:
        raise LengthError(text)
    if any(not MIN_OFFSET <= o <= MAX_OFFSET for o in offsets):
        raise LengthError(text)
    return tuple(sorted(offsets, reverse=True))


def format_offset(td: timedelta) -> str:
    """Canonical compact key (``24h``, ``15m``, ``1h30m``, ``7d``): days only for whole days ≥ 2."""
    total = td // timedelta(minutes=1)
    if total <= 0 or td % timedelta(minutes=1):
        raise ValueError(f"not a positive whole number of minutes: {td!r}")
    if total % 1440 == 0 and total >= 2880:
        return f"{total // 1440}d"
    hours, minutes = divmod(total, 60)
    return (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")


def _normalise(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    t = re.sub(r"\b([ap])\.m\.?", r"\1m", t)
    t = re.sub(r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2})t(?=[0-9])", r"\1 ", t)
    t = re.sub(r"(?<![0-9])[.,]|[.,](?![0-9])", " ", t)
    return " ".join(t.split())


def _extract_time(text: str, raw: str) -> tuple[time | None, str]:
    """Remove the single clock time from ``text``; more than one, or an invalid one, is unparsed."""
    found: list[time] = []
    for pattern, kind in _TIMES:
        for m in pattern.finditer(text):
            if kind == "noon":
                found.append(time(12))
                continue
            hour, minute = int(m[1]), int(m[2] or 0)
            if kind == "ampm":
                if not 1 <= hour <= 12:
                    raise WhenError("unparsed", raw)
                hour = hour % 12 + (12 if m[3] == "p" else 0)
            if hour > 23 or minute > 59:
                raise WhenError("unparsed", raw)
            found.append(time(hour, minute))
        text = pattern.sub(" ", text)
    if len(found) > 1:
        raise WhenError("unparsed", raw)
    return (found[0] if found else None), " ".join(text.split())


def _next_dated(today: date, at: time, now: datetime, day: int, month: int | None) -> date | None:
    """Next date on ``day`` (of ``month`` if given) whose ``at`` is after ``now``; None if never."""
    for step in range(60 if month is None else 9):
        year = today.year + (today.month - 1 + step) // 12 if month is None else today.year + step
        mon = (today.month - 1 + step) % 12 + 1 if month is None else month
        try:
            candidate = date(year, mon, day)
        except ValueError:
            continue
        if datetime.combine(candidate, at) > now:
            return candidate
    return None


def _local_date(words: str, at: time, now: datetime, raw: str) -> date | None:
    """Local date the words name (None: not our grammar); impossible dates raise unparsed."""
    today, tokens = now.date(), words.split()
    is_next = any(t in _NEXT for t in tokens)
    rest = " ".join(t for t in tokens if t not in _NEXT and t not in _FILLERS)
    if not rest:
        passed = datetime.combine(today, at) <= now
        return None if is_next else today + timedelta(days=1 if passed else 0)
    if is_next:
        if not (m := _WEEKDAY_ONLY.fullmatch(rest)):
            return None
        return today + timedelta(days=(_WEEKDAYS[m[1]] - today.weekday() - 1) % 7 + 1)
    if rest in _DAY_WORDS:
        return today + timedelta(days=_DAY_WORDS[rest])
    if m := _IN_DAYS.fullmatch(rest):
        return today + timedelta(minutes=int(m[1]) * _UNITS[m[2]])
    if m := _WEEKDAY_ONLY.fullmatch(rest):
        ahead = (_WEEKDAYS[m[1]] - today.weekday()) % 7
        found = today + timedelta(days=ahead)
        return found if datetime.combine(found, at) > now else found + timedelta(days=7)
    weekday, result = None, None
    for pattern, (wi, di, mi, yi) in _DATE_SHAPES:
        if m := pattern.fullmatch(rest):
            weekday, day, month_word = m[wi], int(m[di]), m[mi]
            month = _MONTHS.get(month_word) or int(month_word)
            try:
                result = date(int(m[yi]), month, day) if m[yi] else None
            except ValueError:
                raise WhenError("unparsed", raw) from None
            if result is None and not 1 <= month <= 12:
                raise WhenError("unparsed", raw)
            result = result or _next_dated(today, at, now, day, month)
            break
    else:
        m = _DAY_ONLY.fullmatch(rest)
        if m is None or not (m[1] or m[0] != m[2] or {"le", "the"} & set(tokens)):
            return None  # a bare number is too ambiguous to be a day of month
        weekday, result = m[1], _next_dated(today, at, now, int(m[2]), None)
    if result is None or (weekday and _WEEKDAYS[weekday] != result.weekday()):
        raise WhenError("unparsed", raw)
    return result


def _fallback_date(words: str, now: datetime) -> date | None:
    """Let dateparser name a date (never a time: it would invent one); requires day and month."""
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "REQUIRE_PARTS": ["day", "month"],
    }
    try:
        found = dateparser.parse(words, languages=["fr", "en"], settings=settings)
    except Exception:  # dateparser has many internal failure modes on odd input
        return None
    return found.date() if found is not None else None


def _to_utc(local: datetime, tz: ZoneInfo, raw: str) -> datetime:
    """Attach ``tz`` (first of repeated times); a wall clock that fails to round-trip is a gap."""
    utc = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != local:
        raise WhenError("nonexistent", raw)
    return utc


def one_year_after(moment: datetime) -> datetime:
    """The same moment a year later (28 February for the 29th): the "one year ahead" limit."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def _check_bounds(result: datetime, now: datetime, raw: str) -> datetime:
    if result < now + MIN_LEAD:
        raise WhenError("too_soon", raw)
    if result > one_year_after(now):
        raise WhenError("too_far", raw)
    return result


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """Aware UTC start for ``text`` read in ``tz``, within [now+5 min, now+1 year], or WhenError."""
    words = _normalise(text)
    if not words or len(words) > MAX_TEXT:
        raise WhenError("unparsed", text)
    if (m := re.fullmatch(r"(?:dans|in) (.*)", words)) and (
        span := _span(re.sub(r"^(?:une?|an?) ", "1 ", m[1]))
    ) is not None:
        return _check_bounds(now + span, now, text)
    local_now = now.astimezone(tz).replace(tzinfo=None)
    at, words = _extract_time(words, text)
    if at is None and not set(words.split()) - _FILLERS - _NEXT:  # nothing but "à", "next"…
        raise WhenError("unparsed", text)
    day = _local_date(words, at or time(23, 59), local_now, text)
    if day is None and (day := _fallback_date(words, local_now)) is None:
        raise WhenError("unparsed", text)
    if at is None:
        raise WhenError("no_time", text)
    if abs(day.year - local_now.year) > 1:  # also keeps UTC conversion away from year 1 / 9999
        raise WhenError("too_far" if day > local_now.date() else "too_soon", text)
    return _check_bounds(_to_utc(datetime.combine(day, at), tz, text), now, text)
