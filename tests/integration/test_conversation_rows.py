"""A guided conversation waiting in the database between two answers, on every store: kept by
person, replaced by the next answer, gone when done, forgotten a day after its last answer."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.conversation import Conversations
from bot.core.conversation_repo import FORM_TTL
from bot.domain.model import Role, UserRef
from bot.storage.database import SqlStore
from tests.integration.conftest import NOW

BOB = UserRef("telegram", "1001")
CHLOE = UserRef("discord", "1001")  # the same id on another platform: another person


async def test_a_form_is_kept_by_person_until_done_or_forgotten(store: SqlStore) -> None:
    async with store.unit() as uow:
        await uow.conversations.put(BOB, "first", NOW)
        await uow.conversations.put(BOB, "second", NOW + timedelta(minutes=1))
        await uow.conversations.put(CHLOE, "hers", NOW)
    async with store.unit() as uow:
        assert await uow.conversations.get(BOB, NOW) == "second"
        assert await uow.conversations.get(CHLOE, NOW) == "hers"
        # Asked for what was saved after its last answer: older ones do not count.
        assert await uow.conversations.get(CHLOE, NOW + timedelta(seconds=1)) is None
        await uow.conversations.drop(BOB)
        assert await uow.conversations.get(BOB, NOW) is None
    async with store.unit() as uow:  # saving forgets every form older than a day
        await uow.conversations.put(BOB, "later", NOW + FORM_TTL + timedelta(seconds=1))
        assert await uow.conversations.get(CHLOE, NOW - FORM_TTL) is None


async def test_a_form_dumped_by_one_process_goes_on_in_another(store: SqlStore) -> None:
    """What the dispatcher does between two lines: one process's state, another's next step."""
    here, there = Conversations(), Conversations()
    facts = frozenset({Role.HOST})
    asked = here.start(BOB, "ask", {}, "fr", ZoneInfo("Europe/Paris"), facts, {3: facts})
    assert asked.field == "live"  # type: ignore[union-attr]
    state = here.dump(BOB)
    assert state is not None
    async with store.unit() as uow:
        await uow.conversations.put(BOB, state, NOW)
    async with store.unit() as uow:
        there.restore(BOB, await uow.conversations.get(BOB, NOW))
    assert there.waiting(BOB)
    assert there.answer(BOB, "12") is not None
    assert there.checked(BOB, ok=True).field == "question"  # type: ignore[union-attr]
    there.restore(BOB, '{"command": "gone"}')  # unreadable (a form changed since): dropped
    assert not there.waiting(BOB)
