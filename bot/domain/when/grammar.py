"""Tokens to a Reading: every token must be understood, or the text is refused (never half-read).

At each position the rules are tried in order and the first that matches consumes its tokens;
a token no rule takes makes the whole text unparsed, so ``blabla 18h`` is refused, not read as
``18h``. Numeric dates follow the reader's convention: day first in French, month first in English.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Sequence

from bot.domain.when.clock import MAX_UTC_OFFSET, part_at, read_clock
from bot.domain.when.lengths import UNITS
from bot.domain.when.lexicon import (
    DAY_CONTEXT,
    DAY_WORDS,
    FILLERS,
    HOUR_MARKS,
    MINUTE_MARKS,
    MONTHS,
    NEXT,
    THIS,
    WEEK,
    WEEKDAYS,
)
from bot.domain.when.reading import Clock, Day, Reading, Unparsed
from bot.domain.when.tokens import Token

_SPANS = {  # words that are a whole amount of time: (tokens, minutes)
    ("une", "demi", "heure"): 30,
    ("un", "quart", "d", "heure"): 15,
    ("trois", "quarts", "d", "heure"): 45,
    ("half", "an", "hour"): 30,
}


def checked_day(year: int, month: int, day: int) -> Day:
    """A day of month that exists (29 February when no year is said); else unparsed."""
    if not 1 <= month <= 12 or not 1 <= day <= (monthrange(year or 2028, month)[1]):
        raise Unparsed
    return Day("abs" if year else "dm", year, month, day)


class Parser:
    """One pass over the tokens of one text."""

    def __init__(self, toks: Sequence[Token], reader: str) -> None:
        self.toks, self.reader, self.r = toks, reader, Reading()
        self.rules: tuple[Callable[[int], int | None], ...] = (
            self.iso, self.numeric_date, self.clock, self.part, self.span, self.this,
            self.next, self.en, self.weekday, self.day_word, self.day_number, self.month_first,
            self.filler,
        )  # fmt: skip

    def w(self, j: int) -> str:
        return self.toks[j].text if 0 <= j < len(self.toks) else ""

    def num(self, j: int, digits: tuple[int, ...] = (1, 2)) -> int | None:
        """A typed number with that many digits at ``j`` (not an ordinal), else None."""
        t = self.toks[j] if j < len(self.toks) else None
        return t.num if t and t.num is not None and t.digits in digits and not t.ordinal else None

    def run(self) -> Reading:
        i = 0
        while i < len(self.toks):
            for rule in self.rules:
                if (end := rule(i)) is not None:
                    i = end
                    break
            else:
                raise Unparsed
        return self.r

    # -- rules: each returns where it stopped, or None when it does not apply at i ---------------

    def iso(self, i: int) -> int | None:
        iso = self.toks[i].iso
        if iso is None:
            return None
        year, month, day, hour, minute, offset = iso
        self.r.set_day(checked_day(year, month, day))
        self.r.iso = True
        if hour is not None and minute is not None:
            if hour > 23 or minute > 59 or abs(offset or 0) > MAX_UTC_OFFSET:
                raise Unparsed
            self.r.set_clock(Clock(hour, minute))  # ISO is 24-hour: never on a 12-hour dial
            self.r.offset = offset
        return i + 1

    def numeric_date(self, i: int) -> int | None:
        sep = self.w(i + 1)
        if sep not in ("/", "-", ".") or self.num(i, (1, 2, 4)) is None:
            return None
        parts, j = [self.toks[i]], i
        while len(parts) < 3 and self.w(j + 1) == sep and self.num(j + 2, (1, 2, 4)) is not None:
            parts.append(self.toks[j + 2])
            j += 2
        if len(parts) < 2 or (len(parts) == 2 and sep != "/"):
            raise Unparsed
        nums = [p.num or 0 for p in parts]
        if parts[0].digits == 4:
            if len(parts) != 3 or parts[2].digits == 4:
                raise Unparsed
            year, month, day = nums
            self.r.iso = True
        elif any(p.digits == 4 for p in parts[:2]):
            raise Unparsed
        else:
            first, second = nums[:2]
            day, month = (second, first) if self.reader == "en" else (first, second)
            year = 0 if len(parts) == 2 else nums[2] + (2000 if parts[2].digits <= 2 else 0)
        self.r.set_day(checked_day(year, month, day))
        return j + 1

    def clock(self, i: int) -> int | None:
        found = read_clock(self.toks, i)
        if found is None:
            return None
        clock, offset, end = found
        self.r.set_clock(clock)
        self.r.offset = offset
        return end

    def part(self, i: int) -> int | None:
        found = part_at(self.toks, i)
        if found is None:
            return None
        part, pinned, end = found
        self.r.set_part(part)
        if pinned:
            self.r.set_day(Day("rel"))
        return end

    def span(self, i: int) -> int | None:
        """``dans 2 heures``, ``in 1h30``, ``dans une demi-heure``, ``in 3 days``, ``dans 2 semaines``."""
        if self.w(i) not in ("dans", "in"):
            return None
        j, total, last, hours = i + 1, 0, 10**9, False
        while (found := self._amount(j, last)) is not None:
            minutes, last, j = found
            total, hours = total + minutes, hours or last < 1440
        if last == 10**9:
            return None
        if hours:
            self.r.span = total
        else:
            self.r.set_day(Day("rel", day=total // 1440))
        return j

    def this(self, i: int) -> int | None:
        if self.w(i) not in THIS:
            return None
        if self.w(i + 1) in WEEK:
            self._set_week("week0")
            return i + 2
        return self.weekday(i + 1)

    def next(self, i: int) -> int | None:
        if self.w(i) in WEEK and self.w(i + 1) in NEXT:
            self._set_week("week1")
            return i + 2
        if self.w(i) not in NEXT:
            return None
        if self.w(i + 1) in WEEK:
            self._set_week("week1")
            return i + 2
        if self.w(i + 1) in WEEKDAYS:
            self.r.set_day(Day("wd", weekday=WEEKDAYS[self.w(i + 1)], mode="next"))
            return i + 2
        day = self.r.day  # "le 16 décembre prochain": the next one, as always
        return i + 1 if day is not None and day.kind in ("dm", "d") else None

    def en(self, i: int) -> int | None:
        """``mardi en huit`` (a week after), ``demain en quinze`` (two weeks after)."""
        after = self.toks[i + 1] if i + 1 < len(self.toks) else None
        if self.w(i) != "en" or after is None or after.num not in (8, 15) or after.ordinal:
            return None
        if self.r.plus:
            raise Unparsed
        self.r.plus = 7 if after.num == 8 else 14
        return i + 2

    def weekday(self, i: int) -> int | None:
        word = self.w(i)
        if word not in WEEKDAYS:
            return None
        if word == "mar" and self.reader == "en" and self.num(i + 1) is not None:
            return None  # "Mar 3": March in English, mardi in French
        mode = "next" if self.w(i + 1) in NEXT and self.w(i + 2) not in WEEK else "plain"
        self.r.set_day(Day("wd", weekday=WEEKDAYS[word], mode=mode))
        return i + 1 + (mode == "next")

    def day_word(self, i: int) -> int | None:
        if self.w(i) not in DAY_WORDS:
            return None
        self.r.set_day(Day("rel", day=DAY_WORDS[self.w(i)]))
        return i + 1

    def day_number(self, i: int) -> int | None:
        """``16 décembre``, ``1er``, ``the 3rd of May``, ``le 16``, ``vendredi 15``."""
        t = self.toks[i]
        if t.num is None or not (t.ordinal or t.digits in (1, 2)) or self._starts_clock(i + 1):
            return None
        j = i + 1 + (self.w(i + 1) in ("of", "de") and self.w(i + 2) in MONTHS)
        if self.w(j) in MONTHS:
            return self._year(j + 1, MONTHS[self.w(j)], t.num)
        day = self.r.day
        context = self.w(i - 1) in DAY_CONTEXT or (day is not None and day.kind == "wd")
        if not (t.ordinal or context):
            return None
        if not 1 <= t.num <= 31:
            raise Unparsed
        self.r.set_day(Day("d", day=t.num))
        return i + 1

    def month_first(self, i: int) -> int | None:
        """``December 16``, ``dec 1st, 2026``."""
        month = MONTHS.get(self.w(i))
        t = self.toks[i + 1] if i + 1 < len(self.toks) else None
        if month is None or t is None or t.num is None or not (t.ordinal or t.digits in (1, 2)):
            return None
        if self._starts_clock(i + 2):
            return None
        return self._year(i + 2, month, t.num)

    def filler(self, i: int) -> int | None:
        return i + 1 if self.w(i) in FILLERS else None

    # -- helpers ---------------------------------------------------------------------------------

    def _year(self, j: int, month: int, day: int) -> int:
        """Set day and month, with the year that follows if any; returns where it stopped."""
        year = self.num(j, (4,)) or 0
        self.r.set_day(checked_day(year, month, day))
        return j + (year > 0)

    def _amount(self, j: int, last: int) -> tuple[int, int, int] | None:
        """One amount of time at ``j`` smaller than the ``last`` unit: (minutes, unit, end).

        After the first, an amount needs ``et``/``and`` (``dans 2 jours 18h`` is a day and a clock),
        except minutes after hours (``in 1 hour 30 minutes``).
        """
        if last < 10**9 and self.w(j) in ("et", "and"):
            j += 1
        elif last < 10**9 and not (last == 60 and UNITS.get(self.w(j + 1)) == 1):
            return None
        for words, minutes in _SPANS.items():
            if tuple(self.w(k) for k in range(j, j + len(words))) == words and last > 60:
                return minutes, 60, j + len(words)
        t = self.toks[j] if j < len(self.toks) else None
        amount = 1 if self.w(j) in ("a", "an") else (t.num if t and t.digits < 5 else None)
        rank = UNITS.get(self.w(j + 1))
        if t is None or t.ordinal or amount is None or rank is None or rank >= last:
            return None
        total, j = amount * rank, j + 2
        if rank == 60 and (minute := self.num(j, (2,))) is not None and minute < 60:
            return total + minute, 1, j + 1 + (self.w(j + 1) in MINUTE_MARKS)
        if rank == 60 and self.w(j) == "et" and self.w(j + 1) in ("demie", "demi"):
            return total + 30, 30, j + 2
        if rank == 60 and (self.w(j), self.w(j + 1), self.w(j + 2)) == ("and", "a", "half"):
            return total + 30, 30, j + 3
        return total, rank, j

    def _starts_clock(self, j: int) -> bool:
        return self.w(j) in (":", "oclock", "am", "pm", *HOUR_MARKS)

    def _set_week(self, week: str) -> None:
        if self.r.week is not None:
            raise Unparsed
        self.r.week = week
