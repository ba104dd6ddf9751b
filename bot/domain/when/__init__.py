"""Read a human date/time (French first, English too) into an aware UTC instant, deterministically.

Our own small grammar (``tokens`` -> ``grammar`` -> ``resolve``), no date library: libraries tried
(dateparser, Duckling) invent missing times, read ``18h`` as "in 18 hours", return past dates or
accept times in a daylight-saving gap. Every token of the text must be understood, a time of day is
never invented, and the reader's language decides what numbers mean: French clocks are 24-hour and
dates day first; in English ``6:30`` is the next 6:30 on a 12-hour dial and ``4/25`` is month first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.when.grammar import Parser
from bot.domain.when.lengths import (
    MAX_LENGTH,
    MAX_OFFSET,
    MAX_OFFSETS,
    MIN_OFFSET,
    LengthError,
    format_offset,
    parse_length,
    parse_offsets,
)
from bot.domain.when.reading import Unparsed, WhenError
from bot.domain.when.resolve import place, to_utc
from bot.domain.when.tokens import MAX_TEXT, language, normalise, tokenize

__all__ = [
    "MAX_LENGTH",
    "MAX_OFFSET",
    "MAX_OFFSETS",
    "MAX_TEXT",
    "MIN_LEAD",
    "MIN_OFFSET",
    "LengthError",
    "WhenError",
    "format_offset",
    "one_year_after",
    "parse_length",
    "parse_offsets",
    "parse_when",
]

MIN_LEAD = timedelta(minutes=5)


def one_year_after(moment: datetime) -> datetime:
    """The same moment a year later (28 February for the 29th): the "one year ahead" limit."""
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def parse_when(text: str, *, now: datetime, tz: ZoneInfo, lang: str) -> datetime:
    """Aware UTC start for ``text`` read in ``tz`` by a ``lang`` reader, within [now+5 min,
    now+1 year], or WhenError (unparsed, no_time, too_soon, too_far, nonexistent)."""
    words = normalise(text)
    if not words or len(words) > MAX_TEXT:
        raise WhenError("unparsed", text)
    reader = "en" if lang.lower().startswith("en") else "fr"
    tokens = tokenize(words)
    try:
        reading = Parser(tokens, reader).run()
        local = place(reading, now, tz, language(tokens, reader), text)
    except Unparsed:
        raise WhenError("unparsed", text) from None
    if abs(local.year - now.year) > 1:  # also keeps UTC conversion away from year 1 / 9999
        raise WhenError("too_far" if local > now else "too_soon", text)
    result = to_utc(local, text)
    if result < now + MIN_LEAD:
        raise WhenError("too_soon", text)
    if result > one_year_after(now):
        raise WhenError("too_far", text)
    return result
