"""Skill proposals: a member proposes, moderators accept (a draft live the member hosts) or decline."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from bot.core import codec
from bot.core.community.names import display_name
from bot.core.context import Context
from bot.core.delivery.planning import edit_cards
from bot.core.delivery.vocabulary import (
    Kind,
    proposal_card_key,
    proposal_cards,
    proposal_cards_edit_key,
    proposal_told_key,
)
from bot.core.fields import parse_live_ref
from bot.core.lives import views
from bot.core.messages import Button, OutMessage, Param, Raw, Reply, Text
from bot.core.qa.questions import community_of
from bot.core.registry import handles
from bot.domain.commands import DESCRIPTION, TITLE
from bot.domain.model import Community, LiveStatus, Proposal, ProposalStatus, SpaceRole

TITLE_MIN, TITLE_MAX = TITLE.bounds
DESCRIPTION_MAX = DESCRIPTION.bounds[1]
LIST_MAX = 10
DRAFT_HOUR = time(18, 0)
DRAFT_DURATION = 60


@handles("propose")
async def propose(ctx: Context) -> Reply:
    community = community_of(ctx)
    title = " ".join(ctx.need("title").split())
    if not TITLE_MIN <= len(title) <= TITLE_MAX:
        ctx.refuse("proposal.bad_title", min=TITLE_MIN, max=TITLE_MAX)
    description = (ctx.arg("description") or "").strip()
    if len(description) > DESCRIPTION_MAX:
        ctx.refuse("proposal.description_too_long", max=DESCRIPTION_MAX, length=len(description))
    now = ctx.clock.now()
    proposal = await ctx.uow.proposals.create(community.id, ctx.member.id, title, description, now)
    card = await proposal_card(ctx, proposal, community.language)
    await ctx.announce(
        community, partial(proposal_card_key, proposal.id), Kind.PROPOSAL, lambda _l: card,
        role=SpaceRole.MODERATION,
    )  # fmt: skip
    return ctx.reply("proposal.sent", title=title)


async def proposal_card(ctx: Context, proposal: Proposal, locale: str) -> OutMessage:
    author = await display_name(ctx, proposal.member_id, locale)
    params: dict[str, Param] = {"id": proposal.id, "title": proposal.title, "author": author}
    description = proposal.description or Text(locale, "proposal.no_description")
    text = Text(locale, "proposal.card", {**params, "description": description})
    buttons = (
        Button(Text(locale, "button.accept"), codec.encode("accept", proposal.id)),
        Button(Text(locale, "button.decline"), codec.encode("decline", proposal.id)),
    )
    return OutMessage(text, (buttons,))


async def _decided(ctx: Context, proposal: Proposal, decision: Text) -> None:
    """Every card of the proposal, on every platform, says who decided what (and loses its
    buttons): a moderator elsewhere does not decide it again."""
    locale = community_of(ctx).language
    author = await display_name(ctx, proposal.member_id, locale)
    params: dict[str, Param] = {
        "id": proposal.id, "title": proposal.title, "author": author,
        "decision": decision, "by": ctx.member.display_name,
    }  # fmt: skip
    card = OutMessage(Text(locale, "proposal.card.decided", params))
    key, cards = proposal_cards_edit_key(proposal.id), proposal_cards(proposal.id)
    await edit_cards(ctx.uow, key, cards, card, ctx.clock.now())


@handles("proposals")
async def proposals(ctx: Context) -> Reply:
    pending = await ctx.uow.proposals.pending(community_of(ctx).id)
    if not pending:
        return ctx.reply("proposals.empty")
    head = ctx.t("proposals.head", plural=len(pending))
    cards = [await proposal_card(ctx, p, ctx.locale) for p in pending[:LIST_MAX]]
    if len(pending) > LIST_MAX:
        cards.append(OutMessage(ctx.t("proposals.more", plural=len(pending) - LIST_MAX)))
    return Reply((OutMessage(head), *cards))


async def proposal_arg(ctx: Context) -> Proposal:
    raw = ctx.need("proposal")
    number = parse_live_ref(raw)  # bounded: a 40-digit id is unknown, not a crash
    proposal = await ctx.uow.proposals.get(number) if number is not None else None
    if proposal is None or proposal.community_id != ctx.community_id:
        ctx.refuse("proposal.unknown", id=raw[:20])
    return proposal


def draft_start(community: Community, now: datetime) -> datetime:
    """Next week, same weekday, 18:00 in the community's zone: a placeholder the host edits."""
    tz = ZoneInfo(community.timezone)
    day = now.astimezone(tz).date() + timedelta(days=7)
    return datetime.combine(day, DRAFT_HOUR, tzinfo=tz).astimezone(now.tzinfo)


@handles("accept")
async def accept(ctx: Context) -> Reply:
    proposal, community = await proposal_arg(ctx), community_of(ctx)
    proposer = proposal.member_id
    if proposer is None:
        ctx.refuse("proposal.author_gone", id=proposal.id)
    now = ctx.clock.now()
    live = await ctx.uow.lives.create(
        community.id, proposal.title, proposal.description, draft_start(community, now),
        DRAFT_DURATION, None, None, (), LiveStatus.DRAFT, proposer, None, now,
    )  # fmt: skip
    await ctx.uow.lives.add_host(live.id, proposer)
    # Hosting this live is enough for its `/edit` and `/publish`: no community-wide host role.
    if not await ctx.uow.proposals.decide(
        proposal.id, ProposalStatus.ACCEPTED, ctx.member.id, live.id, now
    ):
        ctx.refuse("proposal.already_decided", id=proposal.id)  # rolls the draft back too

    def build(locale: str) -> OutMessage:
        params: dict[str, Param] = {"id": live.id, "title": live.title}
        when = views.when(locale, live, ZoneInfo(community.timezone))
        return OutMessage(Text(locale, "proposal.accepted_dm", {**params, "when": when}))

    key = proposal_told_key(proposal.id, accepted=True)
    await ctx.tell_member(proposer, key, Kind.PROPOSAL, build, live.id)
    decision = Text(community.language, "proposal.decision.accept", {"live": live.id})
    await _decided(ctx, proposal, decision)
    return ctx.reply("proposal.accepted", id=proposal.id, live=live.id, title=live.title)


@handles("decline")
async def decline(ctx: Context) -> Reply:
    proposal = await proposal_arg(ctx)
    now = ctx.clock.now()
    if not await ctx.uow.proposals.decide(
        proposal.id, ProposalStatus.DECLINED, ctx.member.id, None, now
    ):
        ctx.refuse("proposal.already_decided", id=proposal.id)
    await _decided(ctx, proposal, Text(community_of(ctx).language, "proposal.decision.decline"))
    told: Param = Raw("")  # said only when the author is still there to be told
    if proposal.member_id is not None:

        def build(locale: str) -> OutMessage:
            return OutMessage(Text(locale, "proposal.declined_dm", {"title": proposal.title}))

        key = proposal_told_key(proposal.id, accepted=False)
        await ctx.tell_member(proposal.member_id, key, Kind.PROPOSAL, build)
        told = ctx.t("proposal.declined_told")
    return ctx.reply("proposal.declined", id=proposal.id, title=proposal.title, told=told)
