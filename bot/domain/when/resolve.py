"""A Reading placed on the calendar: which day, which of the possible hours, in which zone.

Where a text leaves a choice (a weekday, a day without month, an English ``6:30``), the earliest
moment after now wins: a bare time means its next occurrence. Nothing here adds a time of day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

from bot.domain.when.reading import Clock, Day, Reading, Unparsed, WhenError

# Hours each part of the day holds, and the hours a 12-hour reading moves into it.
_RANGES = {
    "morning": range(0, 12),
    "afternoon": range(12, 20),
    "evening": range(16, 24),
    "night": range(18, 24),
}
_SHIFT = {
    "morning": range(0),
    "afternoon": range(1, 8),
    "evening": range(4, 12),
    "night": range(6, 12),
}
_LATE = ("evening", "night")


def _hours(clock: Clock, part: str | None, lang: str, iso: bool) -> list[int]:
    """The hours the clock may mean: one, or two on an English 12-hour dial."""
    hour = clock.hour
    if clock.ampm is not None:
        hour = hour % 12 + (12 if clock.ampm == "pm" else 0)
    if part is not None:
        if clock.ampm is None and hour in _SHIFT[part]:
            hour += 12  # "8 heures du soir", "3 in the afternoon"
        if hour not in _RANGES[part] and not (part in _LATE and clock.midnight):
            raise Unparsed  # "14h ce soir", "9pm in the morning": contradictory
        return [hour]
    if clock.twelve and clock.ampm is None and lang == "en" and not iso and 1 <= hour <= 12:
        return [hour % 12, hour % 12 + 12]
    return [hour]


def _weekday(day: Day, today: date, at: time, now: datetime, plus: int) -> date:
    ahead = (day.weekday or 0) - today.weekday()
    if day.mode == "next":
        return today + timedelta(days=(ahead - 1) % 7 + 1 + plus)
    if day.mode == "week1":
        return today + timedelta(days=ahead + 7)
    if day.mode == "week0":
        return today + timedelta(days=ahead)
    found = today + timedelta(days=ahead % 7)
    if plus:
        return found + timedelta(days=plus)  # "mardi en huit": from this week's Tuesday
    return found if datetime.combine(found, at) > now else found + timedelta(days=7)


def _next_dated(day: Day, today: date, at: time, now: datetime) -> date:
    """The first date on that day (and month) whose time is still ahead.

    Without a month, a weekday picks the first such day that falls on it (``vendredi 15``: the
    next Friday the 15th); with a month, the next date must fall on it (else a typo: unparsed).
    """
    last = None
    for step in range(25 if day.kind == "d" else 9):
        if day.kind == "d":
            year, month = (
                today.year + (today.month - 1 + step) // 12,
                (today.month - 1 + step) % 12 + 1,
            )
        else:
            year, month = today.year + step, day.month
        try:
            last = date(year, month, day.day)
        except ValueError:
            continue
        if datetime.combine(last, at) <= now:
            continue
        if day.kind == "dm" or day.weekday in (None, last.weekday()):
            return last
    if last is None:
        raise Unparsed
    return last


def _date(r: Reading, today: date, at: time, now: datetime) -> date:
    day = r.day
    if r.week is not None:
        if day is None or day.kind != "wd" or day.mode != "plain" or r.plus:
            raise Unparsed  # "la semaine prochaine" needs a weekday
        day = Day("wd", weekday=day.weekday, mode=r.week)
    if r.plus and (day is None or (day.kind, day.mode) not in (("rel", "plain"), ("wd", "plain"))):
        raise Unparsed
    if day is None:
        return today if datetime.combine(today, at) > now else today + timedelta(days=1)
    if day.kind == "rel":
        return today + timedelta(days=day.day + r.plus)
    if day.kind == "wd":
        return _weekday(day, today, at, now, r.plus)
    found = (
        date(day.year, day.month, day.day)
        if day.kind == "abs"
        else _next_dated(day, today, at, now)
    )
    if day.weekday is not None and found.weekday() != day.weekday:
        raise Unparsed  # "mercredi 1 décembre" when the 1st is a Tuesday
    return found


def _midnight_shift(r: Reading, clock: Clock, minutes: int) -> int:
    """Days to add for ``minuit``: the end of that evening, or refused when the night is unclear."""
    if not clock.midnight or minutes >= 60 or (r.day is None and r.week is None):
        return 0  # "minuit", "minuit ce soir": the next one
    if r.part in _LATE or (r.day is not None and (r.day.kind, r.day.day) == ("rel", 0)):
        return 1  # "ce soir à minuit", "vendredi soir à minuit": the end of that evening
    raise Unparsed  # "vendredi minuit": the night before or after?


def place(r: Reading, now: datetime, tz: tzinfo, lang: str, raw: str) -> datetime:
    """The aware local datetime the reading names, before bounds; WhenError or Unparsed if none."""
    if r.span is not None:
        if r.day or r.clock or r.part or r.week or r.plus or r.offset is not None:
            raise Unparsed
        return now + timedelta(minutes=r.span)
    clock = r.clock
    if clock is None or (clock.bare and r.part is None):
        if r.day is None and r.part is None and clock is None and r.week is None and not r.plus:
            raise Unparsed  # nothing but fillers
        raise WhenError("no_time", raw)
    zone = tz if r.offset is None else timezone(timedelta(minutes=r.offset))
    local_now = now.astimezone(zone).replace(tzinfo=None)
    found: list[datetime] = []
    for hour in _hours(clock, r.part, lang, r.iso):
        minutes = hour * 60 + clock.minute + clock.delta
        if minutes < 0:  # "a quarter to midnight": the evening before; only without a day
            if r.day is not None:
                raise Unparsed
            minutes += 1440
        at = time(minutes // 60, minutes % 60)
        day = _date(r, local_now.date(), at, local_now)
        day += timedelta(days=_midnight_shift(r, clock, minutes))
        found.append(datetime.combine(day, at))
    ahead = [f for f in found if f > local_now]
    return min(ahead or found).replace(tzinfo=zone)


def to_utc(local: datetime, raw: str) -> datetime:
    """First of repeated times; a wall clock that fails to round-trip is in a gap (refused)."""
    utc = local.replace(fold=0).astimezone(UTC)
    if utc.astimezone(local.tzinfo).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise WhenError("nonexistent", raw)
    return utc
