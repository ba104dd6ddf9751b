"""Durations (mute lengths) and reminder offsets: ``30m``, ``2h``, ``7j``, ``1h30``, ``24h,15m``."""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import timedelta

MAX_LENGTH = timedelta(days=365)
MIN_OFFSET = timedelta(minutes=1)
MAX_OFFSET = timedelta(days=7)
MAX_OFFSETS = 5

# Minutes per duration unit, keyed by every accepted spelling.
UNITS = {
    **dict.fromkeys(("w", "sem", "semaine", "semaines", "week", "weeks"), 10080),
    **dict.fromkeys(("j", "jour", "jours", "d", "day", "days"), 1440),
    **dict.fromkeys(("h", "hr", "hrs", "heure", "heures", "hour", "hours"), 60),
    **dict.fromkeys(("m", "mn", "min", "mins", "minute", "minutes"), 1),
}
_PART = re.compile(r" ?([0-9]+) ?([a-z]*)")


class LengthError(ValueError):
    """Refused duration or reminder-offset list."""


def _span(text: str) -> timedelta | None:
    """Duration such as ``1h30``, ``2 heures`` or ``7j``; None when it is not one (no bounds)."""
    s, pos, minutes, last_rank = text.strip(), 0, 0, 10**9
    while pos < len(s):
        m = _PART.match(s, pos)
        if m is None or len(m[1]) > 4:
            return None
        pos, unit = m.end(), m[2]
        rank = UNITS.get(unit) if unit else (1 if last_rank == 60 and pos == len(s) else None)
        if rank is None or rank >= last_rank:
            return None
        minutes, last_rank = minutes + int(m[1]) * rank, rank
    return timedelta(minutes=minutes) if s else None


@functools.lru_cache(maxsize=1024)
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
