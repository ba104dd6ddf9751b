"""The sender's transactions at send time: what is due with its lives, claims, each row worded as
it should read now, what is no longer owed expired, and a refused private message owed again in
a space. Each function is one unit of work the outbox runs through the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.context import reach
from bot.core.delivery.events import events_of
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.payloads import dump_message, is_recipe, load_message, messages_of
from bot.core.delivery.planning import current_announcement
from bot.core.delivery.staleness import MENTIONS_PER_MESSAGE
from bot.core.delivery.vocabulary import Kind, fallback_key
from bot.core.messages import Destination, OutMessage
from bot.core.ports import Capabilities, UnitOfWork
from bot.domain.model import Live

GATHER = timedelta(seconds=1)  # a moderation space's cards due this soon join those due now
GATHER_MAX = 100  # of them, at most (more than a digest lists: the rest wait for the next)


async def due_with_lives(
    uow: UnitOfWork, now: datetime, limit: int, platforms: Sequence[str]
) -> tuple[list[Delivery], dict[int, Live]]:
    due = await uow.deliveries.due(now, limit, platforms)
    if len(due) == limit:
        due += await _complete_batches(uow, due, now)
    due += await _gather_cards(uow, due, now)
    lives: dict[int, Live] = {}
    for live_id in {row.live_id for row in due if row.live_id is not None}:
        live = await uow.lives.get(live_id)
        if live is not None:
            lives[live_id] = live
    return due, lives


async def _complete_batches(uow: UnitOfWork, due: list[Delivery], now: datetime) -> list[Delivery]:
    """A full chunk may cut a batch of mentions (a live's reminders in its thread): the rows
    that would fill each batch up to its 75 mentions are read too, so 2,000 members make
    27 messages, not one per chunk of 60 rows and a short one each time."""
    shared: dict[tuple[object, ...], list[Delivery]] = {}
    for row in due:
        if row.kind == Kind.REMINDER and not row.dest.private:
            shared.setdefault((row.dest, row.live_id, row.due_at), []).append(row)
    skip = [row.id for row in due]
    more: list[Delivery] = []
    for rows in shared.values():
        short = -len(rows) % MENTIONS_PER_MESSAGE
        if short:
            more += await uow.deliveries.due_alike(rows[0], now, short, skip)
    return more


async def _gather_cards(uow: UnitOfWork, due: list[Delivery], now: datetime) -> list[Delivery]:
    """A moderation space's cards put back in line while it was busy fall due a few
    milliseconds apart (each was put back when it came): the ones due within the next moment
    join those due now, so the space gets one digest when its window opens, not a card
    each time (the pacing sends none of them before the space is free)."""
    spaces = {
        (row.dest.platform, row.dest.chat_id): row for row in due if row.kind == Kind.MODERATION
    }
    skip = [row.id for row in due]
    more: list[Delivery] = []
    for row in spaces.values():
        more += await uow.deliveries.waiting_for(row, now + GATHER, GATHER_MAX, skip)
    return more


async def expire_dropped(
    uow: UnitOfWork, dropped: list[tuple[Delivery, str]], now: datetime
) -> None:
    for row, reason in dropped:
        await uow.deliveries.expire_one(row.id, reason, now)


async def claim(uow: UnitOfWork, rows: list[Delivery], now: datetime) -> list[Delivery]:
    return [row for row in rows if await uow.deliveries.claim(row.id, now)]


async def claim_worded(
    uow: UnitOfWork, rows: list[Delivery], now: datetime
) -> list[tuple[Delivery, OutMessage]]:
    """Claims the rows and words each as it should read now (see payloads.py); a recipe with
    nothing left to say (its live or member is gone) is expired rather than sent."""
    won = await claim(uow, rows, now)
    out = []
    for row, message in zip(won, await messages_of(uow, won), strict=True):
        if message is None:
            await uow.deliveries.finish(row.id, "expired", now, reason="nothing left to say")
        else:
            out.append((row, message))
    return out


async def refresh_state(
    uow: UnitOfWork, live_id: int, public_url: str | None = None
) -> tuple[
    OutMessage | None, list[tuple[Destination, str]], list[tuple[Destination, str]], Live | None
]:
    """The announcement as it should read now, where it was posted, the live's events."""
    message = await current_announcement(uow, live_id, public_url)
    posted = await uow.deliveries.posted(live_id, Kind.ANNOUNCEMENT)
    return message, posted, await events_of(uow, live_id), await uow.lives.get(live_id)


async def reach_another_way(
    uow: UnitOfWork, row: Delivery, now: datetime, capabilities: Mapping[str, Capabilities]
) -> None:
    """The member refused private messages (Telegram 403, Discord 50007): remember it for good
    and owe the same message in the live's space on their platform, mentioning them."""
    assert row.member_id is not None
    await uow.members.update(row.member_id, dm_unreachable=True)
    member = await uow.members.get(row.member_id)
    live = await uow.lives.get(row.live_id) if row.live_id is not None else None
    community = await uow.communities.get(live.community_id) if live is not None else None
    if member is None or community is None:
        return
    dest = await reach(uow, member, community, capabilities)
    if dest.private:
        return  # no space of their platform to reach them in
    payload = row.payload  # a recipe is worded for the space when sent there
    if not is_recipe(payload):  # a ready-made message, owed before recipes existed
        message = replace(load_message(payload), mentions=(member.ref,))
        if message.text.key == "reminder.dm":  # in a space, say how to get reminders privately
            message = replace(message, text=replace(message.text, key="reminder.mention"))
        payload = dump_message(message)
    await uow.deliveries.plan(
        fallback_key(row.key), row.kind, now, dest, payload, member.id, row.live_id
    )
