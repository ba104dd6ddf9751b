"""`when` against the phrase table (tests/when_phrases.py): each read at the same fixed now in Paris."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from bot.domain.when import WhenError, parse_when
from tests.when_phrases import NOW, PARIS, PHRASES, SPEC

README = Path(__file__).resolve().parents[2] / "README.md"
CODES = {"unparsed", "no_time", "too_soon", "too_far", "nonexistent"}


def reading(lang: str, text: str) -> str:
    """What the reader makes of ``text``: Paris wall-clock time, or the refusal's code."""
    try:
        result = parse_when(text, now=NOW, tz=PARIS, lang=lang)
    except WhenError as refused:
        assert refused.text == text
        return refused.code
    return f"{result.astimezone(PARIS):%Y-%m-%d %H:%M}"


def test_the_table_is_large_and_has_no_duplicates() -> None:
    assert len(PHRASES) >= 300
    assert len({(lang, text) for lang, text, _ in PHRASES}) == len(PHRASES)
    for _, _, expected in (*PHRASES, *SPEC):
        assert expected in CODES or datetime.strptime(expected, "%Y-%m-%d %H:%M")


@pytest.mark.parametrize(("lang", "text", "expected"), PHRASES, ids=lambda v: str(v))
def test_phrase(lang: str, text: str, expected: str) -> None:
    assert reading(lang, text) == expected


@pytest.mark.parametrize(("lang", "text", "expected"), SPEC, ids=lambda v: str(v))
def test_every_phrase_of_the_spec(lang: str, text: str, expected: str) -> None:
    assert reading(lang, text) == expected


def test_every_when_of_the_readme_is_read() -> None:
    found = re.findall(r'when="([^"]+)"', README.read_text(encoding="utf-8"))
    assert found
    for text in found:
        assert reading("fr", text) not in CODES, text
