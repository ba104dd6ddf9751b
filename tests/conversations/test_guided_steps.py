"""The guided conversation alone, as the pure state machine the dispatcher drives: it says which
field to ask, when to check the answers so far, and when the form is done; no store, no clock."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.conversation import Ask, Check, Conversations, Done
from bot.domain.model import Role, UserRef

PARIS = ZoneInfo("Europe/Paris")
HUGO = UserRef("shell", "hugo")
HOST = frozenset({Role.HOST})


def started(values: dict[str, str] | None = None, command: str = "schedule") -> Conversations:
    talks = Conversations()
    talks.start(HUGO, command, values or {}, "fr", PARIS, HOST, None)
    return talks


def test_a_form_asks_its_first_field_and_waits() -> None:
    talks = Conversations()
    step = talks.start(HUGO, "schedule", {}, "fr", PARIS, HOST, None)
    assert step == Ask("schedule", "title", True, "fr", PARIS)
    assert talks.waiting(HUGO)


def test_each_answer_is_checked_then_the_next_field_is_asked() -> None:
    talks = started()
    assert talks.answer(HUGO, "Cuisine facile") == Check("schedule", {"title": "Cuisine facile"})
    step = talks.checked(HUGO, ok=True)
    assert isinstance(step, Ask) and (step.field, step.required) == ("when", True)


def test_a_refused_answer_is_dropped_and_its_field_asked_again() -> None:
    talks = started()
    talks.answer(HUGO, "ab")
    assert talks.checked(HUGO, ok=False) == Ask("schedule", "title", True, "fr", PARIS)
    assert talks.answer(HUGO, "Cuisine facile") == Check("schedule", {"title": "Cuisine facile"})


def test_a_skipped_required_field_is_asked_again_and_an_optional_one_passes() -> None:
    talks = started({"title": "Cuisine facile"})
    assert talks.answer(HUGO, "-") == Ask("schedule", "when", True, "fr", PARIS, again=True)
    talks.answer(HUGO, "demain 18h")
    asked = talks.checked(HUGO, ok=True)
    assert isinstance(asked, Ask) and asked.field == "duration"
    step = talks.answer(HUGO, "-")  # no duration: nothing to check
    assert isinstance(step, Ask) and (step.field, step.required) == ("description", False)


def test_the_last_answer_makes_the_form_done_with_the_roles_it_began_with() -> None:
    talks = Conversations()
    talks.start(HUGO, "ask", {"live": "12"}, "fr", PARIS, HOST, {1: HOST})
    assert talks.answer(HUGO, "Comment débuter ?") == Check(
        "ask", {"live": "12", "question": "Comment débuter ?"}
    )
    assert isinstance(talks.checked(HUGO, ok=True), Ask)  # anonymous, optional
    talks.answer(HUGO, "oui")
    done = talks.checked(HUGO, ok=True)
    values = {"live": "12", "question": "Comment débuter ?", "anonymous": "oui"}
    assert done == Done("ask", values, HOST, {1: HOST})
    assert not talks.waiting(HUGO)


def test_stop_leaves_the_form_and_a_line_without_a_form_is_no_answer() -> None:
    talks = started()
    assert talks.stop(HUGO) and not talks.waiting(HUGO)
    assert not talks.stop(HUGO)
    assert talks.answer(HUGO, "Cuisine facile") is None
