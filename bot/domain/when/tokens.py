"""Text to tokens: lower case without accents, numbers (typed or spelled), words, ISO dates whole.

One regular expression splits the text; a second pass joins the words that read as one
(``apres midi``, ``dix huit``, ``vingt et un``). Nothing here decides what a token means.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.when.lexicon import (
    LANG_OF,
    ORDINAL_WORDS,
    PHRASES,
    TEENS_WORDS,
    TENS_WORDS,
    UNITS_WORDS,
)

MAX_TEXT = 100


@dataclass(frozen=True, slots=True)
class Token:
    """A word, a symbol or a number; ``digits`` is how many digits were typed (0 when spelled)."""

    text: str
    num: int | None = None
    digits: int = 0
    ordinal: bool = False
    iso: tuple[int, int, int, int | None, int | None, int | None] | None = None


_ACCENTS = re.compile("[\u0300-\u036f]")
_BLANKS = str.maketrans(dict.fromkeys("'’‘`´ʼ,;!?()[]\"«»“”„…", " "))
_AMPM = re.compile(r"(?<![a-z])([ap])\.\s?m\b\.?")
# A dot counts between digits only (16.12.2026); a dash next to a digit (2026-12-01, -5, 18h-20h).
_LONE = re.compile(r"(?<![0-9])\.|\.(?![0-9])|(?<![0-9])-(?![0-9])")
_TOKEN = re.compile(
    r"(?P<iso>(?P<y>[0-9]{4})-(?P<mo>[0-9]{1,2})-(?P<d>[0-9]{1,2})(?![0-9])"
    r"(?:t(?P<h>[0-9]{1,2}):(?P<mi>[0-9]{2})(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?P<off>z|[+-][0-9]{2}(?::?[0-9]{2})?)?(?![0-9]))?)"
    r"|(?P<num>[0-9]+)(?:(?P<ord>ere|er|re|eme|e|st|nd|rd|th)(?![a-z]))?"
    r"|(?P<word>[a-z]+)"
    r"|(?P<sym>\S)"
)
_PHRASE_STARTS: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _words, _canon in sorted(PHRASES.items(), key=lambda item: -len(item[0])):
    _PHRASE_STARTS.setdefault(_words[0], []).append((_words, _canon))


def normalise(text: str) -> str:
    """Lower case, accents and punctuation gone (``a.m.`` -> ``am``), single spaces."""
    t = _ACCENTS.sub("", unicodedata.normalize("NFKD", text)).lower().translate(_BLANKS)
    t = _LONE.sub(" ", _AMPM.sub(r"\1m", t))
    return " ".join(t.split())


def _offset(text: str | None) -> int | None:
    """Minutes east of UTC from ``z``, ``+01:00``, ``-0500`` or ``+01``."""
    if text is None:
        return None
    if text == "z":
        return 0
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:] or 0)
    return -minutes if text[0] == "-" else minutes


def _split(text: str) -> list[Token]:
    tokens: list[Token] = []
    for m in _TOKEN.finditer(text):
        if m["iso"]:
            hour = int(m["h"]) if m["h"] else None
            minute = int(m["mi"]) if m["mi"] else None
            iso = (int(m["y"]), int(m["mo"]), int(m["d"]), hour, minute, _offset(m["off"]))
            tokens.append(Token("iso", iso=iso))
        elif m["num"]:
            number = m["num"]
            tokens.append(Token(number, int(number[:6]), len(number), bool(m["ord"])))
        else:
            tokens.append(Token(m["word"] or m["sym"]))
    return tokens


def _spelled(words: list[str], i: int) -> tuple[int, int] | None:
    """A spelled number at ``words[i]``: (value, words used)."""
    word = words[i]
    after = words[i + 1] if i + 1 < len(words) else ""
    if word in TENS_WORDS:
        if after == "et" and i + 2 < len(words) and words[i + 2] in ("un", "une"):
            return TENS_WORDS[word] + 1, 3
        if after in UNITS_WORDS and UNITS_WORDS[after] > 0:
            return TENS_WORDS[word] + UNITS_WORDS[after], 2
        return TENS_WORDS[word], 1
    if word == "dix" and after in ("sept", "huit", "neuf"):
        return 10 + UNITS_WORDS[after], 2
    if word in TEENS_WORDS:
        return TEENS_WORDS[word], 1
    if word in UNITS_WORDS:
        return UNITS_WORDS[word], 1
    return None


def tokenize(text: str) -> list[Token]:
    """Tokens of already normalised text, phrases and spelled numbers joined."""
    raw = _split(text)
    words = [t.text for t in raw]
    out: list[Token] = []
    i = 0
    while i < len(raw):
        for phrase, canon in _PHRASE_STARTS.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.append(Token(canon))
                i += len(phrase)
                break
        else:
            if (spelled := _spelled(words, i)) is not None:
                value, used = spelled
                out.append(Token(" ".join(words[i : i + used]), value))
                i += used
            elif words[i] in ORDINAL_WORDS:
                out.append(Token(words[i], ORDINAL_WORDS[words[i]], ordinal=True))
                i += 1
            else:
                out.append(raw[i])
                i += 1
    return out


def language(tokens: list[Token], reader: str) -> str:
    """``fr`` or ``en``: the language of the words, or the reader's when they say neither (or both)."""
    found = {LANG_OF[t.text] for t in tokens if t.text in LANG_OF}
    return found.pop() if len(found) == 1 else reader
