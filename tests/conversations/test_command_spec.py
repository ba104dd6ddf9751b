"""One command spec (`bot.domain.commands`): each command declared once, bound to exactly one use
case, its guided form checked where it says so, the policy table read from it, and the bounds it
declares being the ones a member meets in the chat (on a real SQLite file, through the
dispatcher)."""

from __future__ import annotations

import re

import pytest

from bot.core.context import Context
from bot.core.field_words import FRENCH_FIELDS
from bot.core.registry import FORM_CHECKS, HANDLERS, checks, handles
from bot.core.usecases import MODULES, load_all
from bot.domain.commands import (
    CAPACITY,
    COMMANDS,
    COUNT,
    DESCRIPTION,
    DURATION,
    QUESTION_TEXT,
    TITLE,
    Field,
    Kind,
    Source,
)
from bot.domain.policy import HELP_ROLES, POLICY, ROLE_BLIND
from tests.chat import Chat
from tests.conversations.test_questions import open_qa

load_all()

TELEGRAM_NAME = re.compile(r"[a-z0-9_]{1,32}")  # Telegram's rule; Discord's is wider


def test_every_declared_command_has_exactly_one_handler_and_back() -> None:
    assert set(HANDLERS) == set(COMMANDS)
    for name, handler in HANDLERS.items():
        assert handler.__module__ in MODULES, (name, handler.__module__)


def test_a_handler_binds_only_to_a_declared_command_and_only_once() -> None:
    async def nothing(ctx: Context) -> None: ...

    with pytest.raises(LookupError):
        handles("teleport")
    with pytest.raises(ValueError, match="/join is bound twice"):
        handles("join")(nothing)  # type: ignore[arg-type]  # not a Reply: never bound
    with pytest.raises(LookupError):
        checks("join")  # no guided form: nothing to check as it goes
    with pytest.raises(ValueError, match="/schedule is bound twice"):
        checks("schedule")(nothing)


def test_each_guided_form_that_says_it_is_checked_has_its_check_and_back() -> None:
    said_checked = {n for n, c in COMMANDS.items() if c.guided is not None and c.guided.checked}
    assert set(FORM_CHECKS) == said_checked == {"schedule", "ask"}
    for name, spec in COMMANDS.items():
        for field, _ in spec.guided.asks if spec.guided else ():
            declared = spec.field(field)
            assert declared is not None and declared.source is Source.PERSON, (name, field)


def test_the_policy_table_is_read_from_the_spec() -> None:
    assert set(POLICY) == set(COMMANDS) == set(HELP_ROLES)
    for name, spec in COMMANDS.items():
        assert POLICY[name] == spec.roles
        assert HELP_ROLES[name] == (spec.shown_to or spec.roles)
        assert (name in ROLE_BLIND) == spec.role_blind


def test_names_and_aliases_are_unique_and_typable_everywhere() -> None:
    words = [w for c in COMMANDS.values() for w in (c.name, c.alias) if w]
    assert len(words) == len(set(words))
    assert all(TELEGRAM_NAME.fullmatch(w) for w in words), words


def fields_people_give() -> list[tuple[str, Field]]:
    return [
        (name, field)
        for name, spec in COMMANDS.items()
        if not spec.button_only
        for field in spec.fields
        if field.source is not Source.BUTTON
    ]


def test_every_field_a_person_gives_has_a_french_name_and_no_stray_name_is_left() -> None:
    given = {field.name for _, field in fields_people_give()}
    assert given - set(FRENCH_FIELDS) == set()
    declared = {field.name for spec in COMMANDS.values() for field in spec.fields}
    assert set(FRENCH_FIELDS) - declared == set()


@pytest.mark.parametrize(("command", "field"), fields_people_give())
def test_a_declared_field_is_bounded_where_its_kind_needs_it(command: str, field: Field) -> None:
    if field.kind is Kind.INTEGER:
        assert field.low is not None and field.high is not None, (command, field.name)
        assert field.low <= field.high
    if field.kind is Kind.LIVE:
        assert field.required and field.lives is not None and field.low == 1, command
    if field.choices:
        assert field.kind is Kind.TEXT and len(set(field.choices)) == len(field.choices)


SCHEDULE = '/schedule title="Cuisine facile" when="demain 18h"'


@pytest.mark.parametrize("field", [DURATION, CAPACITY, COUNT], ids=lambda f: f.name)
async def test_a_number_is_refused_just_past_the_bounds_the_spec_declares(
    community: Chat, field: Field
) -> None:
    hugo = community.as_("hugo", "host")
    assert field.low is not None and field.high is not None
    extra = " repeat=weekly" if field is COUNT else ""
    for value in (field.low - 1, field.high + 1):
        said = await hugo.says(f"{SCHEDULE}{extra} {field.name}={value}")
        assert said.key == "error.bad_number", (value, said.text)
        assert f"{field.low}" in said.text and f"{field.high}" in said.text
    said = await hugo.says(f"{SCHEDULE}{extra} {field.name}={field.low}")
    assert said.key in ("live.scheduled", "live.scheduled_series"), said.text


async def test_texts_are_refused_just_past_the_lengths_the_spec_declares(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    long_title = "x" * (TITLE.bounds[1] + 1)
    said = await hugo.says(f'/schedule title="{long_title}" when="demain 18h"')
    assert said.key == "live.bad.title"
    too_long = "y" * (DESCRIPTION.bounds[1] + 1)
    said = await hugo.says(f'{SCHEDULE} description="{too_long}"')
    assert said.key == "error.too_long" and str(DESCRIPTION.bounds[1]) in said.text
    said = await community.as_("bob").says(f'/propose title="{long_title}"')
    assert said.key == "proposal.bad_title" and str(TITLE.bounds[1]) in said.text


async def test_a_question_is_refused_just_past_its_declared_length(community: Chat) -> None:
    await open_qa(community)
    low, high = QUESTION_TEXT.bounds
    bob = community.as_("bob")
    assert (await bob.says(f"/ask 1 {'q' * (low - 1)}")).key == "question.too_short"
    assert (await bob.says(f"/ask 1 {'q' * (high + 1)}")).key == "question.too_long"
    assert (await bob.says(f"/ask 1 {'q' * high}")).ok
