"""The ledger's vocabulary: the kinds of rows it holds, one builder per shape of key, and which
kinds are sent first.

A key is a contract: it deduplicates a row across restarts and seeds Discord's nonce, so a row
owed before an upgrade must keep its key after it. Every key is built here and nowhere else;
`parse` reads one back into its parts (tests/conversations/test_ledger_vocabulary.py round-trips each
shape). Kinds are stored as their plain string values, so rows written before the enum read the
same; storage imports this module and the repository protocols, never a use case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    """What a row owes; its value is what the `kind` column holds."""

    ANNOUNCEMENT = "announcement"  # a live's post in each announce space
    REFRESH = "refresh"  # the live's posts (and events) edited to read as they should now
    REMINDER = "reminder"
    SOON = "soon"  # "starting soon" in each announce space
    NUDGE = "nudge"  # the host, when nobody went live
    AUTO_END = "auto_end"  # not a message: the live is closed as if its host had run /end
    EVENT = "event"  # the live in a platform's own calendar (a Discord Scheduled Event)
    EVENT_CAP = "event_cap"  # the host told that the server's calendar is full
    TIME_CHANGE = "time_change"  # those signed up told the live moved
    CANCELLATION = "cancellation"  # the cancelled live's post, and those signed up told
    PROMOTION = "promotion"  # a waitlisted member given a freed seat
    LIVE_NOW = "live_now"
    SUMMARY = "summary"
    FEEDBACK = "feedback"  # the replay and a rating, to those who came
    REPLAY = "replay"  # the replay only, to those signed up who did not come
    PROPOSAL = "proposal"  # a proposal's card for the moderators, or its author told the outcome
    MODERATION = "moderation"  # a held question's card for the moderators
    ON_AIR = "on_air"  # the question the host takes now
    CARD_EDIT = "card_edit"  # every card of a decided question or proposal, edited
    QUESTION_APPROVED = "question_approved"
    QUESTION_REJECTED = "question_rejected"
    QUESTION_MERGED = "question_merged"
    QUESTION_JOINED = "question_joined"  # another question was merged into the author's
    MUTE = "mute"
    LATE_ANSWER = "late_answer"  # the answer to a press the platform no longer takes


# Sent before anything else due: a member is waiting for these, while a reminder may be a few
# seconds late without harm (a fan-out of 2,000 reminders takes a minute at 30/s).
URGENT = (Kind.REFRESH, Kind.CARD_EDIT, Kind.LATE_ANSWER)
# The platform of rows the process acts on itself (the automatic end, refreshes, card edits):
# never sent to a chat.
CORE_PLATFORM = "core"


def _start(starts_at: datetime) -> str:
    """The live's start in the keys it owes: moving a live owes fresh rows (`%Y%m%dT%H%MZ`,
    formatted directly: every sign-up makes one per reminder)."""
    d = starts_at
    return f"{d.year:04d}{d.month:02d}{d.day:02d}T{d.hour:02d}{d.minute:02d}Z"


# -- a live's posts, one per announce space -----------------------------------------------------
def announcement_key(live_id: int, space_id: int) -> str:
    return f"announce:live={live_id}:space={space_id}"


def cancellation_post_key(live_id: int, space_id: int) -> str:
    return f"cancel:live={live_id}:space={space_id}"


def live_now_key(live_id: int, space_id: int) -> str:
    return f"golive:live={live_id}:space={space_id}"


def summary_key(live_id: int, space_id: int) -> str:
    return f"summary:live={live_id}:space={space_id}"


def refresh_key(live_id: int) -> str:
    return f"refresh:live={live_id}"


def event_key(live_id: int, space_id: int) -> str:
    """No start in it: once created, the event follows the live's changes."""
    return f"event:live={live_id}:space={space_id}"


# -- timed rows: the live's start is part of their keys -----------------------------------------
def reminder_key(live_id: int, member_id: int, offset: str, starts_at: datetime) -> str:
    head, tail = reminder_key_parts(live_id, offset, starts_at)
    return f"{head}{member_id}{tail}"


def reminder_key_parts(live_id: int, offset: str, starts_at: datetime) -> tuple[str, str]:
    """`reminder_key` around its member id: what every member of a live shares, built once per
    live and offset by the planner (a crowd signing up makes one key per reminder each)."""
    return f"reminder:live={live_id}:member=", f":offset={offset}:start={_start(starts_at)}"


def soon_key(live_id: int, space_id: int, starts_at: datetime) -> str:
    return f"soon:live={live_id}:space={space_id}:start={_start(starts_at)}"


def nudge_key(live_id: int, host_id: int, starts_at: datetime) -> str:
    return f"nudge:live={live_id}:member={host_id}:start={_start(starts_at)}"


def auto_end_key(live_id: int, starts_at: datetime) -> str:
    return f"autoend:live={live_id}:start={_start(starts_at)}"


# -- a member told something ---------------------------------------------------------------------
def change_notice_key(kind: Kind, live_id: int, member_id: int, at: datetime) -> str:
    """Someone signed up told the live moved (`TIME_CHANGE`) or was cancelled (`CANCELLATION`);
    `at` (when it was decided) keeps a second change from being taken for the first."""
    return f"{kind}:live={live_id}:member={member_id}:at={at.isoformat()}"


def promotion_key(live_id: int, member_id: int, at: datetime) -> str:
    return f"promoted:live={live_id}:member={member_id}:at={at.isoformat()}"


def feedback_key(live_id: int, member_id: int) -> str:
    return f"feedback:live={live_id}:member={member_id}"


def replay_key(live_id: int, member_id: int) -> str:
    return f"replay:live={live_id}:member={member_id}"


def mute_key(member_id: int, at: datetime) -> str:
    return f"mute:m={member_id}:at={at.isoformat()}"


def late_answer_key(receipt: int) -> str:
    """The answer to the inbox item `receipt`, owed privately unless answered in time."""
    return f"answer:inbox={receipt}"


# -- questions and proposals: their cards, their edits, their authors told ---------------------
def question_card_key(question_id: int, space_id: int) -> str:
    return f"modcard:q={question_id}:space={space_id}"


def question_cards(question_id: int) -> str:
    """The start of the keys of every card of a question (the colon keeps q=1 from q=12)."""
    return f"modcard:q={question_id}:"


def question_cards_edit_key(question_id: int) -> str:
    return f"cardedit:q={question_id}"


def on_air_key(question_id: int, space_id: int) -> str:
    return f"onair:q={question_id}:space={space_id}"


_TOLD = {
    Kind.QUESTION_APPROVED: "approved",
    Kind.QUESTION_REJECTED: "rejected",
    Kind.QUESTION_MERGED: "merged",
    Kind.QUESTION_JOINED: "joined",
}


def question_told_key(question_id: int, kind: Kind, merged: int | None = None) -> str:
    """The author of a question told its outcome; `merged`: the question merged into it."""
    what = _TOLD[kind] if merged is None else f"{_TOLD[kind]}={merged}"
    return f"question:q={question_id}:{what}"


def proposal_card_key(proposal_id: int, space_id: int) -> str:
    return f"proposal:p={proposal_id}:space={space_id}"


def proposal_cards(proposal_id: int) -> str:
    """The start of the keys of every card of a proposal (not its author's notices)."""
    return f"proposal:p={proposal_id}:space="


def proposal_cards_edit_key(proposal_id: int) -> str:
    return f"cardedit:p={proposal_id}"


def proposal_told_key(proposal_id: int, accepted: bool) -> str:
    return f"proposal:p={proposal_id}:{'accepted' if accepted else 'declined'}"


# -- rows owed because of another -------------------------------------------------------------
def fallback_key(key: str) -> str:
    """The same message in a space, once its private copy was refused for good."""
    return f"{key}:fallback"


def event_cap_key(event_key: str) -> str:
    """The host told that the event of that row could not be made (the calendar is full)."""
    return f"{event_key}:cap"


# -- reading a key back -------------------------------------------------------------------------
_WORD = re.compile(r"[a-z_]+")


@dataclass(frozen=True)
class KeyParts:
    """A key read back: its first word, its named parts in order, and the bare words that end
    it (`accepted`, `fallback`)."""

    shape: str
    fields: dict[str, str] = field(default_factory=dict)
    marks: tuple[str, ...] = ()

    def __str__(self) -> str:
        named = [f"{name}={value}" for name, value in self.fields.items()]
        return ":".join((self.shape, *named, *self.marks))


def parse(key: str) -> KeyParts:
    """The parts of a key; a segment that is no name (`00` of a time) continues a value."""
    shape, *segments = key.split(":")
    fields: dict[str, str] = {}
    marks: list[str] = []
    last: str | None = None
    for segment in segments:
        name, equals, value = segment.partition("=")
        if equals and _WORD.fullmatch(name) and not marks:
            fields[name] = value
            last = name
        elif _WORD.fullmatch(segment):
            marks.append(segment)
        elif last is not None and not marks:
            fields[last] += f":{segment}"
        else:
            raise ValueError(f"not a ledger key: {key!r}")
    return KeyParts(shape, fields, tuple(marks))


_CARD = re.compile(r"modcard:q=([0-9]+):space=([0-9]+)\Z")


def card_of(key: str) -> tuple[int, int] | None:
    """`(question id, space id)` of a moderation card's key (`question_card_key`), else None."""
    found = _CARD.match(key)
    return (int(found.group(1)), int(found.group(2))) if found else None
