"""Auto-moderation: why a question deserves a moderator's eye, decided before any human looks.

Pure: the lexicons are read once when an `Automod` is built; `check` does no I/O and runs one
compiled regex per reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib.resources import files
from itertools import groupby

REASONS = ("insult", "link", "mention", "shouting", "repeated")
SHOUTING_LETTERS = 12  # short exclamations in capitals ("MERCI !") are not shouting
SHOUTING_SHARE = 0.7
LEXICONS = ("fr.txt", "en.txt")

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})
_MARKS = re.compile(r"[\u0300-\u036f]+")  # combining accents, once decomposed by NFKD
_LINK = re.compile(
    r"https?://|\bwww\.|\b[a-z0-9-]+\.(?:com|net|org|fr|be|ch|ca|de|uk|eu|io|ly|gg|me|co|xyz"
    r"|info|biz|ru|tk|app|dev|tv|link|click|shop|site|online|top)\b",
    re.IGNORECASE,
)
_MENTION = re.compile(r"@everyone|@here|<@[!&]?[0-9]+>|<#[0-9]+>")
# Digits are left out: 1000000 is a number, not a flood of zeros.
_REPEATED = re.compile(r"([^\s\d])\1{5,}|\b(\w+)(?:\W+\2\b){3,}")


def fold(text: str) -> str:
    """Casefolded, without accents: `Enculé` and `ENCULE` compare equal."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return _MARKS.sub("", unicodedata.normalize("NFKD", folded))


def _term_tokens(term: str) -> tuple[str, ...]:
    """A term as regex pieces on folded, de-leeted text; a run of n letters matches n or more."""
    words = fold(term).translate(_LEET).replace("-", " ").split()
    tokens: list[str] = []
    for word in words:
        if tokens:
            tokens.append(r"[\W_]*")  # `fils de pute`, `fils-de-pute` and `filsdepute` alike
        for char, run in groupby(word):
            n = len(list(run))
            tokens.append(f"{re.escape(char)}{{{n},}}" if n > 1 else f"{re.escape(char)}+")
    return tuple(tokens)


def _lexicon_regex(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation, longest first, factored on the first letter so a check is one quick pass."""
    by_head: dict[str, set[str]] = {}
    for tokens in filter(None, map(_term_tokens, terms)):
        by_head.setdefault(tokens[0], set()).add("".join(tokens[1:]))
    if not by_head:
        return None
    groups = []
    for head, tails in sorted(by_head.items()):
        ordered = sorted(tails, key=lambda t: (-len(t), t))
        groups.append(f"{head}(?:{'|'.join(ordered)})")
    return re.compile(rf"\b(?:{'|'.join(groups)})(?:e?s)?\b")


def parse_lexicon(text: str) -> tuple[str, ...]:
    """One term per line; blank lines and `#` comments skipped."""
    lines = (line.split("#", 1)[0].strip() for line in text.splitlines())
    return tuple(line for line in lines if line)


@cache
def _default() -> Automod:
    folder = files("bot.domain.lexicons")
    terms: list[str] = []
    for name in LEXICONS:
        terms.extend(parse_lexicon(folder.joinpath(name).read_text(encoding="utf-8")))
    return Automod(tuple(terms))


@dataclass(frozen=True)
class Automod:
    """A filter built from lexicon terms; immutable, so one instance serves every request."""

    terms: tuple[str, ...] = ()
    _lexicon: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lexicon", _lexicon_regex(self.terms))

    @classmethod
    def default(cls) -> Automod:
        """The French and English lexicons shipped with the bot, read and compiled once."""
        return _default()

    def extend(self, terms: Iterable[str]) -> Automod:
        """A new filter with a community's own terms added; this one is left as it was."""
        stripped = (term.strip() for term in terms)
        added = tuple(dict.fromkeys(t for t in stripped if t and t not in self.terms))
        return Automod(self.terms + added) if added else self

    def with_terms(self, terms: tuple[str, ...]) -> Automod:
        """`extend`, remembered: a community's terms are compiled once, not at every question."""
        return _extended(self, terms) if terms else self

    def check(self, text: str) -> tuple[str, ...]:
        """The reasons to hold `text`, in the order of `REASONS`; empty when it is clean."""
        folded = fold(text)
        reasons = []
        if self._lexicon is not None and self._lexicon.search(folded.translate(_LEET)):
            reasons.append("insult")
        if _LINK.search(text):
            reasons.append("link")
        if _MENTION.search(text):
            reasons.append("mention")
        if _shouting(text):
            reasons.append("shouting")
        if _REPEATED.search(folded):
            reasons.append("repeated")
        return tuple(reasons)


def _shouting(text: str) -> bool:
    letters = sum(map(str.isalpha, text))
    if letters < SHOUTING_LETTERS:
        return False
    return sum(map(str.isupper, text)) > SHOUTING_SHARE * letters


@lru_cache(maxsize=256)
def _extended(base: Automod, terms: tuple[str, ...]) -> Automod:
    return base.extend(terms)
