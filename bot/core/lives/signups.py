"""Sign-ups: join, leave, the waitlist and its promotions, the "I'm here" check-in and ratings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core import codec
from bot.core.context import Context
from bot.core.delivery.planning import plan_member, refresh_announcements, unplan_member
from bot.core.delivery.vocabulary import Kind, promotion_key
from bot.core.lives import views
from bot.core.messages import OutMessage, Param, Reply, Text
from bot.core.registry import handles
from bot.domain.commands import COMMENT, RATING
from bot.domain.model import Live, LiveStatus, Member, SignupStatus


def refuse_closed(ctx: Context, live: Live) -> None:
    """Cancelled, ended and draft lives take no sign-ups (nor questions)."""
    if live.status is LiveStatus.CANCELLED:
        ctx.refuse("error.live_cancelled", live=live.id)
    if live.status is LiveStatus.ENDED:
        ctx.refuse("error.live_ended", live=live.id)
    if live.status is LiveStatus.DRAFT:
        ctx.refuse("error.live_draft", live=live.id)


@handles("join")
async def join(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    refuse_closed(ctx, live)
    status = await ctx.uow.signups.join(live.id, ctx.member.id, live.capacity, ctx.clock.now())
    if status is None:
        ctx.refuse("signup.already", live=live.id, title=live.title)
    if status is SignupStatus.CONFIRMED:
        await owe_reminders(ctx, live, ctx.member)
    await refresh_announcements(ctx.uow, live, ctx.clock.now())
    key = "signup.confirmed" if status is SignupStatus.CONFIRMED else "signup.waitlisted"
    # Their calendar, one press away (a press, not a link: the token is read only if wanted).
    buttons = [[ctx.button("calendar.add", codec.encode("calendar"))]] if _calendars(ctx) else []
    return ctx.reply(
        key,
        buttons=buttons,
        id=live.id,
        title=live.title,
        when=views.when(ctx.locale, live, ctx.tz),
    )


def _calendars(ctx: Context) -> bool:
    return ctx.config.web and ctx.config.public_url is not None


async def owe_reminders(ctx: Context, live: Live, member: Member | int) -> None:
    community = ctx.community
    assert community is not None
    await plan_member(ctx.uow, ctx.config, community, live, member, ctx.clock.now())


@handles("leave")
async def leave(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    now = ctx.clock.now()
    if live.status in (LiveStatus.ENDED, LiveStatus.CANCELLED):
        ctx.refuse(
            "error.live_ended" if live.status is LiveStatus.ENDED else "error.live_cancelled",
            live=live.id,
        )
    former = await ctx.uow.signups.leave(live.id, ctx.member.id, now)
    if former is None:
        ctx.refuse("signup.not_signed_up", live=live.id, title=live.title)
    await unplan_member(ctx.uow, live, ctx.member.id, now)
    await refresh_announcements(ctx.uow, live, now)
    if former is SignupStatus.CONFIRMED:
        await promote_waitlist(ctx, live)
    return ctx.reply("signup.left", id=live.id, title=live.title)


async def promote_waitlist(ctx: Context, live: Live) -> list[int]:
    """Gives freed seats to the first waitlisted members, in order, and tells each of them. Once
    the live is on air no seat is given: anyone may come in with "I'm here" by then, and a
    notice of a seat would only arrive for a live already under way."""
    if live.status is not LiveStatus.SCHEDULED:
        return []
    promoted = await ctx.uow.signups.promote(live.id, live.capacity)
    now = ctx.clock.now()
    for member_id in promoted:
        tz = await member_tz(ctx, member_id)

        def build(locale: str, live: Live = live, tz: ZoneInfo = tz) -> OutMessage:
            when = views.when(locale, live, tz)
            params: dict[str, Param] = {"id": live.id, "title": live.title, "when": when}
            return OutMessage(Text(locale, "signup.promoted", params))

        key = promotion_key(live.id, member_id, now)
        await ctx.tell_member(member_id, key, Kind.PROMOTION, build, live.id)
        await owe_reminders(ctx, live, member_id)
    return promoted


async def member_tz(ctx: Context, member_id: int) -> ZoneInfo:
    """A private message shows times in its reader's timezone, else the community's."""
    member = await ctx.uow.members.get(member_id)
    community = ctx.community.timezone if ctx.community is not None else None
    return ZoneInfo((member.timezone if member else None) or community or ctx.config.timezone)


@handles("here")
async def here(ctx: Context) -> Reply:
    """The "I'm here" check-in (button or command), for anyone while the live is on air: someone
    who never signed up is signed up as they come."""
    live = await ctx.live_arg(lock=True)
    if live.status is not LiveStatus.LIVE:
        ctx.refuse("attend.not_live", live=live.id)
    await ctx.uow.signups.join(live.id, ctx.member.id, None, ctx.clock.now())
    if not await ctx.uow.signups.attend(live.id, ctx.member.id, ctx.clock.now()):
        ctx.refuse("attend.already", live=live.id)
    return ctx.reply("attend.done", id=live.id, title=live.title)


@handles("rate")
async def rate(ctx: Context) -> Reply:
    live = await ctx.live_arg()
    raw = ctx.need("rating")
    if live.status is not LiveStatus.ENDED:
        ctx.refuse("rate.not_ended", id=live.id)
    if not raw.isdigit() or not RATING.bounds[0] <= int(raw) <= RATING.bounds[1]:
        ctx.refuse("rate.bad", rating=raw[:10])
    comment = ctx.arg("comment")
    if comment is not None and len(comment) > COMMENT.bounds[1]:
        ctx.refuse("error.too_long", field=ctx.field("comment"), max=COMMENT.bounds[1])
    if not await ctx.uow.signups.rate(live.id, ctx.member.id, int(raw), comment, ctx.clock.now()):
        ctx.refuse("rate.already", live=live.id, title=live.title)
    return ctx.reply("rate.thanks", rating=int(raw), title=live.title)
