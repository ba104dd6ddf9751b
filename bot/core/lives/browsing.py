"""Finding lives: `/lives` (five a page), `/live` in full, `/myschedule`."""

from __future__ import annotations

from bot.core import codec
from bot.core.calendar.feeds import live_file_signature
from bot.core.calendar.links import live_file, public_links
from bot.core.calendar.personal import calendar_button
from bot.core.context import Context
from bot.core.fields import parse_live_ref
from bot.core.lives import views
from bot.core.lives.fields import normalize_tag
from bot.core.messages import Button, OutMessage, Raw, Reply, Text
from bot.core.registry import handles
from bot.domain.model import Live, LiveStatus, SignupStatus

PAGE = 5


@handles("lives")
async def lives(ctx: Context) -> Reply:
    page = parse_live_ref(ctx.arg("page") or "") or 0  # bounded, ASCII digits only
    tag = normalize_tag(ctx.arg("tag") or "").strip("-") or None
    if ctx.req.space is not None:  # a group: its own community (refused when not linked)
        community_ids = [ctx.community_id]
    else:  # a private chat: every community the member belongs to
        community_ids = await ctx.uow.communities.communities_of(ctx.member.id)
    found, total = await ctx.uow.lives.upcoming(
        community_ids, ctx.clock.now(), tag, page * PAGE, PAGE
    )
    if not found:
        key = "lives.none_tag" if tag else "lives.none"
        return ctx.reply(key, tag=tag or "")
    messages = [OutMessage(ctx.t("lives.header", page=page + 1, total=total))]
    for live in found:
        messages.append(await _listed(ctx, live))
    nav: list[Button] = []
    if page > 0:
        nav.append(Button(ctx.t("button.previous"), codec.encode("lives", page - 1, tag or "-")))
    if (page + 1) * PAGE < total:
        nav.append(Button(ctx.t("button.next"), codec.encode("lives", page + 1, tag or "-")))
    if nav:
        last = messages[-1]
        messages[-1] = OutMessage(last.text, (*last.buttons, tuple(nav)))
    return Reply(tuple(messages))


async def _listed(ctx: Context, live: Live) -> OutMessage:
    """A line of `/lives`: one on air is marked so and takes no sign-up (those signed up are
    offered to check in); Details for every live."""
    line = views.line(ctx.locale, live, ctx.tz)
    details = Button(ctx.t("button.details"), codec.encode("live", live.id))
    if live.status is not LiveStatus.LIVE:
        return OutMessage(
            line, ((Button(ctx.t("button.join"), codec.encode("join", live.id)), details),)
        )
    mine = await ctx.uow.signups.get(live.id, ctx.member.id)
    expected = mine is not None and mine.status is not SignupStatus.CANCELLED and not mine.attended
    buttons = (_here(ctx, live), details) if expected else (details,)
    return OutMessage(ctx.t("lives.on_air", line=line), (buttons,))


def _here(ctx: Context, live: Live) -> Button:
    return Button(ctx.t("button.here"), codec.encode("here", live.id))


@handles("live")
async def live(ctx: Context) -> Reply:
    found = await ctx.live_arg()
    if found.status is LiveStatus.DRAFT and not await ctx.is_host_of(found):
        ctx.refuse("error.unknown_live", live=str(found.id))
    counts = await ctx.uow.signups.counts(found.id)
    names = await views.host_names(ctx.uow, found.id) or "-"
    community = await ctx.uow.communities.get(found.community_id)
    base = ctx.config.public_url if ctx.config.web else None
    public = public_links(ctx.locale, base, community, found) if community else None
    card = views.card(ctx.locale, found, ctx.tz, counts, names, public)
    mine = await ctx.uow.signups.get(found.id, ctx.member.id)
    buttons: list[Button] = []
    if found.status is LiveStatus.LIVE:  # as on the "live now" post: check in, ask
        if mine is None or not mine.attended:
            buttons.append(_here(ctx, found))
        buttons.append(Button(ctx.t("button.ask"), codec.encode("ask", found.id)))
    elif found.open_for_signup:
        active = mine is not None and mine.status is not SignupStatus.CANCELLED
        action = codec.encode("leave" if active else "join", found.id)
        buttons.append(Button(ctx.t("button.leave" if active else "button.join"), action))
        buttons.append(Button(ctx.t("button.ask"), codec.encode("ask", found.id)))
    rows = [tuple(buttons)] if buttons else []
    if base is not None and found.status is not LiveStatus.DRAFT:  # the live as a file
        signature = await live_file_signature(ctx.uow, found.id, ctx.clock.now())
        rows.append((ctx.button("calendar.file", url=live_file(base, found.id, signature)),))
    return Reply((OutMessage(card, tuple(rows)),))


@handles("myschedule")
async def myschedule(ctx: Context) -> Reply:
    mine = await ctx.uow.signups.upcoming_of(ctx.member.id, ctx.clock.now())
    if not mine:
        return ctx.reply("myschedule.none")
    lines = tuple(
        _mine_line(ctx, live, status) for live, status in ((x, s.status) for x, s in mine)
    )
    calendar = await calendar_button(ctx, ctx.member, ctx.uow)
    return ctx.reply("myschedule.list", buttons=[[calendar]] if calendar else [], lines=lines)


def _mine_line(ctx: Context, live: Live, status: SignupStatus) -> Text:
    line = views.line(ctx.locale, live, ctx.tz)
    if status is SignupStatus.WAITLISTED:
        return Text(ctx.locale, "myschedule.waitlisted", {"line": line})
    return Text(ctx.locale, "myschedule.confirmed", {"line": line, "mark": Raw("")})
