"""The ledger's vocabulary: each key shape, built by its one builder, is the string rows already
stored carry (byte for byte) and reads back into the parts it was built from."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.delivery import vocabulary as v
from bot.core.delivery.vocabulary import KeyParts, Kind, parse

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
AT = datetime(2026, 11, 22, 11, 0, tzinfo=UTC)

SHAPES = [
    (v.announcement_key(1, 2), "announce:live=1:space=2", "announce", {"live": "1", "space": "2"}),
    (v.cancellation_post_key(2, 1), "cancel:live=2:space=1", "cancel", {"live": "2", "space": "1"}),
    (v.live_now_key(1, 2), "golive:live=1:space=2", "golive", {"live": "1", "space": "2"}),
    (v.summary_key(1, 1), "summary:live=1:space=1", "summary", {"live": "1", "space": "1"}),
    (v.refresh_key(1), "refresh:live=1", "refresh", {"live": "1"}),
    (v.event_key(1, 1), "event:live=1:space=1", "event", {"live": "1", "space": "1"}),
    (
        v.reminder_key(1, 5, "24h", START),
        "reminder:live=1:member=5:offset=24h:start=20261124T1700Z",
        "reminder",
        {"live": "1", "member": "5", "offset": "24h", "start": "20261124T1700Z"},
    ),
    (
        v.soon_key(1, 2, START),
        "soon:live=1:space=2:start=20261124T1700Z",
        "soon",
        {"live": "1", "space": "2", "start": "20261124T1700Z"},
    ),
    (
        v.nudge_key(1, 1, START),
        "nudge:live=1:member=1:start=20261124T1700Z",
        "nudge",
        {"live": "1", "member": "1", "start": "20261124T1700Z"},
    ),
    (
        v.auto_end_key(1, START),
        "autoend:live=1:start=20261124T1700Z",
        "autoend",
        {"live": "1", "start": "20261124T1700Z"},
    ),
    (
        v.promotion_key(1, 6, AT),
        "promoted:live=1:member=6:at=2026-11-22T11:00:00+00:00",
        "promoted",
        {"live": "1", "member": "6", "at": "2026-11-22T11:00:00+00:00"},
    ),
    (
        v.change_notice_key(Kind.TIME_CHANGE, 1, 6, AT),
        "time_change:live=1:member=6:at=2026-11-22T11:00:00+00:00",
        "time_change",
        {"live": "1", "member": "6", "at": "2026-11-22T11:00:00+00:00"},
    ),
    (
        v.change_notice_key(Kind.CANCELLATION, 1, 6, AT),
        "cancellation:live=1:member=6:at=2026-11-22T11:00:00+00:00",
        "cancellation",
        {"live": "1", "member": "6", "at": "2026-11-22T11:00:00+00:00"},
    ),
    (v.feedback_key(1, 6), "feedback:live=1:member=6", "feedback", {"live": "1", "member": "6"}),
    (v.replay_key(1, 3), "replay:live=1:member=3", "replay", {"live": "1", "member": "3"}),
    (
        v.mute_key(4, AT),
        "mute:m=4:at=2026-11-22T11:00:00+00:00",
        "mute",
        {"m": "4", "at": "2026-11-22T11:00:00+00:00"},
    ),
    (v.late_answer_key(9), "answer:inbox=9", "answer", {"inbox": "9"}),
    (v.question_card_key(7, 2), "modcard:q=7:space=2", "modcard", {"q": "7", "space": "2"}),
    (v.question_cards_edit_key(7), "cardedit:q=7", "cardedit", {"q": "7"}),
    (v.on_air_key(7, 1), "onair:q=7:space=1", "onair", {"q": "7", "space": "1"}),
    (v.proposal_card_key(3, 2), "proposal:p=3:space=2", "proposal", {"p": "3", "space": "2"}),
    (v.proposal_cards_edit_key(3), "cardedit:p=3", "cardedit", {"p": "3"}),
]

MARKED = [
    (v.question_told_key(7, Kind.QUESTION_APPROVED), "question:q=7:approved", {"q": "7"}, ("approved",)),
    (v.question_told_key(7, Kind.QUESTION_REJECTED), "question:q=7:rejected", {"q": "7"}, ("rejected",)),
    (v.question_told_key(7, Kind.QUESTION_MERGED), "question:q=7:merged", {"q": "7"}, ("merged",)),
    (v.proposal_told_key(3, accepted=True), "proposal:p=3:accepted", {"p": "3"}, ("accepted",)),
    (v.proposal_told_key(3, accepted=False), "proposal:p=3:declined", {"p": "3"}, ("declined",)),
    (
        v.fallback_key(v.promotion_key(1, 6, AT)),
        "promoted:live=1:member=6:at=2026-11-22T11:00:00+00:00:fallback",
        {"live": "1", "member": "6", "at": "2026-11-22T11:00:00+00:00"},
        ("fallback",),
    ),
    (v.event_cap_key(v.event_key(1, 1)), "event:live=1:space=1:cap", {"live": "1", "space": "1"}, ("cap",)),
]  # fmt: skip


@pytest.mark.parametrize(("key", "pinned", "shape", "fields"), SHAPES, ids=[s[1] for s in SHAPES])
def test_each_key_is_the_stored_string_and_reads_back_into_its_parts(
    key: str, pinned: str, shape: str, fields: dict[str, str]
) -> None:
    assert key == pinned
    assert parse(key) == KeyParts(shape, fields)
    assert str(parse(key)) == key


@pytest.mark.parametrize(("key", "pinned", "fields", "marks"), MARKED, ids=[m[1] for m in MARKED])
def test_keys_ending_in_a_word_read_back_with_it(
    key: str, pinned: str, fields: dict[str, str], marks: tuple[str, ...]
) -> None:
    assert key == pinned
    assert parse(key) == KeyParts(pinned.split(":")[0], fields, marks)
    assert str(parse(key)) == key


def test_a_question_merged_into_another_tells_its_author_under_the_merged_one() -> None:
    key = v.question_told_key(2, Kind.QUESTION_JOINED, merged=5)
    assert key == "question:q=2:joined=5"
    assert parse(key) == KeyParts("question", {"q": "2", "joined": "5"})


def test_the_cards_of_a_question_or_proposal_are_found_by_a_prefix_of_their_keys_only() -> None:
    assert v.question_card_key(1, 4).startswith(v.question_cards(1))
    assert not v.question_card_key(12, 4).startswith(v.question_cards(1))
    assert v.proposal_card_key(3, 2).startswith(v.proposal_cards(3))
    assert not v.proposal_told_key(3, accepted=True).startswith(v.proposal_cards(3))


def test_kinds_are_stored_as_the_plain_strings_rows_already_hold() -> None:
    stored = {"announcement", "refresh", "reminder", "soon", "nudge", "auto_end", "event",
              "event_cap", "cancellation", "time_change", "promotion", "live_now", "summary",
              "feedback", "replay", "proposal", "moderation", "on_air", "card_edit", "mute",
              "late_answer", "question_approved", "question_rejected", "question_merged"}  # fmt: skip
    assert stored <= {kind.value for kind in Kind}
    assert Kind("reminder") is Kind.REMINDER and f"{Kind.AUTO_END}" == "auto_end"
    assert set(v.URGENT) == {Kind.REFRESH, Kind.CARD_EDIT, Kind.LATE_ANSWER}


numbers = st.integers(min_value=1, max_value=10**12)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
)


@given(
    live=numbers, member=numbers, offset=st.sampled_from(["15m", "24h", "2d", "90m"]), start=moments
)
def test_any_reminder_key_reads_back(live: int, member: int, offset: str, start: datetime) -> None:
    parts = parse(v.reminder_key(live, member, offset, start))
    assert parts.fields == {
        "live": str(live),
        "member": str(member),
        "offset": offset,
        "start": start.strftime("%Y%m%dT%H%MZ"),
    }


@given(live=numbers, member=numbers, at=moments)
def test_any_key_holding_a_time_reads_back_whole(live: int, member: int, at: datetime) -> None:
    key = v.fallback_key(v.promotion_key(live, member, at))
    parts = parse(key)
    assert datetime.fromisoformat(parts.fields["at"]) == at
    assert parts.marks == ("fallback",) and str(parts) == key
