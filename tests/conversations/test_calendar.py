"""A live on a platform with threads and a calendar (Discord): its event follows it from the
schedule to the end, its reminders go to the thread on its announcement, and a full calendar is
reported to the host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.model import LiveStatus
from tests.chat import Chat
from tests.fakes.platform import CalendarPlatform

START = "2026-11-25 18:30"  # three days after the fake clock's start


async def discord(tmp_path: Path, cap: int = 100) -> Chat:
    chat = await Chat.open(tmp_path, platform=CalendarPlatform(cap=cap))
    assert (await chat.as_("olga", "organizer", space="srv").says("/setup")).ok
    return chat


@pytest.fixture
async def srv(tmp_path: Path) -> AsyncIterator[Chat]:
    chat = await discord(tmp_path)
    yield chat
    await chat.close()


def calendar(chat: Chat) -> CalendarPlatform:
    assert isinstance(chat.platform, CalendarPlatform)
    return chat.platform


async def test_the_event_follows_the_live_from_schedule_to_end(srv: Chat) -> None:
    olga = srv.as_("olga", "organizer", space="srv")
    assert (await olga.says(f'/schedule title="Soudure" when="{START}"')).ok
    await srv.core.outbox.flush()
    (space, event_id, event), *_ = calendar(srv).calls
    assert (space, event_id) == ("srv", None)
    assert event.title == "#1 Soudure" and event.status is LiveStatus.SCHEDULED
    assert event.ends_at - event.starts_at == timedelta(minutes=60)

    await olga.says('/edit 1 title="Soudure facile"')
    srv.clock.advance(seconds=5)
    await srv.core.outbox.flush()
    assert calendar(srv).calls[-1][1:] == ("ev1", calendar(srv).events["ev1"])
    assert calendar(srv).events["ev1"].title == "#1 Soudure facile"

    srv.clock.advance(days=3)
    await olga.says("/golive 1")
    srv.clock.advance(seconds=5)
    await srv.core.outbox.flush()
    assert calendar(srv).events["ev1"].status is LiveStatus.LIVE
    await olga.says("/end 1")
    srv.clock.advance(seconds=5)
    await srv.core.outbox.flush()
    assert calendar(srv).events["ev1"].status is LiveStatus.ENDED
    assert len(calendar(srv).events) == 1  # one event, kept in step: never a second one


async def test_an_event_exists_only_30_days_ahead_and_never_for_a_cancelled_live(srv: Chat) -> None:
    olga = srv.as_("olga", "organizer", space="srv")
    assert (await olga.says('/schedule title="Loin" when="2027-02-10 18:30"')).ok
    await srv.core.outbox.flush()
    assert calendar(srv).calls == []
    srv.clock.advance(days=51)  # within 30 days of the live: the event is made
    await srv.core.outbox.flush()
    assert [e.title for e in calendar(srv).events.values()] == ["#1 Loin"]

    assert (await olga.says('/schedule title="Annulé" when="2027-03-30 18:30"')).ok
    assert (await olga.says("/cancel 2")).ok
    srv.clock.advance(days=60)
    await srv.core.outbox.flush()
    assert "#2 Annulé" not in [e.title for e in calendar(srv).events.values()]


async def test_reminders_in_the_server_go_to_the_thread_of_the_announcement(srv: Chat) -> None:
    olga, bob = srv.as_("olga", "organizer", space="srv"), srv.as_("bob", space="srv")
    await olga.says(f'/schedule title="Soudure" when="{START}"')
    await srv.core.outbox.flush()
    announcement = next(s for s in srv.platform.sent if s.key.startswith("announce:live=1"))
    assert announcement.message.thread_title == "#1 Soudure"
    await bob.says("/join 1")
    srv.clock.advance(days=3, minutes=-20)  # past "24 h before", then 15 min before
    await srv.core.outbox.flush()
    reminders = [s for s in srv.platform.sent if s.key.startswith(("reminder:", "soon:"))]
    assert reminders and all(s.dest.thread_id == "1" for s in reminders), reminders
    assert all(s.dest.chat_id == "srv" for s in reminders)


async def test_a_full_calendar_is_reported_to_the_host(tmp_path: Path) -> None:
    chat = await discord(tmp_path, cap=0)
    try:
        olga = chat.as_("olga", "organizer", space="srv")
        await olga.says(f'/schedule title="Soudure" when="{START}"')
        await chat.core.outbox.flush()
        await chat.core.outbox.flush()
        told = [s for s in chat.platform.sent if s.key.endswith(":cap")]
        assert len(told) == 1
        assert "100 événements" in told[0].text and "#1 « Soudure »" in told[0].text
        assert [m.id for m in told[0].message.mentions] == ["olga"]
    finally:
        await chat.close()
