"""Examples and properties for bot.core.fields (command argument parsing)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.core.fields import (
    CommandShape,
    FieldsError,
    _parse_general,
    parse_bool,
    parse_fields,
    parse_live_ref,
)

NEW = CommandShape(keys=frozenset({"title", "when", "duration", "capacity", "link"}))
ASK = CommandShape(positional=("live",), rest="question", keys=frozenset({"anonymous"}))
JOIN = CommandShape(positional=("live",))
CANCEL = CommandShape(positional=("live",), rest="reason")
MUTE = CommandShape(positional=("user", "duration"))
SHAPES = [NEW, ASK, JOIN, CANCEL, MUTE, CommandShape()]


def error_of(text: str, shape: CommandShape) -> tuple[str, str]:
    with pytest.raises(FieldsError) as info:
        parse_fields(text, shape)
    return info.value.code, info.value.detail


# --- single-line key=value -------------------------------------------------------------------


def test_new_with_quoted_values() -> None:
    text = 'title="Initiation à Python" when="demain 18h" duration=90 capacity=50'
    assert parse_fields(text, NEW) == {
        "title": "Initiation à Python",
        "when": "demain 18h",
        "duration": "90",
        "capacity": "50",
    }


def test_ask_all_named() -> None:
    text = 'live=12 anonymous=yes question="Comment débuter ?"'
    assert parse_fields(text, ASK) == {
        "live": "12",
        "anonymous": "yes",
        "question": "Comment débuter ?",
    }


def test_single_quotes_and_apostrophe_inside() -> None:
    assert parse_fields("title='l'atelier du soir'", NEW) == {"title": "l'atelier du soir"}
    assert parse_fields('title="l\'atelier"', NEW) == {"title": "l'atelier"}


def test_empty_text_gives_no_fields() -> None:
    assert parse_fields("", NEW) == {}
    assert parse_fields("   ", ASK) == {}


@pytest.mark.parametrize(
    "text",
    [
        "title=«Cours de cuisine»",
        "title=« Cours de cuisine »",
        "title=«\u00a0Cours de cuisine\u00a0»",
        "title=“Cours de cuisine”",
        "title=„Cours de cuisine“",
        "title=‘Cours de cuisine’",
        "title=»Cours de cuisine«",
        'title="Cours de cuisine”',
        "title='Cours de cuisine'",
        'title=" Cours de cuisine "',
    ],
)
def test_smart_quotes_work_like_straight_quotes(text: str) -> None:
    assert parse_fields(text + " capacity=8", NEW) == {
        "title": "Cours de cuisine",
        "capacity": "8",
    }


def test_atelier_cv_with_curly_quotes() -> None:
    assert parse_fields("title=“Atelier CV” when=demain", NEW) == {
        "title": "Atelier CV",
        "when": "demain",
    }


def test_quote_inside_quoted_value_is_kept_when_not_followed_by_space() -> None:
    assert parse_fields('title="Atelier «CV» pro"', NEW) == {"title": "Atelier «CV» pro"}
    assert parse_fields('title="C"est parti" capacity=3', NEW) == {
        "title": 'C"est parti',
        "capacity": "3",
    }


def test_empty_values() -> None:
    assert parse_fields('title="" capacity=', NEW) == {"title": "", "capacity": ""}


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ('title="Initiation à Python', "title"),
        ("title=«Cours de cuisine", "title"),
        ("title=“Atelier CV", "title"),
        ("title=«Cours»x de cuisine capacity=3", "title"),
        ('title="', "title"),
    ],
)
def test_unclosed_quote_is_an_error(text: str, detail: str) -> None:
    assert error_of(text, NEW) == ("unclosed_quote", detail)


def test_unclosed_quote_in_positional_token() -> None:
    assert error_of('"12', JOIN)[0] == "unclosed_quote"


def test_duplicate_key() -> None:
    assert error_of("title=a when=b title=c", NEW) == ("duplicate", "title")


def test_unknown_key_on_one_line_is_positional_text() -> None:
    assert error_of("colour=red", NEW) == ("too_many", "colour=red")


# --- positional forms ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["12", "#12", "  12  ", '"12"', "live=12"])
def test_join(text: str) -> None:
    assert parse_fields(text, JOIN)["live"] in {"12", "#12"}


def test_join_too_many() -> None:
    assert error_of("12 13", JOIN) == ("too_many", "13")


def test_ask_positional_question_is_raw_rest_of_line() -> None:
    assert parse_fields("12 Comment débuter ?", ASK) == {
        "live": "12",
        "question": "Comment débuter ?",
    }
    assert parse_fields("#12   Comment   débuter ?  ", ASK) == {
        "live": "#12",
        "question": "Comment   débuter ?",
    }


def test_ask_question_with_equals_and_quotes_is_untouched() -> None:
    text = '12 Que vaut x=1 ? Et "a b" ou « c » avec \'d'
    assert parse_fields(text, ASK) == {
        "live": "12",
        "question": 'Que vaut x=1 ? Et "a b" ou « c » avec \'d',
    }


def test_ask_question_starting_with_unknown_key_value() -> None:
    assert parse_fields("12 x=1 ?", ASK) == {"live": "12", "question": "x=1 ?"}


def test_ask_field_names_inside_question_are_not_parsed() -> None:
    assert parse_fields("12 pourquoi anonymous=yes ?", ASK) == {
        "live": "12",
        "question": "pourquoi anonymous=yes ?",
    }


def test_ask_fields_before_positional_question() -> None:
    assert parse_fields("12 anonymous=oui Comment débuter ?", ASK) == {
        "live": "12",
        "anonymous": "oui",
        "question": "Comment débuter ?",
    }


def test_named_live_frees_positional_slot_for_question() -> None:
    assert parse_fields("live=12 Comment débuter ?", ASK) == {
        "live": "12",
        "question": "Comment débuter ?",
    }


def test_named_question_with_extra_bare_token_is_too_many() -> None:
    assert error_of('question="Pourquoi ?" 12 13', ASK) == ("too_many", "13")


def test_ask_multi_line_question_without_key_lines_keeps_newlines() -> None:
    assert parse_fields("12 Bonjour,\nComment débuter ?", ASK) == {
        "live": "12",
        "question": "Bonjour,\nComment débuter ?",
    }


def test_cancel_rest_is_reason() -> None:
    assert parse_fields("12 trop de monde", CANCEL) == {"live": "12", "reason": "trop de monde"}
    assert parse_fields("12", CANCEL) == {"live": "12"}


def test_mute() -> None:
    assert parse_fields("123 2h", MUTE) == {"user": "123", "duration": "2h"}
    assert error_of("123 2h 3h", MUTE) == ("too_many", "3h")


def test_named_field_moves_bare_token_to_next_slot() -> None:
    assert parse_fields("2h user=123", MUTE) == {"user": "123", "duration": "2h"}
    assert parse_fields("user=123 2h", MUTE) == {"user": "123", "duration": "2h"}


def test_named_field_after_filled_slot_without_next_slot_is_too_many() -> None:
    assert error_of("12 live=13", JOIN) == ("too_many", "12")


# --- multi-line ------------------------------------------------------------------------------


def test_multi_line_form_keeps_colons_in_values() -> None:
    text = "\ntitle: Initiation à Python\nwhen: 2026-12-01 18:30\nlink: https://example.org/live\n"
    assert parse_fields(text, NEW) == {
        "title": "Initiation à Python",
        "when": "2026-12-01 18:30",
        "link": "https://example.org/live",
    }


def test_multi_line_with_fields_on_first_line() -> None:
    text = "duration=90 capacity=50\ntitle: Atelier: CV\n\nwhen : 18:30"
    assert parse_fields(text, NEW) == {
        "duration": "90",
        "capacity": "50",
        "title": "Atelier: CV",
        "when": "18:30",
    }


def test_multi_line_first_line_may_be_a_key_line() -> None:
    assert parse_fields("title: A\nwhen: B", NEW) == {"title": "A", "when": "B"}


def test_multi_line_capitalised_key_is_accepted() -> None:
    assert parse_fields("\nTitle: Atelier", NEW) == {"title": "Atelier"}


def test_multi_line_unknown_field() -> None:
    assert error_of("\ntitle: A\ncolour: red", NEW) == ("unknown_field", "colour")


def test_multi_line_line_without_key_is_unknown_field() -> None:
    assert error_of("\ntitle: A\njust some text", NEW) == ("unknown_field", "just")


def test_multi_line_duplicate_across_lines() -> None:
    assert error_of("title=A\ntitle: B", NEW) == ("duplicate", "title")
    assert error_of("\ntitle: A\ntitle: B", NEW) == ("duplicate", "title")


def test_multi_line_positional_first_line_and_named_lines() -> None:
    assert parse_fields("12\nanonymous: yes\nquestion: Comment: débuter ?", ASK) == {
        "live": "12",
        "anonymous": "yes",
        "question": "Comment: débuter ?",
    }


def test_multi_line_named_live_makes_first_line_the_question() -> None:
    assert parse_fields("Comment débuter ?\nlive: 12", ASK) == {
        "live": "12",
        "question": "Comment débuter ?",
    }


# --- parse_live_ref / parse_bool -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12),
        ("#12", 12),
        ("  #12 ", 12),
        ("007", 7),
        (str(2**53), 2**53),
        (str(2**53 + 1), None),
        ("9" * 5000, None),
        ("0", None),
        ("#0", None),
        ("-3", None),
        ("+3", None),
        ("abc", None),
        ("#", None),
        ("", None),
        ("# 12", None),
        ("12a", None),
        ("1 2", None),
        ("١٢", None),
        ("1.5", None),
    ],
)
def test_parse_live_ref(text: str, expected: int | None) -> None:
    assert parse_live_ref(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True),
        ("OUI", True),
        (" True ", True),
        ("1", True),
        ("On", True),
        ("no", False),
        ("Non", False),
        ("FALSE", False),
        ("0", False),
        ("off", False),
        ("", None),
        ("peut-être", None),
        ("2", None),
        ("y", None),
    ],
)
def test_parse_bool(text: str, expected: bool | None) -> None:
    assert parse_bool(text) is expected


# --- properties ------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [*"ab12 =:#?\n\t'\"“”«»‘’„\u00a0", "title", "live", "question", "anonymous", "user"]
)


@given(st.lists(_ALPHABET, max_size=40).map("".join), st.sampled_from(SHAPES))
def test_parse_fields_returns_allowed_keys_or_raises_fields_error(
    text: str, shape: CommandShape
) -> None:
    try:
        result = parse_fields(text, shape)
    except FieldsError as error:
        assert error.code in {"unclosed_quote", "duplicate", "unknown_field", "too_many"}
        return
    assert set(result) <= shape.allowed
    assert all(value == value.strip() for value in result.values())


@given(st.text(max_size=80), st.sampled_from(SHAPES))
def test_parse_fields_on_any_text_never_crashes(text: str, shape: CommandShape) -> None:
    try:
        result = parse_fields(text, shape)
    except FieldsError:
        return
    assert set(result) <= shape.allowed


@given(st.text(max_size=30))
def test_parse_live_ref_is_total(text: str) -> None:
    result = parse_live_ref(text)
    assert result is None or 0 < result <= 2**53


_SHORT = st.sampled_from(
    [*" \t\n\u00a0\u2003\x1f=:#-_x1é", *"\"'“”„‘’«»", "live", "user", "durée", "question"]
)


@given(
    st.one_of(st.lists(_SHORT, max_size=8).map("".join), st.text(max_size=20)),
    st.sampled_from(SHAPES),
)
@example("live=12", JOIN)
@example("durée=1h", MUTE)
@example("«12»", JOIN)
@example('"12', JOIN)
@example("12", CommandShape())
@example(" 12\n", ASK)
def test_the_one_token_shortcut_parses_as_the_general_parser(
    text: str, shape: CommandShape
) -> None:
    """`/join 12` skips the character walk: whatever the text, the answer (or the error) is the
    one the general parser gives."""

    def outcome(parse: object) -> object:
        try:
            return parse(text, shape)  # type: ignore[operator]
        except FieldsError as error:
            return (error.code, error.detail)

    assert outcome(parse_fields) == outcome(_parse_general)


@pytest.mark.parametrize("text", ["12", " #12 ", "12\n", "abc", "é"])
def test_one_bare_token_fills_the_first_positional_name(text: str) -> None:
    assert parse_fields(text, JOIN) == {"live": text.strip()} == _parse_general(text, JOIN)
