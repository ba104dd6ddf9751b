"""Lives: scheduling (one or a series), drafts and `/publish`, `/edit` with co-hosts, `/cancel`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.core.calendar.links import public_links
from bot.core.community.lookup import need_member
from bot.core.context import Context
from bot.core.delivery.planning import plan_all, refresh_announcements, unplan_live
from bot.core.delivery.vocabulary import (
    Kind,
    announcement_key,
    cancellation_post_key,
    change_notice_key,
)
from bot.core.lives import views
from bot.core.lives.fields import LiveFields, read_fields
from bot.core.lives.signups import member_tz, promote_waitlist
from bot.core.messages import OutMessage, Param, Raw, Reply, Text
from bot.core.registry import checks, handles
from bot.domain.commands import REASON
from bot.domain.model import Live, LiveStatus, SignupStatus
from bot.domain.series import Repeat, SeriesError, series_starts
from bot.domain.when import WhenError, one_year_after

ACTIVE = (SignupStatus.CONFIRMED, SignupStatus.WAITLISTED)
EDITABLE = (LiveStatus.DRAFT, LiveStatus.SCHEDULED)


@handles("schedule")
async def schedule(ctx: Context) -> Reply:
    fields = read_fields(ctx)
    if fields.title is None or fields.starts_at is None:
        ctx.refuse("live.bad.missing", example=ctx.example("schedule"))
    starts = occurrences(ctx, fields.starts_at, fields.repeat, fields.count)
    series_id = await ctx.uow.lives.next_series_id() if len(starts) > 1 else None
    created: list[Live] = []
    for start in starts:
        live = await ctx.uow.lives.create(
            ctx.community_id, fields.title, fields.description or "", start,
            fields.duration or 60, fields.link, fields.capacity, fields.tags or (),
            LiveStatus.SCHEDULED, ctx.member.id, series_id, ctx.clock.now(),
        )  # fmt: skip
        await ctx.uow.lives.add_host(live.id, ctx.member.id)
        created.append(live)
        await owe_timed(ctx, live)
    await announce_live(ctx, created[0], len(created))
    when = views.when(ctx.locale, created[0], ctx.tz)
    if len(created) == 1:
        return ctx.reply("live.scheduled", id=created[0].id, title=fields.title, when=when)
    last = views.when(ctx.locale, created[-1], ctx.tz)
    # `count` is a text parameter here, not the plural selector of `ctx.reply`
    params: dict[str, Param] = {
        "id": created[0].id, "title": fields.title, "when": when, "last": last,
        "count": len(created), "repeat": Text(ctx.locale, f"repeat.{fields.repeat.value}"),
    }  # fmt: skip
    return Reply((OutMessage(Text(ctx.locale, "live.scheduled_series", params)),))


def occurrences(ctx: Context, first: datetime, repeat: Repeat, count: int) -> list[datetime]:
    if repeat is Repeat.none:
        return [first]
    try:
        return series_starts(first, ctx.tz, repeat, max(count, 2))
    except SeriesError as bad:
        ctx.refuse(f"series.{bad.code}")


async def announce_live(ctx: Context, live: Live, count: int = 1) -> None:
    """Owes the announcement of a live to every announce space of its community."""
    community = await ctx.uow.communities.get(live.community_id)
    assert community is not None
    counts = await ctx.uow.signups.counts(live.id)
    host = await views.host_names(ctx.uow, live.id) or ctx.member.display_name
    tz = ZoneInfo(community.timezone)  # a post for everyone: the community's time, not the host's

    base = ctx.config.public_url if ctx.config.web else None

    def build(locale: str) -> OutMessage:
        public = public_links(locale, base, community, live)
        message = views.announcement(locale, live, tz, counts, host, public)
        if count > 1:
            text = Text(locale, "live.announce_series", {"post": message.text, "count": count})
            return replace(message, text=text)  # keeps its buttons and thread
        return message

    key = partial(announcement_key, live.id)
    await ctx.announce(community, key, Kind.ANNOUNCEMENT, build, live.id)


@checks("schedule")
async def check_schedule(ctx: Context) -> None:
    """A guided `/schedule` says a bad title, date or number right after its answer."""
    read_fields(ctx)


@handles("publish")
async def publish(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    await ctx.require_host_of(live)
    if live.status is not LiveStatus.DRAFT:
        ctx.refuse("live.not_draft", id=live.id)
    if live.starts_at < ctx.clock.now() + timedelta(minutes=5):
        ctx.refuse("live.publish_past", id=live.id)
    if not await ctx.uow.lives.set_status(
        live.id, [LiveStatus.DRAFT], LiveStatus.SCHEDULED, ctx.clock.now()
    ):
        ctx.refuse("live.not_draft", id=live.id)
    published = await ctx.uow.lives.get(live.id)
    assert published is not None
    await owe_timed(ctx, published)
    await announce_live(ctx, published)
    return ctx.reply(
        "live.published", id=live.id, title=live.title, when=views.when(ctx.locale, live, ctx.tz)
    )


@handles("edit")
async def edit(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    await ctx.require_host_of(live)
    if live.status not in EDITABLE:
        ctx.refuse("live.not_editable", id=live.id)
    fields = read_fields(ctx)
    cohost = await need_member(ctx, "cohost") if ctx.arg("cohost") else None
    targets = await series_targets(ctx, live)
    for target in targets:
        await apply_edit(ctx, target, fields, shift_of(ctx, live, target, fields.starts_at))
        if cohost is not None:
            await ctx.uow.lives.add_host(target.id, cohost.id)
        await owe_timed(ctx, target, moved=fields.starts_at is not None)
        await refresh_announcements(ctx.uow, target, ctx.clock.now())
    if not any((fields.title, fields.starts_at, fields.duration, fields.description, fields.link,
                fields.capacity, fields.tags is not None, cohost)):  # fmt: skip
        ctx.refuse("live.nothing_to_edit", id=live.id)
    updated = await ctx.uow.lives.get(live.id)
    assert updated is not None
    when = views.when(ctx.locale, updated, ctx.tz)
    return ctx.reply("live.edited", id=live.id, title=updated.title, when=when, plural=len(targets))


async def owe_timed(ctx: Context, live: Live, moved: bool = False) -> None:
    """(Re)plans what this live owes from its current state: the latest plan wins, and a
    moved live owes fresh reminders (the old ones expire; their keys carry the old start)."""
    current = await ctx.uow.lives.get(live.id)
    community = ctx.community
    assert current is not None and community is not None
    if moved:
        await unplan_live(ctx.uow, current, "moved", ctx.clock.now())
    await plan_all(ctx.uow, ctx.config, community, current, ctx.clock.now())


async def series_targets(ctx: Context, live: Live) -> list[Live]:
    if (ctx.arg("series") or "").lower() != "all":  # `tout` too: see `vocabulary`
        return [live]
    if live.series_id is None:
        ctx.refuse("live.not_series", id=live.id)
    rest = await ctx.uow.lives.in_series(live.series_id, live.starts_at)
    return [x for x in rest if x.status in EDITABLE]


def shift_of(
    ctx: Context, first: Live, target: Live, new_start: datetime | None
) -> datetime | None:
    """The new start of `target` when `first` moves to `new_start`, same wall-clock shift."""
    if new_start is None:
        return None
    if target.id == first.id:
        return new_start
    tz = ctx.tz
    delta = new_start.astimezone(tz).replace(tzinfo=None) - first.starts_at.astimezone(tz).replace(
        tzinfo=None
    )
    local = target.starts_at.astimezone(tz).replace(tzinfo=None) + delta
    return local.replace(tzinfo=tz).astimezone(first.starts_at.tzinfo)


async def apply_edit(
    ctx: Context, live: Live, fields: LiveFields, starts_at: datetime | None
) -> None:
    changes: dict[str, object] = {}
    for name in ("title", "duration", "description", "link", "capacity", "tags"):
        value = getattr(fields, name)
        if value is not None:
            changes["duration_min" if name == "duration" else name] = value
    # Each occurrence a series edit moves meets the rules of any date: 5 minutes ahead, a year
    # at most (the first one was checked when `when` was read).
    now = ctx.clock.now()
    if starts_at is not None and starts_at < now + timedelta(minutes=5):
        ctx.refuse("when.too_soon", when=str(live.id), example=ctx.example_when)
    if starts_at is not None and starts_at > one_year_after(now):
        ctx.refuse("when.too_far", when=str(live.id), example=ctx.example_when)
    if starts_at is not None:
        changes["starts_at"] = starts_at
    counts = await ctx.uow.signups.counts(live.id)
    if fields.capacity is not None and fields.capacity < counts.confirmed:
        ctx.refuse("live.capacity_below", id=live.id, confirmed=counts.confirmed)
    if changes:
        await ctx.uow.lives.update(live.id, **changes)
    if fields.capacity is not None and (live.capacity is None or fields.capacity > live.capacity):
        updated = await ctx.uow.lives.get(live.id)
        assert updated is not None
        await promote_waitlist(ctx, updated)
    if starts_at is not None and starts_at != live.starts_at:
        await tell_signed_up(ctx, live, "live.moved", Kind.TIME_CHANGE, new=starts_at)


async def tell_signed_up(
    ctx: Context,
    live: Live,
    key: str,
    kind: Kind,
    new: datetime | None = None,
    reason: str | None = None,
) -> set[int]:
    """Tells everyone signed up (confirmed or waitlisted) about a change to the live; returns
    who they are."""
    now = ctx.clock.now()
    members = await ctx.uow.signups.member_ids(live.id, ACTIVE)
    for member_id in members:
        tz = await member_tz(ctx, member_id)

        def build(locale: str, tz: ZoneInfo = tz) -> OutMessage:
            params: dict[str, str | int | Raw | Text] = {"id": live.id, "title": live.title}
            if new is not None:
                params["when"] = views.when(locale, _moved(live, new), tz)
            if reason:
                params["reason"] = Text(locale, "live.reason", {"reason": reason})
            else:
                params["reason"] = Raw("")
            return OutMessage(Text(locale, key, params))

        row_key = change_notice_key(kind, live.id, member_id, now)
        await ctx.tell_member(member_id, row_key, kind, build, live.id)
    return set(members)


def _moved(live: Live, new: datetime) -> Live:
    from dataclasses import replace

    return replace(live, starts_at=new)


@handles("cancel")
async def cancel(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    await ctx.require_host_of(live)
    reason = ctx.arg("reason")
    if reason is not None and len(reason) > REASON.bounds[1]:
        ctx.refuse("error.too_long", field=ctx.field("reason"), max=REASON.bounds[1])
    targets = await series_targets(ctx, live)
    cancelled, told = await cancel_lives(ctx, targets, reason)
    if not cancelled:
        ctx.refuse("live.not_cancellable", id=live.id)
    # "They are told" only when somebody was: a live nobody signed up for tells nobody.
    people: Param = ctx.t("live.told", plural=told) if told else Raw("")
    return ctx.reply(
        "live.cancelled", id=live.id, title=live.title, told=people, plural=len(cancelled)
    )


async def cancel_lives(
    ctx: Context, targets: Sequence[Live], reason: str | None
) -> tuple[list[Live], int]:
    """The lives cancelled, and how many people were told."""
    done: list[Live] = []
    told: set[int] = set()
    community = ctx.community
    assert community is not None
    for live in targets:
        if await ctx.uow.lives.set_status(live.id, EDITABLE, LiveStatus.CANCELLED, ctx.clock.now()):
            done.append(live)
            await unplan_live(ctx.uow, live, "cancelled", ctx.clock.now())
            await refresh_announcements(ctx.uow, live, ctx.clock.now())
            told |= await tell_signed_up(
                ctx, live, "live.cancel_notice", Kind.CANCELLATION, reason=reason
            )

            def build(locale: str, live: Live = live) -> OutMessage:
                return OutMessage(
                    Text(locale, "live.cancel_post", {"id": live.id, "title": live.title})
                )

            if live.status is LiveStatus.SCHEDULED:
                key = partial(cancellation_post_key, live.id)
                await ctx.announce(community, key, Kind.CANCELLATION, build, live.id)
    return done, len(told)


__all__ = ["WhenError", "announce_live", "schedule"]
