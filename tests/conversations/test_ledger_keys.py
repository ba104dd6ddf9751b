"""Ledger keys are a contract: they deduplicate rows across restarts and seed Discord's nonces, so a
row owed before an upgrade must keep its key after it. One key of each shape is pinned here,
byte for byte, as a member's path through a live produces it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.storage.tables import deliveries
from tests.chat import Chat
from tests.fakes.platform import FakePlatform


async def ledger(chat: Chat) -> dict[str, str]:
    """Every key of the ledger, with its kind."""
    async with chat.store.unit() as uow:
        result = await uow.connection.execute(  # type: ignore[attr-defined]
            select(deliveries.c.key, deliveries.c.kind).order_by(deliveries.c.id)
        )
        return {row.key: row.kind for row in result}


async def test_one_key_of_each_shape_is_pinned(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    community.clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
    said = await olga.says('/schedule title="Cours de cuisine" when="2026-11-24 18:00" capacity=1')
    assert said.ok, said.text
    assert (await community.as_("bob").says("/join 1")).ok
    assert (await community.as_("cid").says("/join 1")).ok  # waitlisted
    community.clock.set(datetime(2026, 11, 22, 11, 0, tzinfo=UTC))
    assert (await community.as_("bob").says("/leave 1")).ok  # Cid is promoted
    said = await olga.says('/schedule title="Atelier CV" when="2026-11-25 18:00"')
    assert said.ok, said.text
    assert (await olga.says("/cancel 2")).ok
    community.clock.set(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
    assert (await olga.says("/golive 1")).ok
    assert (await community.as_("cid").presses("h:1")).ok  # I'm here
    community.clock.set(datetime(2026, 11, 24, 17, 50, tzinfo=UTC))
    assert (await olga.says("/end 1 https://example.org/replay")).ok

    keys = await ledger(community)
    pinned = {
        "announce:live=1:space=1": "announcement",
        "refresh:live=1": "refresh",
        "reminder:live=1:member=5:offset=24h:start=20261124T1700Z": "reminder",
        "reminder:live=1:member=6:offset=15m:start=20261124T1700Z": "reminder",
        "promoted:live=1:member=6:at=2026-11-22T11:00:00+00:00": "promotion",
        "soon:live=1:space=2:start=20261124T1700Z": "soon",
        "nudge:live=1:member=1:start=20261124T1700Z": "nudge",
        "autoend:live=1:start=20261124T1700Z": "auto_end",
        "cancel:live=2:space=1": "cancellation",
        "golive:live=1:space=2": "live_now",
        "summary:live=1:space=1": "summary",
        "feedback:live=1:member=6": "feedback",
    }
    assert {key: keys.get(key) for key in pinned} == pinned


async def test_the_replay_and_calendar_event_keys_are_pinned(tmp_path: Path) -> None:
    """A no-show's replay, and the Scheduled Event a calendar-keeping platform is owed."""
    chat = await Chat.open(tmp_path, platform=FakePlatform(name="discord"))
    try:
        olga = chat.as_("olga", "organizer")
        assert (await olga.says("/setup")).ok
        chat.clock.set(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
        said = await olga.says('/schedule title="Cours de cuisine" when="2026-11-24 18:00"')
        assert said.ok, said.text
        assert (await chat.as_("bob").says("/join 1")).ok
        chat.clock.set(datetime(2026, 11, 24, 17, 0, tzinfo=UTC))
        assert (await olga.says("/golive 1")).ok
        assert (await olga.says("/end 1 https://example.org/replay")).ok
        keys = await ledger(chat)
        assert keys.get("event:live=1:space=1") == "event"
        assert keys.get("replay:live=1:member=3") == "replay"
    finally:
        await chat.close()
