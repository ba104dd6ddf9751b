"""The core asks what a platform offers, never its name: whatever a platform is called, its
declared capabilities decide whether members get private messages by default, whether a live
gets an event in its spaces' calendar, and whether later posts go in the announcement's thread."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.core.ports import Capabilities
from bot.storage.tables import deliveries
from tests.chat import Chat
from tests.fakes.platform import CalendarPlatform, FakePlatform

START = "2026-11-25 18:30"  # three days after the fake clock's start


async def test_a_platform_unknown_by_name_gets_what_it_declares(tmp_path: Path) -> None:
    offers = Capabilities(threads=True, dms_by_default=False, calendar=True)
    chat = await Chat.open(tmp_path, platform=CalendarPlatform(name="matrix", capabilities=offers))
    try:
        olga, bob = chat.as_("olga", "organizer", space="hall"), chat.as_("bob", space="hall")
        assert (await olga.says("/setup")).ok
        assert (await olga.says(f'/schedule title="Soudure" when="{START}"')).ok
        await chat.core.outbox.flush()
        assert [e.title for e in chat.platform.events.values()] == ["#1 Soudure"]  # type: ignore[attr-defined]
        assert (await bob.says("/join 1")).ok
        settings = await bob.says("/settings")
        assert settings.reply.messages[0].text.params["dms"].key == "word.no"  # type: ignore[union-attr]
        chat.clock.advance(days=3, minutes=-20)  # past "24 h before", then 15 min before
        await chat.core.outbox.flush()
        reminders = [s for s in chat.platform.sent if s.key.startswith("reminder:")]
        assert reminders and not chat.inbox("bob")
        assert all(s.dest.chat_id == "hall" and s.dest.thread_id == "1" for s in reminders)
        assert all([m.id for m in s.message.mentions] == ["bob"] for s in reminders)
    finally:
        await chat.close()


async def test_a_platform_named_discord_that_declares_dms_by_default_gets_them(
    tmp_path: Path,
) -> None:
    chat = await Chat.open(
        tmp_path, platform=FakePlatform(name="discord", capabilities=Capabilities())
    )
    try:
        olga, bob = chat.as_("olga", "organizer", space="hall"), chat.as_("bob", space="hall")
        assert (await olga.says("/setup")).ok
        assert (await olga.says(f'/schedule title="Soudure" when="{START}"')).ok
        assert (await bob.says("/join 1")).ok
        settings = await bob.says("/settings")
        assert settings.reply.messages[0].text.params["dms"].key == "word.yes"  # type: ignore[union-attr]
        chat.clock.advance(days=3, minutes=-20)
        await chat.core.outbox.flush()
        assert any("Soudure" in text for text in chat.inbox("bob"))
        async with chat.store.unit() as uow:  # no calendar declared: no event owed
            kinds = await uow.connection.execute(select(deliveries.c.kind))  # type: ignore[attr-defined]
            assert "event" not in {row.kind for row in kinds}
    finally:
        await chat.close()
