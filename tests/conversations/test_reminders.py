"""Reminders, "starting soon", the host's nudge and the automatic end, as members live them.

Everything goes through the dispatcher; the fake clock is moved by hand and the outbox flushed,
as the alarm clock would do it. The live of most tests starts on Tuesday 24 November 2026 at
18:00 Paris (17:00 UTC), two days after the fake clock's start.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.core.delivery.payloads import dump_message
from bot.core.messages import Destination, OutMessage, Param, Raw, SendResult, Text
from bot.core.ports import Capabilities
from bot.domain.model import LiveStatus, UserRef
from bot.i18n.catalog import render
from bot.storage.tables import deliveries
from tests.chat import Chat, Said

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
END = START + timedelta(hours=1)  # the default duration
IN_WORDS = "mardi 24 novembre 2026 à 18:00 (heure de Paris)"
H24, M15 = timedelta(hours=24), timedelta(minutes=15)
SECOND = timedelta(seconds=1)


@pytest.fixture
async def bot(community: Chat) -> Chat:
    """The community, with the automatic end wired as the app wires it."""
    community.core.outbox.on_auto_end = community.core.end_automatically  # type: ignore[union-attr]
    return community


async def schedule(chat: Chat, fields: str = "") -> Said:
    chat.clock.advance(seconds=1)
    said = await chat.as_("olga", "organizer").says(
        f'/schedule title="Cours de cuisine" when="2026-11-24 18:00" {fields}'
    )
    assert said.ok, said.text
    return said


async def say(chat: Chat, name: str, line: str, role: str = "member") -> Said:
    chat.clock.advance(seconds=1)
    said = await chat.as_(name, role).says(line)
    assert said.ok, said.text
    return said


async def at(chat: Chat, when: datetime, times: int = 1) -> None:
    """Moves the clock to `when` and flushes the outbox (several times: never twice the same)."""
    chat.clock.set(when)
    for _ in range(times):
        await chat.core.outbox.flush()  # type: ignore[union-attr]


def reminders(chat: Chat, name: str) -> list[str]:
    """Keys of the reminders sent to that member privately, oldest first."""
    return [
        s.key
        for s in chat.platform.sent
        if s.key.startswith("reminder:") and s.dest.private and s.dest.chat_id == name
    ]


def sent_keys(chat: Chat, prefix: str) -> list[str]:
    return [s.key for s in chat.platform.sent if s.key.startswith(prefix)]


async def rows(chat: Chat, kind: str = "reminder") -> list[tuple[str, str, str | None]]:
    """(key, status, reason) of the ledger rows of that kind."""
    async with chat.store.unit() as uow:
        result = await uow.connection.execute(  # type: ignore[attr-defined]
            select(deliveries.c.key, deliveries.c.status, deliveries.c.reason)
            .where(deliveries.c.kind == kind)
            .order_by(deliveries.c.id)
        )
        return [(r.key, r.status, r.reason) for r in result]


async def live_status(chat: Chat, live_id: int = 1) -> LiveStatus:
    async with chat.store.unit() as uow:
        live = await uow.lives.get(live_id)
    assert live is not None
    return live.status


# -- reminders at the community's offsets ---------------------------------------------------


async def test_24h_then_15m_before_one_reminder_each_never_twice(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await at(bot, START - H24 - SECOND, times=2)
    assert reminders(bot, "bob") == []
    await at(bot, START - H24, times=3)
    assert len(reminders(bot, "bob")) == 1 and "offset=24h" in reminders(bot, "bob")[0]
    await at(bot, START - M15 - SECOND, times=2)
    assert len(reminders(bot, "bob")) == 1
    await at(bot, START - M15, times=3)
    keys = reminders(bot, "bob")
    assert len(keys) == 2 and "offset=15m" in keys[1]
    await at(bot, START - SECOND, times=2)
    assert reminders(bot, "bob") == keys
    texts = [s.text for s in bot.platform.sent if s.key in keys]
    for text in texts:
        assert "Rappel" in text and "« Cours de cuisine »" in text and IN_WORDS in text
    assert [status for _, status, _ in await rows(bot)] == ["sent", "sent"]


async def test_a_member_s_own_offsets_replace_the_community_s(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/settings reminders=2h")
    await say(bot, "bob", "/join 1")
    await say(bot, "ann", "/join 1")
    for mark in (START - H24, START - timedelta(hours=2), START - M15):
        await at(bot, mark, times=2)
    (only,) = reminders(bot, "bob")
    assert "offset=2h" in only
    assert [s.dest.chat_id for s in bot.platform.sent if s.key == only] == ["bob"]
    assert len(reminders(bot, "ann")) == 2


async def test_signing_up_after_the_24h_mark_owes_only_the_15m_reminder(bot: Chat) -> None:
    await schedule(bot)
    bot.clock.set(START - timedelta(hours=23))
    said = await say(bot, "bob", "/join 1")
    assert IN_WORDS in said  # the confirmation says when it starts
    await at(bot, START - timedelta(hours=22), times=2)
    assert reminders(bot, "bob") == []
    await at(bot, START - M15, times=2)
    (only,) = reminders(bot, "bob")
    assert "offset=15m" in only
    assert len(await rows(bot)) == 1


async def test_leaving_expires_the_reminders(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await say(bot, "bob", "/leave 1")
    for mark in (START - H24, START - M15, START - SECOND):
        await at(bot, mark, times=2)
    assert reminders(bot, "bob") == []
    assert [(status, reason) for _, status, reason in await rows(bot)] == [
        ("expired", "left"),
        ("expired", "left"),
    ]


async def test_joining_again_after_leaving_owes_the_reminders_again(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await say(bot, "bob", "/leave 1")
    await say(bot, "bob", "/join 1")
    for mark in (START - H24, START - M15):
        await at(bot, mark, times=2)
    keys = reminders(bot, "bob")
    assert len(keys) == 2 and len(set(keys)) == 2


async def test_a_waitlisted_member_gets_none_until_promoted(bot: Chat) -> None:
    await schedule(bot, "capacity=1")
    await say(bot, "bob", "/join 1")
    said = await say(bot, "ann", "/join 1")
    assert said.key == "signup.waitlisted"
    await at(bot, START - H24, times=2)
    assert len(reminders(bot, "bob")) == 1 and reminders(bot, "ann") == []
    bot.clock.set(START - timedelta(hours=3))
    await say(bot, "bob", "/leave 1")  # Ann takes the seat, after the 24h mark
    await at(bot, START - M15, times=2)
    (only,) = reminders(bot, "ann")
    assert "offset=15m" in only
    assert len(reminders(bot, "bob")) == 1


async def test_a_cancelled_live_sends_nothing_timed(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await say(bot, "olga", "/cancel 1", role="organizer")
    for mark in (START - H24, START - M15, START + M15, END + timedelta(hours=2), END + H24):
        await at(bot, mark, times=2)
    for prefix in ("reminder:", "soon:", "nudge:", "autoend:", "summary:"):
        assert sent_keys(bot, prefix) == [], prefix
    assert await live_status(bot) is LiveStatus.CANCELLED
    timed = [r for kind in ("reminder", "soon", "nudge", "auto_end") for r in await rows(bot, kind)]
    assert timed and all(status == "expired" for _, status, _ in timed)


async def test_moving_a_live_moves_its_reminders(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    said = await say(bot, "olga", '/edit 1 when="2026-11-25 18:00"', role="organizer")
    assert said.key == "live.edited"
    moved = START + timedelta(days=1)
    for mark in (START - H24, START - M15, START, moved - H24, moved - M15, moved - SECOND):
        await at(bot, mark, times=2)
    keys = reminders(bot, "bob")
    assert len(keys) == 2 and all("start=20261125T1700Z" in key for key in keys)
    sent_at = [s for s in bot.platform.sent if s.key in keys]
    assert "mercredi 25 novembre 2026 à 18:00" in sent_at[0].text
    soon = sent_keys(bot, "soon:")
    assert len(soon) == 2 and all("start=20261125T1700Z" in key for key in soon)
    old = [(status, reason) for key, status, reason in await rows(bot) if "20261124" in key]
    assert old == [("expired", "moved"), ("expired", "moved")]


# -- the live's own timed messages ----------------------------------------------------------


async def test_starting_soon_is_posted_in_both_spaces_15_minutes_before(bot: Chat) -> None:
    await schedule(bot)
    await at(bot, START - M15 - SECOND, times=2)
    assert sent_keys(bot, "soon:") == []
    await at(bot, START - M15, times=3)
    for space in ("discord", "telegram"):
        (soon,) = [text for text in bot.posts(space) if "commence bientôt" in text]
        assert "« Cours de cuisine »" in soon and IN_WORDS in soon
    assert len(sent_keys(bot, "soon:")) == 2


async def test_the_host_is_nudged_15_minutes_after_the_start_without_golive(bot: Chat) -> None:
    await schedule(bot)
    await at(bot, START + M15 - SECOND, times=2)
    assert sent_keys(bot, "nudge:") == []
    await at(bot, START + M15, times=3)
    (nudge,) = [s for s in bot.platform.sent if s.key.startswith("nudge:")]
    assert nudge.dest.private and nudge.dest.chat_id == "olga"
    assert "devait commencer" in nudge.text and "/endirect 1" in nudge.text


async def test_no_nudge_once_the_host_went_live(bot: Chat) -> None:
    await schedule(bot)
    bot.clock.set(START + timedelta(minutes=2))
    await say(bot, "olga", "/golive 1", role="organizer")
    await at(bot, START + M15, times=2)
    await at(bot, START + timedelta(hours=1), times=2)
    assert sent_keys(bot, "nudge:") == []
    assert [s for _, s, _ in await rows(bot, "nudge")] == ["expired"]


async def test_a_live_not_ended_is_ended_2_hours_after_its_planned_end(bot: Chat) -> None:
    await schedule(bot)
    bot.clock.set(START)
    await say(bot, "olga", "/golive 1", role="organizer")
    await at(bot, END + timedelta(hours=2) - SECOND, times=2)
    assert await live_status(bot) is LiveStatus.LIVE
    assert sent_keys(bot, "summary:") == []
    await at(bot, END + timedelta(hours=2), times=3)
    assert await live_status(bot) is LiveStatus.ENDED
    for space in ("discord", "telegram"):
        (summary,) = [text for text in bot.posts(space) if "est terminé" in text]
        assert "« Cours de cuisine »" in summary
    assert len(sent_keys(bot, "summary:")) == 2
    assert [s for _, s, _ in await rows(bot, "auto_end")] == ["sent"]


async def test_a_live_that_never_went_on_air_is_ended_too(bot: Chat) -> None:
    await schedule(bot)
    await at(bot, END + timedelta(hours=2), times=2)
    assert await live_status(bot) is LiveStatus.ENDED


async def test_no_automatic_end_after_end(bot: Chat) -> None:
    await schedule(bot)
    ended: list[int] = []

    async def spy(live_id: int) -> None:
        ended.append(live_id)
        await bot.core.end_automatically(live_id)

    bot.core.outbox.on_auto_end = spy  # type: ignore[union-attr]
    bot.clock.set(START)
    await say(bot, "olga", "/golive 1", role="organizer")
    bot.clock.set(END)
    await say(bot, "olga", "/end 1", role="organizer")
    await at(bot, END + timedelta(hours=2), times=2)
    await at(bot, END + timedelta(days=1), times=2)
    assert ended == []
    assert len(sent_keys(bot, "summary:")) == 2  # the one of /end, once per space
    assert [s for _, s, _ in await rows(bot, "auto_end")] == ["expired"]


# -- lateness ---------------------------------------------------------------------------------


async def test_after_downtime_only_the_nearest_overdue_reminder_is_sent(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await at(bot, START - timedelta(minutes=5))  # down from Sunday to 5 minutes before
    (only,) = reminders(bot, "bob")
    assert "offset=15m" in only
    by_key = {key: (status, reason) for key, status, reason in await rows(bot)}
    (h24,) = [key for key in by_key if "offset=24h" in key]
    status, reason = by_key[h24]
    assert status == "expired" and reason and "superseded" in reason
    await at(bot, START - timedelta(minutes=1), times=2)
    assert reminders(bot, "bob") == [only]


async def test_after_downtime_past_the_start_nothing_is_sent(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    await at(bot, START + timedelta(minutes=1))
    assert reminders(bot, "bob") == [] and sent_keys(bot, "soon:") == []
    for kind in ("reminder", "soon"):
        found = await rows(bot, kind)
        assert len(found) == 2
        for _, status, reason in found:
            assert status == "expired" and reason and "started" in reason


# -- a weekly series across both clock changes --------------------------------------------------


async def test_a_weekly_series_keeps_its_15m_reminder_at_1815_paris_all_year(bot: Chat) -> None:
    said = await say(
        bot,
        "olga",
        '/schedule title="Yoga du soir" when="2027-03-02 18:30" repeat=weekly count=36',
        role="organizer",
    )
    assert said.key == "live.scheduled_series"
    for live_id in range(1, 37):
        await say(bot, "bob", f"/join {live_id}")
    async with bot.store.unit() as uow:
        result = await uow.connection.execute(  # type: ignore[attr-defined]
            select(deliveries.c.key, deliveries.c.due_at).where(deliveries.c.kind == "reminder")
        )
        due = {r.key: r.due_at for r in result}
    m15 = sorted(when for key, when in due.items() if ":offset=15m:" in key)
    assert len(m15) == 36
    utc_hours: Counter[int] = Counter()
    for when in m15:
        local = when.astimezone(PARIS)
        assert (local.hour, local.minute, local.weekday()) == (18, 15, 1), local
        utc_hours[when.astimezone(UTC).hour] += 1
        winter = when < datetime(2027, 3, 28, 1, tzinfo=UTC) or when > datetime(
            2027, 10, 31, 1, tzinfo=UTC
        )
        assert (when.astimezone(UTC).hour, when.minute) == ((17, 15) if winter else (16, 15))
    assert utc_hours[17] == 5 and utc_hours[16] == 31  # 4 March Tuesdays before, 1 November after
    assert m15[0] == datetime(2027, 3, 2, 17, 15, tzinfo=UTC)
    assert m15[-1] == datetime(2027, 11, 2, 17, 15, tzinfo=UTC)


# -- a storm of refusals and rate limits ------------------------------------------------------


@dataclass
class StormPlatform:
    """Answers a fifth of sends with a 429, a tenth with a 5xx; records what got through."""

    seed: int = 7
    name: str = "shell"
    capabilities: Capabilities = field(default_factory=Capabilities)
    delivered: list[str] = field(default_factory=list)
    answers: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        roll = self._random.random()
        if roll < 0.2:
            self.answers["429"] += 1
            return SendResult(False, retry_after=1, reason="429")
        if roll < 0.3:
            self.answers["5xx"] += 1
            return SendResult(False, reason="5xx")
        self.answers["ok"] += 1
        self.delivered.append(key)
        render(message.text)  # the payload must still be readable after its trip in the ledger
        return SendResult(True, message_id=str(len(self.delivered)))

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        return SendResult(True, message_id=message_id)  # announcements kept up to date: not counted


async def test_a_storm_of_429_and_5xx_delivers_every_reminder_exactly_once(bot: Chat) -> None:
    await schedule(bot)
    names = [f"m{i:03d}" for i in range(200)]
    for name in names:
        await bot.as_(name).says("/join 1")
    storm = StormPlatform()
    bot.core.outbox.add_platform(storm)  # type: ignore[union-attr]
    for mark in (START - H24, START - M15):
        bot.clock.set(mark)
        for _ in range(2000):
            await bot.core.outbox.flush()  # type: ignore[union-attr]
            async with bot.store.unit() as uow:
                left = [
                    r
                    for r in await uow.deliveries.due(START, 10_000)
                    if r.kind == "reminder" and r.due_at <= mark
                ]
            if not left:
                break
            bot.clock.advance(seconds=1)
        else:
            raise AssertionError(f"{len(left)} reminders still pending after the storm")
    assert storm.answers["429"] > 50 and storm.answers["5xx"] > 20
    reminded = [key for key in storm.delivered if key.startswith("reminder:")]
    counts = Counter(reminded)
    assert len(counts) == 400 and set(counts.values()) == {1}
    per_member = Counter(key.split(":")[2] for key in counts)
    assert len(per_member) == 200 and set(per_member.values()) == {2}
    statuses = Counter(status for _, status, _ in await rows(bot))
    assert statuses == {"sent": 400}


# -- a member who refused private messages ------------------------------------------------------


async def test_a_refused_dm_marks_the_member_and_mentions_them_in_the_space_once(
    bot: Chat,
) -> None:
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    bot.platform.refuse_private.add("bob")
    await at(bot, START - H24, times=3)
    async with bot.store.unit() as uow:
        bob = await uow.members.by_ref(UserRef("shell", "bob"))
    assert bob is not None and bob.dm_unreachable
    mentioned = [s for s in bot.platform.sent if UserRef("shell", "bob") in s.message.mentions]
    (post,) = mentioned
    assert not post.dest.private and post.dest.chat_id in ("discord", "telegram")
    assert post.key.endswith(":fallback") and "offset=24h" in post.key
    assert "Rappel" in post.text and IN_WORDS in post.text
    assert reminders(bot, "bob") == []
    statuses = {key: status for key, status, _ in await rows(bot)}
    assert [s for k, s in statuses.items() if "offset=24h" in k] == ["refused", "sent"]


# -- worded when sent, for the reader as they are then -------------------------------------------


async def test_a_reminder_speaks_the_language_and_zone_the_member_has_when_it_is_sent(
    bot: Chat,
) -> None:
    await schedule(bot)
    joined = await say(bot, "bob", "/join 1")
    assert "tu participes" in joined.text  # French when Bob signed up
    await say(bot, "bob", "/settings language=en timezone=America/New_York")
    await at(bot, START - H24, times=2)
    (reminder,) = [s for s in bot.platform.sent if s.key in reminders(bot, "bob")]
    assert reminder.text == (
        "⏰ Reminder: live #1 “Cours de cuisine” starts on "
        "Tuesday 24 November 2026 at 12:00 (New York time)."
    )
    await say(bot, "bob", "/settings language=fr timezone=Europe/Paris")
    await at(bot, START - M15, times=2)
    last = [s for s in bot.platform.sent if s.key in reminders(bot, "bob")][-1]
    assert "Rappel" in last.text and IN_WORDS in last.text


async def test_the_host_s_nudge_and_starting_soon_are_worded_when_sent(bot: Chat) -> None:
    await schedule(bot)
    await say(bot, "olga", "/settings language=en timezone=Europe/London", role="organizer")
    await at(bot, START - M15, times=2)
    soon = [s.text for s in bot.platform.sent if s.key.startswith("soon:")]
    assert len(soon) == 2 and all("commence bientôt" in text for text in soon)  # the community's
    await at(bot, START + M15, times=2)
    (nudge,) = [s for s in bot.platform.sent if s.key.startswith("nudge:")]
    assert "was due to start on Tuesday 24 November 2026 at 17:00 (London time)" in nudge.text


async def test_a_reminder_owed_before_this_version_is_sent_as_it_was_written(bot: Chat) -> None:
    """A ledger row of an earlier version holds its text ready-made: it is sent unchanged."""
    await schedule(bot)
    await say(bot, "bob", "/join 1")
    async with bot.store.unit() as uow:
        bob = await uow.members.by_ref(UserRef("shell", "bob"))
        assert bob is not None
        await uow.deliveries.expire(1, ["reminder"], "replaced by an old row", bot.clock.now())
        params: dict[str, Param] = {"id": 1, "title": "Cours de cuisine", "when": Raw(IN_WORDS)}
        old = {
            "text": {"locale": "fr", "key": "reminder.dm", "count": None, "params": {
                "id": 1, "title": "Cours de cuisine", "when": {"raw": IN_WORDS}}},
            "buttons": [], "mentions": [], "thread_title": None,
        }  # fmt: skip
        assert dump_message(OutMessage(Text("fr", "reminder.dm", params))) == old
        key = f"reminder:live=1:member={bob.id}:offset=2h:start=20261124T1700Z"
        dest = Destination("shell", "bob", private=True)
        await uow.deliveries.plan(key, "reminder", START - timedelta(hours=2), dest, old, bob.id, 1)
    await at(bot, START - timedelta(hours=2), times=2)
    assert [s.text for s in bot.platform.sent if s.key == key] == [
        f"⏰ Rappel : le live #1 « Cours de cuisine » commence le {IN_WORDS}."
    ]


async def planned(chat: Chat) -> list[tuple[str, datetime, int | None, int | None, str, dict]]:
    """(key, due, member, live, chat, payload) of every reminder row, as written."""
    async with chat.store.unit() as uow:
        result = await uow.connection.execute(  # type: ignore[attr-defined]
            select(deliveries)
            .where(deliveries.c.kind == "reminder", deliveries.c.status == "pending")
            .order_by(deliveries.c.id)
        )
        return [(r.key, r.due_at, r.member_id, r.live_id, r.chat_id, r.payload) for r in result]


async def test_reminder_rows_built_once_per_live_follow_each_live_member_and_move(
    bot: Chat,
) -> None:
    """The planner builds a live's reminder keys, times and payloads once and reuses them for
    each member: each row must still be that member's and that live's, and a moved live, a
    member's own offsets or the community's new ones must be seen at the next sign-up."""
    await schedule(bot)  # live 1, 24 November
    await say(bot, "olga", '/schedule title="Autre" when="2026-11-26 18:00"', role="organizer")
    await say(bot, "bob", "/join 1")
    await say(bot, "ann", "/join 1")
    await say(bot, "ann", "/join 2")
    await say(bot, "olga", '/edit 1 when="2026-11-25 18:00"', role="organizer")
    await say(bot, "eve", "/join 1")  # after the move: the new start, not the cached one
    await say(bot, "zoe", "/settings reminders=2h")
    await say(bot, "zoe", "/join 1")
    await say(bot, "olga", "/setup reminders=1h", role="organizer")
    await say(bot, "max", "/join 2")  # the community's new offsets
    ids: dict[str, int] = {}
    async with bot.store.unit() as uow:
        for name in ("bob", "ann", "eve", "zoe", "max"):
            member = await uow.members.by_ref(bot.as_(name).ref)
            assert member is not None
            ids[name] = member.id
    moved, other = START + timedelta(days=1), START + timedelta(days=2)

    def row(name: str, live: int, start: datetime, offset: str, before: timedelta) -> tuple:
        stamp = f"{start:%Y%m%dT%H%MZ}"
        key = f"reminder:live={live}:member={ids[name]}:offset={offset}:start={stamp}"
        payload = {"recipe": "reminder", "offset": offset}
        return (key, start - before, ids[name], live, name, payload)

    assert await planned(bot) == [
        row("ann", 2, other, "24h", H24),
        row("ann", 2, other, "15m", M15),
        row("bob", 1, moved, "24h", H24),  # planned again by the move
        row("bob", 1, moved, "15m", M15),
        row("ann", 1, moved, "24h", H24),
        row("ann", 1, moved, "15m", M15),
        row("eve", 1, moved, "24h", H24),
        row("eve", 1, moved, "15m", M15),
        row("zoe", 1, moved, "2h", timedelta(hours=2)),
        row("max", 2, other, "1h", timedelta(hours=1)),
    ]
