"""Parse the argument text typed after a command name into named fields.

Keys are the fields' English or French names (`title=` or `titre=`, see `vocabulary`), and are
returned under their English names. Three forms are accepted, and they can be mixed:

* ``key=value`` pairs on one line, the value quoted when it holds spaces. Straight quotes
  (``"`` ``'``) and phone-keyboard quotes (“ ” « » ‘ ’ „) work alike, with spaces inside the
  quotes stripped (``title=« Cours de cuisine »``). A quote opens only at the start of a value or
  token and closes only where whitespace or the end of the text follows it.
* Bare tokens that fill the command's positional names in order; the remaining raw text then goes
  to the ``rest`` name (``/ask 12 Comment débuter ?``).
* A multi-line form: the first line as above (or empty), then ``key: value`` lines whose values
  run to the end of the line. Multi-line mode is on when the first non-blank line after the first
  looks like ``key: value``; otherwise newlines are plain whitespace and end up in ``rest``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

from bot.core.field_words import field_named, yes_no
from bot.domain.commands import CommandShape

__all__ = [
    "CommandShape",
    "FieldsError",
    "FieldsErrorCode",
    "parse_bool",
    "parse_fields",
    "parse_live_ref",
]

FieldsErrorCode = Literal["unclosed_quote", "duplicate", "unknown_field", "too_many"]

# Opening quote -> the characters that may close it (phone keyboards mix these up).
_CLOSERS: dict[str, str] = {
    '"': '"“”',
    "'": "'‘’",
    "“": '”“"',
    "”": '”“"',
    "„": '“”"',
    "‘": "’‘'",
    "’": "’‘'",
    "«": "»",
    "»": "«",
}
# A key is a word of letters and `_` (accents too: `durée=`), then `=` or, on its own line, `:`.
_KEY_EQ = re.compile(r"([^\W\d]+)=")
_KEY_LINE = re.compile(r"([^\W\d]+)\s*:(.*)")
_LIVE_REF = re.compile(r"#?([0-9]{1,16})", re.ASCII)
_MAX_LIVE_REF = 2**53
_DETAIL_MAX = 40
_BOOLS: dict[str, bool] = {
    "yes": True,
    "true": True,
    "1": True,
    "on": True,
    "no": False,
    "false": False,
    "0": False,
    "off": False,
}


class FieldsError(ValueError):
    """Argument text that cannot be parsed; ``code`` says why, ``detail`` names the key/token."""

    def __init__(self, code: FieldsErrorCode, detail: str) -> None:
        """Build the error from a machine-readable code and the offending key or token."""
        super().__init__(f"{code}: {detail}")
        self.code: FieldsErrorCode = code
        self.detail: str = detail


# One bare token, neither quoted nor `key=` (`/join 12`, most presses' commands): it fills the
# first positional name, as the general parser would, without walking the text character by
# character (a crowd signing up parses "12" thousands of times a second).
_ONE_TOKEN = re.compile(rf"[^\s={re.escape(''.join(_CLOSERS))}][^\s=]*")


def parse_fields(text: str, shape: CommandShape) -> dict[str, str]:
    """Return the given fields (only allowed names, values stripped) or raise FieldsError."""
    if shape.positional:
        token = text.strip()
        if _ONE_TOKEN.fullmatch(token) is not None:
            return {shape.positional[0]: token}
    return _parse_general(text, shape)


def _parse_general(text: str, shape: CommandShape) -> dict[str, str]:
    allowed = shape.allowed
    lines = text.splitlines()
    tail = [line.strip() for line in lines[1:] if line.strip()]
    if not tail or _KEY_LINE.fullmatch(tail[0]) is None:
        return _parse_line(text, shape, allowed, {})
    first = lines[0]
    head = _KEY_LINE.fullmatch(first.strip())
    if head is not None and field_named(head.group(1), allowed) is not None:
        tail.insert(0, first.strip())
        first = ""
    named: dict[str, str] = {}
    for line in tail:
        match = _KEY_LINE.fullmatch(line)
        if match is None:
            raise FieldsError("unknown_field", _clip(line.split()[0]))
        key = field_named(match.group(1), allowed)
        if key is None:
            raise FieldsError("unknown_field", _clip(match.group(1)))
        if key in named:
            raise FieldsError("duplicate", key)
        named[key] = match.group(2).strip()
    return _parse_line(first, shape, allowed, named)


def parse_live_ref(text: str) -> int | None:
    """Return the id from ``"12"``/``"#12"`` (1..2**53, spaces around allowed), else None."""
    # A sign-up reads its live's id twice (the live, then the change told): short texts are
    # kept (a long one is parsed each time rather than held).
    return _live_ref(text) if len(text) <= 32 else _live_ref.__wrapped__(text)


@lru_cache(maxsize=1024)
def _live_ref(text: str) -> int | None:
    match = _LIVE_REF.fullmatch(text.strip())
    if match is None:
        return None
    value = int(match.group(1))
    return value if 0 < value <= _MAX_LIVE_REF else None


def parse_bool(text: str) -> bool | None:
    """Return the bool for yes/no/oui/non/true/false/1/0/on/off (any case), else None."""
    return _BOOLS.get(yes_no(text.strip()).casefold())


def _parse_line(
    text: str, shape: CommandShape, allowed: frozenset[str], named: dict[str, str]
) -> dict[str, str]:
    """Parse single-line text on top of already ``named`` fields (from multi-line lines)."""
    fields = dict(named)
    bare: list[str] = []
    pos = 0
    while (pos := _skip_space(text, pos)) < len(text):
        match = _KEY_EQ.match(text, pos)
        key = field_named(match.group(1), allowed) if match is not None else None
        if match is not None and key is not None:
            if key in fields:
                raise FieldsError("duplicate", key)
            fields[key], pos = _read_value(text, match.end(), key)
            continue
        if len(bare) >= len(_free_slots(shape, fields)):
            if shape.rest is not None and shape.rest not in fields:
                fields[shape.rest] = text[pos:].strip()
                break
            raise FieldsError("too_many", _clip(text[pos : _token_end(text, pos)]))
        value, pos = _read_value(text, pos, None)
        bare.append(value)
    free = _free_slots(shape, fields)
    if len(bare) > len(free):
        raise FieldsError("too_many", _clip(bare[len(free)]))
    fields.update(zip(free, bare, strict=False))
    return fields


def _free_slots(shape: CommandShape, fields: dict[str, str]) -> list[str]:
    """Positional names not already given by name, in order."""
    return [name for name in shape.positional if name not in fields]


def _read_value(text: str, pos: int, key: str | None) -> tuple[str, int]:
    """Read one (possibly quoted) value at ``pos``; return it stripped and the end position."""
    closers = _CLOSERS.get(text[pos]) if pos < len(text) else None
    if closers is None:
        end = _token_end(text, pos)
        return text[pos:end], end
    for index in range(pos + 1, len(text)):
        if text[index] in closers and (index + 1 == len(text) or text[index + 1].isspace()):
            return text[pos + 1 : index].strip(), index + 1
    raise FieldsError("unclosed_quote", key if key is not None else _clip(text[pos:]))


def _skip_space(text: str, pos: int) -> int:
    """First non-whitespace position at or after ``pos`` (or ``len(text)``)."""
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _token_end(text: str, pos: int) -> int:
    """First whitespace position at or after ``pos`` (or ``len(text)``)."""
    while pos < len(text) and not text[pos].isspace():
        pos += 1
    return pos


def _clip(detail: str) -> str:
    """Shorten an error detail so it can be echoed back to a chat."""
    return detail if len(detail) <= _DETAIL_MAX else detail[: _DETAIL_MAX - 1] + "…"
