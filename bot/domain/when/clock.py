"""Clock times as people write them: ``18h30``, ``6:30pm``, ``huit heures moins le quart``,
``midi et quart``, ``a quarter past six``, ``à 8`` (with ``ce soir``), ``18:00+01:00``.

A number becomes an hour only with a mark (``h``, ``:``, am/pm, ``o'clock``, a minute phrase) or
with a part of the day (``du soir``, ``in the evening``): a bare ``8`` is never a time on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.when.lexicon import (
    AMPM,
    HOUR_MARKS,
    MINUTE_MARKS,
    MONTHS,
    PART_LINKS,
    PARTS,
    THIS,
    TIME_CONTEXT,
    TIME_WORDS,
    TONIGHT,
    UTC_WORDS,
)
from bot.domain.when.reading import Clock, Unparsed
from bot.domain.when.tokens import Token

MAX_UTC_OFFSET = 14 * 60  # minutes: the widest UTC offset in use


def _w(toks: Sequence[Token], j: int) -> str:
    return toks[j].text if j < len(toks) else ""


def _hour(toks: Sequence[Token], j: int) -> int | None:
    """An hour typed with 1-2 digits or spelled, 0-23."""
    t = toks[j] if j < len(toks) else None
    if t is None or t.num is None or t.ordinal or t.digits > 2 or t.num > 23:
        return None
    return t.num


def _minute(toks: Sequence[Token], j: int, typed: tuple[int, ...] = (2,)) -> int | None:
    """Minutes: spelled, or typed with as many digits as ``typed`` allows; 0-59.

    ``un``/``une`` are never minutes: ``18h un lundi`` is not 18:01.
    """
    t = toks[j] if j < len(toks) else None
    if t is None or t.num is None or t.ordinal or t.num > 59 or t.text in ("un", "une", "one"):
        return None
    return t.num if t.digits == 0 or t.digits in typed else None


def part_at(toks: Sequence[Token], j: int) -> tuple[str, bool, int] | None:
    """A part of the day at ``j``: (part, pinned to today, end); ``ce soir`` and ``tonight`` pin."""
    if _w(toks, j) in TONIGHT:
        return "evening", True, j + 1
    k, pinned = j, _w(toks, j) in THIS
    if pinned:
        k += 1
    else:
        while _w(toks, k) in PART_LINKS and k < j + 3:
            k += 1
    part = PARTS.get(_w(toks, k))
    return (part, pinned, k + 1) if part else None


def _french_tail(toks: Sequence[Token], j: int) -> tuple[int, int] | None:
    """``et quart``, ``et demie``, ``moins le quart``, ``moins dix``: (minutes to add, end)."""
    w, after = _w(toks, j), _w(toks, j + 1)
    if w == "et" and after == "quart":
        return 15, j + 2
    if w == "et" and after in ("demie", "demi"):
        return 30, j + 2
    if w != "moins":
        return None
    if after == "quart" or (after == "le" and _w(toks, j + 2) == "quart"):
        return -15, j + 2 + (after == "le")
    minute = _minute(toks, j + 1, (1, 2))
    if not minute:
        return None
    return -minute, j + 2 + (_w(toks, j + 2) in MINUTE_MARKS)


def _english(toks: Sequence[Token], i: int) -> tuple[int, int] | None:
    """``half past``, ``a quarter to``, ``ten past``, ``20 minutes to``: (minutes to add, hour at).

    ``six to eight`` is refused: it reads as a range as well as 7:54.
    """
    j = i + 1 if _w(toks, i) == "a" and _w(toks, i + 1) == "quarter" else i
    w = _w(toks, j)
    amount = {"half": 30, "quarter": 15}.get(w) or _minute(toks, j, (1, 2))
    if not amount:
        return None
    counted = w not in ("half", "quarter") and _w(toks, j + 1) in (*MINUTE_MARKS, "mins")
    j += 1 + counted
    if _w(toks, j) in ("past", "after"):
        return amount, j + 1
    if _w(toks, j) in ("to", "till", "til", "before", "of") and (w == "quarter" or counted):
        return -amount, j + 1  # "ten to seven" could be a range (10-7): "ten minutes to seven"
    return None


def _base(toks: Sequence[Token], i: int, prev: str) -> tuple[Clock, int] | None:
    """The clock at ``i`` before am/pm and offsets."""
    if (eng := _english(toks, i)) is not None:
        delta, j = eng
        if _w(toks, j) in TIME_WORDS:
            word = TIME_WORDS[_w(toks, j)]
            return Clock(word, delta=delta, midnight=word == 0 and delta > 0), j + 1
        if (dial := _hour(toks, j)) is None:
            raise Unparsed
        return Clock(dial, delta=delta, twelve=True), j + 1
    w = _w(toks, i)
    if w in TIME_WORDS:
        tail = _french_tail(toks, i + 1)
        delta, j = tail if tail else (0, i + 1)
        return Clock(TIME_WORDS[w], delta=delta, midnight=TIME_WORDS[w] == 0 and delta >= 0), j
    if (hour := _hour(toks, i)) is None:
        return None
    after = _w(toks, i + 1)
    if after == ":" and toks[i].digits:
        if (minute := _minute(toks, i + 2)) is None:
            raise Unparsed
        j = i + 3
        if _w(toks, j) == ":" and _minute(toks, j + 1) is not None:
            j += 2  # seconds are dropped
        dial = not toks[i].text.startswith("0")  # "06:30" is written on a 24-hour clock
        return Clock(hour, minute, twelve=dial), j + (_w(toks, j) == "h")
    if after in HOUR_MARKS:
        if (minute := _minute(toks, i + 2)) is not None:
            return Clock(hour, minute), i + 3 + (_w(toks, i + 3) in MINUTE_MARKS)
        tail = _french_tail(toks, i + 2)
        delta, j = tail if tail else (0, i + 2)
        return Clock(hour, delta=delta), j
    if after == "oclock":
        return Clock(hour, twelve=True), i + 2
    if after in AMPM:
        return Clock(hour, ampm=after), i + 2
    if after in ("noon", "midnight") and hour == 12:
        return Clock(TIME_WORDS[after], midnight=after == "midnight"), i + 2
    if (minute := _minute(toks, i + 1, ())) is not None and _w(toks, i + 2) in AMPM:
        return Clock(hour, minute, ampm=_w(toks, i + 2)), i + 3  # "seven thirty pm", never "9 12am"
    if (prev in TIME_CONTEXT or part_at(toks, i + 1)) and after not in MONTHS:
        return Clock(hour, bare=True), i + 1
    return None


def _offset(toks: Sequence[Token], j: int) -> tuple[int | None, int]:
    """``utc``, ``gmt``, ``+01:00``, ``+0100``, ``utc-5`` after a clock: (minutes east, end)."""
    offset, signs = None, "+"
    if _w(toks, j) in UTC_WORDS:
        offset, signs, j = 0, "+-", j + 1
    t = toks[j + 1] if j + 1 < len(toks) else None
    if not (_w(toks, j) and _w(toks, j) in signs and t and t.num is not None and not t.ordinal):
        return offset, j
    if t.digits == 4:
        hours, minutes, end = t.num // 100, t.num % 100, j + 2
    elif t.digits in (1, 2):
        hours, minutes, end = t.num, 0, j + 2
        if _w(toks, end) == ":" and (minute := _minute(toks, end + 1)) is not None:
            minutes, end = minute, end + 2
    else:
        raise Unparsed
    total = hours * 60 + minutes
    if minutes > 59 or total > MAX_UTC_OFFSET:
        raise Unparsed
    return (-total if _w(toks, j) == "-" else total), end


def read_clock(toks: Sequence[Token], i: int) -> tuple[Clock, int | None, int] | None:
    """A clock time starting at ``i``: (clock, offset written after it, end); None if none starts here."""
    found = _base(toks, i, _w(toks, i - 1) if i else "")
    if found is None:
        return None
    clock, j = found
    if clock.ampm is None and _w(toks, j) in AMPM and not clock.bare:
        clock = Clock(clock.hour, clock.minute, clock.delta, _w(toks, j), clock.twelve)
        j += 1
    if clock.ampm is not None and (not 1 <= clock.hour <= 12 or clock.midnight):
        raise Unparsed
    if _w(toks, i) in TIME_WORDS and clock.ampm is not None:
        raise Unparsed
    offset, j = _offset(toks, j)
    return clock, offset, j
