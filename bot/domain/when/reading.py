"""What a text says, before it is placed on the calendar: a day, a clock time, a part of the day."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WhenError(Exception):
    """Refused date/time; ``code`` is one of unparsed, no_time, too_soon, too_far, nonexistent."""

    code: str
    text: str

    def __str__(self) -> str:
        return f"{self.code}: {self.text!r}"


class Unparsed(Exception):
    """Raised inside the grammar; the reader turns it into ``WhenError("unparsed", text)``."""


@dataclass(frozen=True)
class Clock:
    """A time of day as written: ``hour`` before am/pm or a part of the day applies.

    ``delta`` is what ``et quart`` (+15), ``moins le quart`` (-15) or ``ten to`` (-10) add;
    ``twelve`` marks an English-style clock (``6:30``, ``six o'clock``) that may be read on a
    12-hour dial; ``bare`` a number that is an hour only if a part of the day says so.
    """

    hour: int
    minute: int = 0
    delta: int = 0
    ampm: str | None = None
    twelve: bool = False
    bare: bool = False
    midnight: bool = False  # "minuit" / "midnight": which night it ends is ambiguous with a day


@dataclass(frozen=True)
class Day:
    """A day: ``kind`` is abs (y-m-d), dm (next day+month), d (next day of month), rel (today+n)
    or wd (a weekday: ``mode`` plain, next, week0 for this week, week1 for next week)."""

    kind: str
    year: int = 0
    month: int = 0
    day: int = 0
    weekday: int | None = None
    mode: str = "plain"


@dataclass
class Reading:
    """Everything the grammar found; each slot is filled at most once."""

    day: Day | None = None
    clock: Clock | None = None
    part: str | None = None  # morning, afternoon or evening
    span: int | None = None  # minutes from now ("dans 2 heures")
    offset: int | None = None  # minutes east of UTC written in the text
    week: str | None = None  # "la semaine prochaine" (week1) / "cette semaine" (week0)
    plus: int = 0  # "en huit" (+7), "en quinze" (+14)
    iso: bool = False  # an ISO date: its clock is 24-hour whoever reads it

    def set_day(self, day: Day) -> None:
        """Fill the day; a plain weekday and a day of month merge ("vendredi 15", "le 15, vendredi")."""
        old = self.day
        if old is None:
            self.day = day
        elif old.kind == "wd" and old.mode == "plain" and day.kind in ("abs", "dm", "d"):
            self.day = Day(day.kind, day.year, day.month, day.day, old.weekday)
        elif day.kind == "wd" and day.mode == "plain" and old.kind in ("abs", "dm", "d"):
            if old.weekday is not None:
                raise Unparsed
            self.day = Day(old.kind, old.year, old.month, old.day, day.weekday)
        else:
            raise Unparsed

    def set_clock(self, clock: Clock) -> None:
        if self.clock is not None:
            raise Unparsed
        self.clock = clock

    def set_part(self, part: str) -> None:
        if self.part not in (None, part):
            raise Unparsed
        self.part = part
