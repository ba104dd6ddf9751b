"""A live on air: `/golive` with the "I'm here" check-in, and `/end` with summary, replay and rating."""

from __future__ import annotations

from functools import partial

from bot.core import codec
from bot.core.context import Context
from bot.core.delivery.planning import TIMED, refresh_announcements
from bot.core.delivery.vocabulary import Kind, feedback_key, live_now_key, replay_key, summary_key
from bot.core.lives.fields import read_link
from bot.core.messages import Button, OutMessage, Param, Raw, Reply, Text
from bot.core.registry import handles
from bot.domain.commands import REPLAY
from bot.domain.model import Live, LiveStatus, QuestionStatus, SignupStatus


@handles("golive")
async def golive(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    await ctx.require_host_of(live)
    if live.status is not LiveStatus.SCHEDULED:
        ctx.refuse(
            "golive.not_scheduled",
            id=live.id,
            status=Text(ctx.locale, f"live.status.{live.status.value}"),
        )
    if not await ctx.uow.lives.set_status(
        live.id, [LiveStatus.SCHEDULED], LiveStatus.LIVE, ctx.clock.now()
    ):
        ctx.refuse("golive.not_scheduled", id=live.id, status=Text(ctx.locale, "live.status.live"))

    def build(locale: str) -> OutMessage:
        link = Text(locale, "golive.link", {"link": live.link}) if live.link else Raw("")
        text = Text(locale, "golive.post", {"id": live.id, "title": live.title, "link": link})
        here = Button(Text(locale, "button.here"), codec.encode("here", live.id))
        ask = Button(Text(locale, "button.ask"), codec.encode("ask", live.id))
        return OutMessage(text, ((here, ask),))

    # Nothing "before the start" is owed any more; the automatic end stays owed.
    before = (Kind.REMINDER, Kind.SOON, Kind.NUDGE)
    await ctx.uow.deliveries.expire(live.id, before, "started", ctx.clock.now())
    await refresh_announcements(ctx.uow, live, ctx.clock.now())
    community = ctx.community
    assert community is not None
    await ctx.announce(community, partial(live_now_key, live.id), Kind.LIVE_NOW, build, live.id)
    return ctx.reply("golive.done", id=live.id, title=live.title)


@handles("end")
async def end(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    await ctx.require_host_of(live)
    replay = read_link(ctx, REPLAY)
    if live.status is not LiveStatus.LIVE:
        ctx.refuse("end.not_live", id=live.id)
    now = ctx.clock.now()
    if not await ctx.uow.lives.set_status(live.id, [LiveStatus.LIVE], LiveStatus.ENDED, now):
        ctx.refuse("end.not_live", id=live.id)
    await ctx.uow.deliveries.expire(live.id, TIMED, "ended", now)
    await refresh_announcements(ctx.uow, live, now)
    if replay:
        await ctx.uow.lives.update(live.id, replay=replay)
    on_air = await ctx.uow.questions.by_status(live.id, [QuestionStatus.ON_AIR])
    for question in on_air:
        await ctx.uow.questions.set_status(
            question.id, [QuestionStatus.ON_AIR], QuestionStatus.ANSWERED, now
        )
    left = await ctx.uow.questions.by_status(live.id, [QuestionStatus.APPROVED])
    await post_summary(ctx, live, [q.text for q in left], replay)
    await follow_up(ctx, live, replay)
    if not left:  # "0 question is left" reads badly: none left has its own sentence
        return ctx.reply("end.done_none", id=live.id, title=live.title)
    return ctx.reply("end.done", id=live.id, title=live.title, plural=len(left))


async def post_summary(ctx: Context, live: Live, unanswered: list[str], replay: str | None) -> None:
    """The summary in every announce space, listing the approved questions left unanswered."""
    community = ctx.community
    assert community is not None
    attended = len(await ctx.uow.signups.attended_ids(live.id))

    def build(locale: str) -> OutMessage:
        lines = tuple(Text(locale, "end.unanswered_line", {"text": q}) for q in unanswered)
        rest = Text(locale, "end.unanswered", {"lines": lines}) if lines else Raw("")
        link = Text(locale, "end.replay_line", {"replay": replay}) if replay else Raw("")
        params: dict[str, Param] = {
            "id": live.id,
            "title": live.title,
            "attended": attended,
            "unanswered": rest,
            "replay": link,
        }
        return OutMessage(Text(locale, "end.summary", params))

    await ctx.announce(community, partial(summary_key, live.id), Kind.SUMMARY, build, live.id)


async def follow_up(ctx: Context, live: Live, replay: str | None) -> None:
    """Attendees get the replay and a 1-5 rating; confirmed no-shows get the replay only."""
    attended = set(await ctx.uow.signups.attended_ids(live.id))
    confirmed = await ctx.uow.signups.member_ids(live.id, [SignupStatus.CONFIRMED])
    for member_id in sorted(attended):

        def feedback(locale: str) -> OutMessage:
            link = Text(locale, "end.replay_line", {"replay": replay}) if replay else Raw("")
            stars = tuple(
                Button(
                    Text(locale, "button.stars", {"stars": Raw("★" * n)}),
                    codec.encode("rate", live.id, n),
                )
                for n in range(1, 6)
            )
            text = Text(
                locale, "end.feedback", {"id": live.id, "title": live.title, "replay": link}
            )
            return OutMessage(text, (stars,))

        key = feedback_key(live.id, member_id)
        await ctx.tell_member(member_id, key, Kind.FEEDBACK, feedback, live.id)
    if not replay:
        return
    for member_id in confirmed:
        if member_id in attended:
            continue

        def replay_only(locale: str) -> OutMessage:
            return OutMessage(
                Text(locale, "end.replay", {"id": live.id, "title": live.title, "replay": replay})
            )

        key = replay_key(live.id, member_id)
        await ctx.tell_member(member_id, key, Kind.REPLAY, replay_only, live.id)
