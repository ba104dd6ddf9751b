"""A live's Discord Scheduled Event through its whole life, through `sync_event` (the
`EventCalendar` port) against the fake's rules: external events need an end and a location of
at most 100 characters; scheduled -> active -> completed, or scheduled -> cancelled."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.core.ports import LiveEvent
from bot.domain.model import LiveStatus
from tests.adapters.discord.steps import answered, scheduled, set_up
from tests.adapters.discord.world import GUILD, HUGO, World

SCHEDULED, LIVE, ENDED, CANCELLED = (
    LiveStatus.SCHEDULED, LiveStatus.LIVE, LiveStatus.ENDED, LiveStatus.CANCELLED,
)  # fmt: skip


def a_live(live_id: int = 1, link: str | None = "https://example.org/velo") -> LiveEvent:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    return LiveEvent(live_id, "Atelier vélo", "Réparer son vélo", start, start + timedelta(hours=1), link, SCHEDULED)  # fmt: skip


async def test_the_event_follows_the_live_from_scheduled_to_ended(world: World) -> None:
    calendar, events = world.service.outbound, world.fake.events
    event = a_live()
    made = await calendar.sync_event(str(GUILD), None, event, key="event:1")
    assert made.delivered and made.message_id is not None
    shown = events[int(made.message_id)]
    assert (shown["name"], shown["status"], shown["entity_type"]) == ("Atelier vélo", 1, 3)
    assert shown["entity_metadata"] == {"location": "https://example.org/velo"}
    assert shown["description"] == "Réparer son vélo" and shown["scheduled_end_time"]

    later = event.starts_at + timedelta(hours=2)
    moved = replace(event, title="Atelier vélo avancé", starts_at=later, ends_at=later + timedelta(hours=1))  # fmt: skip
    edited = await calendar.sync_event(str(GUILD), made.message_id, moved, key="event:1")
    assert edited.message_id == made.message_id
    assert shown["name"] == "Atelier vélo avancé"
    assert datetime.fromisoformat(shown["scheduled_start_time"]) == later

    for status, code in ((LIVE, 2), (ENDED, 3), (ENDED, 3)):  # the last one: nothing to do
        synced = await calendar.sync_event(str(GUILD), made.message_id, replace(moved, status=status), key="event:1")  # fmt: skip
        assert synced.delivered and shown["status"] == code


async def test_a_cancelled_live_cancels_its_event_and_a_long_link_is_not_its_location(
    world: World,
) -> None:
    calendar, events = world.service.outbound, world.fake.events
    event = a_live(2, link="https://example.org/" + "x" * 100)
    made = await calendar.sync_event(str(GUILD), None, event, key="event:2")
    assert made.message_id is not None
    shown = events[int(made.message_id)]
    assert shown["entity_metadata"] == {"location": "Lien dans l’annonce du live #2"}
    await calendar.sync_event(
        str(GUILD), made.message_id, replace(event, status=CANCELLED), key="e"
    )
    assert shown["status"] == 4


async def test_an_event_deleted_by_hand_is_made_again_and_one_never_started_is_completed(
    world: World,
) -> None:
    calendar, events = world.service.outbound, world.fake.events
    event = a_live(3)
    first = await calendar.sync_event(str(GUILD), None, event, key="event:3")
    assert first.message_id is not None
    del events[int(first.message_id)]
    again = await calendar.sync_event(str(GUILD), first.message_id, event, key="event:3")
    assert again.delivered and again.message_id not in (None, first.message_id)
    assert again.message_id is not None
    # Ended without going on air on Discord: Discord allows "completed" only from "active".
    await calendar.sync_event(str(GUILD), again.message_id, replace(event, status=ENDED), key="e")
    assert events[int(again.message_id)]["status"] == 3


async def test_the_servers_cap_of_100_events_is_a_permanent_refusal(world: World) -> None:
    for n in range(100):
        world.fake.add_scheduled_event(GUILD, f"live {n}")
    refused = await world.service.outbound.sync_event(str(GUILD), None, a_live(4), key="event:4")
    assert (refused.delivered, refused.permanent, refused.reason) == (False, True, "event_cap")


async def test_slash_commands_drive_the_event_through_the_live_s_life(world: World) -> None:
    """The same, end to end: /schedule makes the event, /golive starts it, /end completes it,
    /cancel cancels another; each change reaches Discord through the announcement's refresh."""
    await set_up(world)
    await scheduled(world, "Atelier vélo", when="2027-01-12 18:30")
    await scheduled(world, "Atelier annulé", when="2027-01-13 18:30")
    await world.settle()
    assert world.fake.events == {}  # more than 30 days ahead: no event yet
    # Moved closer, each gets its event.
    hugo = world.person(HUGO)
    soon = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d 18:30")
    answered(await hugo.types("edit", live=1, when=soon))
    answered(await hugo.types("edit", live=2, when=soon.replace("18:30", "20:30")))
    await world.settle()  # the alarm sends them too; this keeps the test about events, not timing
    await world.fake.wait_for(lambda: len(world.fake.events) == 2, timeout=15)
    by_name = {e["name"]: e for e in world.fake.events.values()}
    first, second = by_name["#1 Atelier vélo"], by_name["#2 Atelier annulé"]
    assert first["status"] == 1 and first["entity_type"] == 3

    answered(await hugo.types("golive", live=1))
    await world.settle_after_spacing()
    await world.fake.wait_for(lambda: first["status"] == 2, timeout=15)
    answered(await hugo.types("end", live=1))
    await world.settle_after_spacing()
    await world.fake.wait_for(lambda: first["status"] == 3, timeout=15)
    answered(await hugo.types("cancel", live=2))
    await world.settle_after_spacing()
    await world.fake.wait_for(lambda: second["status"] == 4, timeout=15)
    assert len(world.fake.events) == 2  # kept in step, never made twice
