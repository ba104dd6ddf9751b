"""Round trips of everything that crosses a platform boundary: button actions, deep links and the
messages stored unrendered in the delivery ledger."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import codec
from bot.core.codec import CodecError, decode, deep_link, encode, parse_deep_link
from bot.core.delivery.payloads import dump_message, load_message
from bot.core.messages import Button, OutMessage, Raw, Text
from bot.domain.model import UserRef

TELEGRAM_CALLBACK_BYTES = 64
DISCORD_CUSTOM_ID_CHARS = 100
ID = st.from_regex(r"\A[0-9]{1,16}\Z")
WORD = st.from_regex(r"\A[\w.\-]{1,24}\Z")  # tags and settings may hold any letter
ACTIONS = codec._ACTIONS
TEXT_ARGS = codec._TEXT_ARGS


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_round_trips(name: str) -> None:
    _, names = ACTIONS[name]
    values = ["cuisine" if n in TEXT_ARGS else str(12 + i) for i, n in enumerate(names)]
    action = decode(encode(name, *values))
    assert action.name == name
    assert action.args == dict(zip(names, values, strict=True))


@settings(max_examples=200, deadline=None)
@given(name=st.sampled_from(sorted(ACTIONS)), data=st.data())
def test_any_valid_arguments_round_trip_within_both_platform_limits(
    name: str, data: st.DataObject
) -> None:
    _, names = ACTIONS[name]
    values = [data.draw(WORD if n in TEXT_ARGS else ID) for n in names]
    code = ACTIONS[name][0]
    if len(":".join([code, *values]).encode("utf-8")) > TELEGRAM_CALLBACK_BYTES:
        with pytest.raises(CodecError):  # refused rather than cut: a cut id is another id
            encode(name, *values)
        return
    wire = encode(name, *values)
    assert len(wire.encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES
    assert len(wire) <= DISCORD_CUSTOM_ID_CHARS
    assert decode(wire) == codec.Action(name, dict(zip(names, values, strict=True)))


def test_the_longest_action_fits_telegram_and_discord() -> None:
    for name, (_, names) in ACTIONS.items():
        wire = encode(name, *["é" * 12 if n in TEXT_ARGS else "9" * 16 for n in names])
        assert len(wire.encode("utf-8")) <= TELEGRAM_CALLBACK_BYTES, name
        assert len(wire) <= DISCORD_CUSTOM_ID_CHARS, name


def test_a_page_with_the_longest_accented_tag_fits() -> None:
    tag = "é" * 24  # the longest tag /schedule accepts, two bytes a letter
    assert decode(encode("lives", 999, tag)).args == {"page": "999", "tag": tag}


def test_anything_over_telegram_s_64_bytes_is_refused() -> None:
    with pytest.raises(CodecError):
        encode("settings", "é" * 20, "é" * 20)


def test_one_letter_codes_are_unique() -> None:
    codes = [code for code, _ in ACTIONS.values()]
    assert len(codes) == len(set(codes))


def test_live_ids_up_to_the_largest_fit() -> None:
    assert decode(encode("join", 2**53)).args == {"live": str(2**53)}
    assert decode(encode("merge", 10**15, 10**15 - 1)).args == {
        "question": str(10**15),
        "into": str(10**15 - 1),
    }


def test_stop_takes_no_argument() -> None:
    assert encode("stop") == "x"
    assert decode("x") == codec.Action("stop", {})


@pytest.mark.parametrize(
    ("name", "values"),
    [
        ("join", ()),  # too few
        ("join", (1, 2)),  # too many
        ("join", ("a:b",)),  # the separator
        ("join", ("",)),  # empty
        ("join", ("x" * 25,)),  # too long for the limits
        ("join", ("é",)),  # an id is digits
        ("lives", (1, "x" * 25)),  # a tag longer than a button can carry
        ("vote", ("1 2",)),
        ("join", ("12\n",)),  # `$` in a regex would let this through
    ],
)
def test_bad_arguments_are_refused_when_encoding(name: str, values: tuple[object, ...]) -> None:
    with pytest.raises(CodecError):
        encode(name, *values)  # type: ignore[arg-type]


def test_an_unknown_action_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        encode("nope")


@pytest.mark.parametrize(
    "data",
    [
        "",
        ":",
        "z:1",
        "j",
        "j:",
        "j:1:2",
        "j:1 2",
        "j:é",
        "x:1",
        "m:1",
        "J:1",
        "j:" + "1" * 25,
        "j:12\n",
        "x\n",
    ],
)
def test_foreign_data_is_refused_when_decoding(data: str) -> None:
    with pytest.raises(CodecError):
        decode(data)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_decode_either_refuses_or_returns_what_encode_would_have_built(data: str) -> None:
    try:
        action = decode(data)
    except CodecError:
        return
    _, names = ACTIONS[action.name]
    assert encode(action.name, *(action.args[n] for n in names)) == data


@pytest.mark.parametrize("name", ["join", "ask", "live"])
def test_deep_links_round_trip_in_telegrams_start_alphabet(name: str) -> None:
    payload = deep_link(name, 12345)
    assert payload == f"{name}_12345"
    assert all(c.isalnum() or c in "_-" for c in payload)
    assert len(payload) <= 64
    assert parse_deep_link(payload) == codec.Action(name, {"live": "12345"})


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=10**15 - 1), st.sampled_from(["join", "ask", "live"]))
def test_any_live_id_round_trips_as_a_deep_link(live_id: int, name: str) -> None:
    assert parse_deep_link(deep_link(name, live_id)).args == {"live": str(live_id)}


@pytest.mark.parametrize("payload", ["", "join", "join_", "join_x", "vote_1", "join_1_2", "ask 1"])
def test_foreign_deep_links_are_refused(payload: str) -> None:
    with pytest.raises(CodecError):
        parse_deep_link(payload)


def test_an_unknown_deep_link_name_is_refused() -> None:
    with pytest.raises(CodecError):
        deep_link("vote", 1)


# -- messages in the delivery ledger -------------------------------------------------------------


def rich_message() -> OutMessage:
    inner = Text("en", "live.card.link", {"link": "https://example.org/?a=1&b=<2>"})
    lines = (Text("fr", "end.unanswered_line", {"text": "Q « 1 »"}), Text("fr", "button.join"))
    text = Text(
        "fr",
        "live.announce",
        {"card": inner, "lines": lines, "raw": Raw("<b>trusted</b>"), "id": 12, "who": "@everyone"},
        count=3,
    )
    buttons = (
        (Button(Text("fr", "button.join"), codec.encode("join", 12)),),
        (
            Button(Text("fr", "button.details"), url="https://t.me/solidaire_bot?start=join_12"),
            Button(Text("en", "button.stars", {"stars": Raw("★★")}), codec.encode("rate", 12, 2)),
        ),
    )
    return OutMessage(text, buttons, (UserRef("discord", "123"), UserRef("telegram", "-100")))


def test_a_message_round_trips_through_json() -> None:
    message = rich_message()
    stored = json.loads(json.dumps(dump_message(message)))
    assert load_message(stored) == message


def test_a_plain_message_round_trips() -> None:
    message = OutMessage(Text("en", "guide.none"))
    assert load_message(json.loads(json.dumps(dump_message(message)))) == message


def test_a_row_written_before_mentions_existed_still_loads() -> None:
    data = dump_message(OutMessage(Text("fr", "guide.none")))
    del data["mentions"]
    assert load_message(data) == OutMessage(Text("fr", "guide.none"))


def test_raw_and_user_text_stay_distinct_after_a_round_trip() -> None:
    """The adapter escapes user text but not Raw: a round trip must not turn one into the other."""
    message = OutMessage(Text("fr", "x", {"user": "<b>", "trusted": Raw("<b>")}))
    loaded = load_message(json.loads(json.dumps(dump_message(message))))
    assert loaded.text.params["user"] == "<b>"
    assert loaded.text.params["trusted"] == Raw("<b>")


_leaf = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.builds(Raw, st.text(max_size=30)),
)
_keys = st.from_regex(r"\A[a-z]{1,8}(\.[a-z_]{1,8}){0,2}\Z")


def _texts(params: st.SearchStrategy[object]) -> st.SearchStrategy[Text]:
    return st.builds(
        Text,
        st.sampled_from(["fr", "en"]),
        _keys,
        st.dictionaries(st.from_regex(r"\A[a-z_]{1,8}\Z"), params, max_size=4),
        st.none() | st.integers(min_value=0, max_value=10**6),
    )


_params = st.recursive(
    _leaf,
    lambda inner: _texts(inner) | st.lists(_texts(inner), max_size=3).map(tuple),
    max_leaves=8,
)


@settings(max_examples=150, deadline=None)
@given(
    text=_texts(_params),
    labels=st.lists(st.lists(_texts(_leaf), min_size=1, max_size=3), max_size=3),
    mentions=st.lists(st.builds(UserRef, st.sampled_from(["discord", "telegram"]), st.text())),
)
def test_any_message_round_trips(
    text: Text, labels: list[list[Text]], mentions: list[UserRef]
) -> None:
    rows = tuple(
        tuple(Button(label, codec.encode("join", i + 1)) for i, label in enumerate(row))
        for row in labels
    )
    message = OutMessage(text, rows, tuple(mentions))
    assert load_message(json.loads(json.dumps(dump_message(message)))) == message


def test_a_ledger_row_always_gets_the_same_short_discord_nonce() -> None:
    key = "reminder:live=12:member=345:offset=15m:start=20261201T1730Z"
    assert codec.nonce(key) == codec.nonce(key)
    assert 1 <= len(codec.nonce(key)) <= 25
    assert codec.nonce(key) != codec.nonce(key.replace("15m", "24h"))
