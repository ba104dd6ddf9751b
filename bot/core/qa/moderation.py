"""Moderation: the queue of held questions, approve / reject / merge, mutes and the moderation log."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.core.community.lookup import need_member
from bot.core.community.names import display_name
from bot.core.context import Context
from bot.core.delivery.planning import edit_cards
from bot.core.delivery.vocabulary import (
    Kind,
    mute_key,
    question_cards,
    question_cards_edit_key,
    question_told_key,
)
from bot.core.messages import OutMessage, Param, Raw, Reply, Text
from bot.core.qa.questions import (
    VISIBLE,
    community_of,
    moderation_card,
    question_arg,
    question_ref,
)
from bot.core.registry import handles
from bot.domain.commands import REASON
from bot.domain.model import Live, Member, ModAction, Question, QuestionStatus
from bot.domain.when import LengthError, parse_length
from bot.i18n.dates import format_short

QUEUE_MAX = 10  # one card each; more would bury the chat, and deciding these shows the next ones
LOG_MAX = 50
REASON_MAX = REASON.bounds[1]
DEFAULT_MUTE = "24h"
_QUESTION_REF = re.compile(r"[Qq][0-9]{1,15}")
_DECIDABLE = {"approve": QuestionStatus.APPROVED, "reject": QuestionStatus.REJECTED}


@handles("queue")
async def queue(ctx: Context) -> Reply:
    live = await ctx.live_arg()
    pending = await ctx.uow.questions.by_status(live.id, (QuestionStatus.PENDING,))
    if not pending:
        return ctx.reply("queue.empty", id=live.id, title=live.title)
    pending.sort(key=lambda q: q.created_at)  # oldest first: fair to whoever asked first
    head = ctx.t("queue.head", plural=len(pending), id=live.id, title=live.title)
    cards = [await moderation_card(ctx, q, live, ctx.locale) for q in pending[:QUEUE_MAX]]
    if len(pending) > QUEUE_MAX:
        cards.append(OutMessage(ctx.t("queue.more", plural=len(pending) - QUEUE_MAX)))
    return Reply((OutMessage(head), *cards))


@handles("approve")
async def approve(ctx: Context) -> Reply:
    """`/approve Q45 Q46`: all of them or, when one cannot be, none (the refusal rolls back)."""
    refs = dict.fromkeys(ctx.need("question").replace(",", " ").split())
    approved: list[int] = []
    for ref in refs:
        q, live = await question_ref(ctx, ref, numbered=True, pending=True)
        await _decide(ctx, q, live, "approve")
        params: dict[str, Param] = {"id": q.id, "text": q.text}
        await _tell_author(ctx, q, Kind.QUESTION_APPROVED, "question.approved_dm", params)
        approved.append(q.id)
    if len(approved) == 1:
        return ctx.reply("moderation.approved", id=approved[0])
    ids = Raw(", ".join(f"Q{number}" for number in approved))
    return ctx.reply("moderation.approved_many", ids=ids, plural=len(approved))


@handles("reject")
async def reject(ctx: Context) -> Reply:
    q, live = await question_arg(ctx, numbered=True, pending=True)
    reason = ctx.arg("reason")
    if reason is not None and len(reason) > REASON_MAX:
        ctx.refuse("moderation.reason_too_long", max=REASON_MAX)
    await _decide(ctx, q, live, "reject")
    params: dict[str, Param] = {"id": q.id, "text": q.text}
    if reason is None:
        told = await _tell_author(ctx, q, Kind.QUESTION_REJECTED, "question.rejected_dm", params)
    else:
        told = await _tell_author(
            ctx, q, Kind.QUESTION_REJECTED, "question.rejected_reason_dm",
            {**params, "reason": reason},
        )  # fmt: skip
    # Said only when someone was told: an author who asked themselves, or is gone, is not.
    return ctx.reply(
        "moderation.rejected", id=q.id, told=ctx.t("moderation.told") if told else Raw("")
    )


async def _decide(ctx: Context, q: Question, live: Live, action: str) -> None:
    """Pending -> approved/rejected; the row count decides which of two moderators won."""
    now = ctx.clock.now()
    won = await ctx.uow.questions.set_status(
        q.id, (QuestionStatus.PENDING,), _DECIDABLE[action], now
    )
    if not won:
        ctx.refuse("moderation.already_decided", id=q.id)
    await ctx.uow.moderation.log(live.community_id, live.id, ctx.member.id, action, f"Q{q.id}", now)
    await _decided(ctx, q, live, Text(community_of(ctx).language, f"question.decision.{action}"))


async def _decided(ctx: Context, q: Question, live: Live, decision: Text) -> None:
    """Every moderation card of the question, wherever it was posted, says who decided what
    (and loses its buttons), so two moderators on two platforms never decide it twice."""
    locale = community_of(ctx).language
    author = await display_name(ctx, q.author_id, locale)
    if q.anonymous:
        author = Text(locale, "question.author_hidden", {"name": author})
    params: dict[str, Param] = {
        "id": q.id, "live": live.id, "title": live.title, "author": author, "text": q.text,
        "decision": decision, "by": ctx.member.display_name,
    }  # fmt: skip
    card = OutMessage(Text(locale, "question.card.decided", params))
    key, cards = question_cards_edit_key(q.id), question_cards(q.id)
    await edit_cards(ctx.uow, key, cards, card, ctx.clock.now(), live.id)


async def _tell_author(
    ctx: Context,
    q: Question,
    kind: Kind,
    key: str,
    params: dict[str, Param],
    merged: int | None = None,
) -> bool:
    """Owes the question's author a word; False when there is nobody else to tell.
    `merged`: the question merged into `q`, when its author is told it joined theirs."""
    if q.author_id is None or q.author_id == ctx.member.id:
        return False

    def build(locale: str) -> OutMessage:
        return OutMessage(Text(locale, key, params))

    row_key = question_told_key(q.id, kind, merged)
    await ctx.tell_member(q.author_id, row_key, kind, build, q.live_id)
    return True


@handles("merge")
async def merge(ctx: Context) -> Reply:
    q, live = await question_arg(ctx, numbered=True, pending=True)
    into, _ = await question_arg(ctx, "into", numbered=True)
    if into.id == q.id or into.live_id != q.live_id:
        ctx.refuse("merge.not_same_live", id=q.id, into=into.id)
    if into.status not in VISIBLE:
        ctx.refuse("merge.target_not_open", into=into.id)
    merged = await ctx.uow.questions.by_status(live.id, (QuestionStatus.MERGED,))
    if any(m.merged_into == q.id for m in merged):
        # Merge groups stay one level deep, so votes and authors of a group are easy to find.
        ctx.refuse("merge.is_target", id=q.id, into=into.id)
    now = ctx.clock.now()
    froms = (QuestionStatus.PENDING, QuestionStatus.APPROVED)
    if not await ctx.uow.questions.set_status(q.id, froms, QuestionStatus.MERGED, now, into.id):
        ctx.refuse("moderation.already_decided", id=q.id)
    await ctx.uow.moderation.log(
        live.community_id, live.id, ctx.member.id, "merge", f"Q{q.id}>Q{into.id}", now
    )
    decision = Text(community_of(ctx).language, "question.decision.merge", {"into": into.id})
    await _decided(ctx, q, live, decision)
    params: dict[str, Param] = {"id": q.id, "into": into.id, "text": into.text}
    await _tell_author(ctx, q, Kind.QUESTION_MERGED, "question.merged_dm", params)
    await _tell_author(ctx, into, Kind.QUESTION_JOINED, "question.joined_dm", params, q.id)
    return ctx.reply("moderation.merged", id=q.id, into=into.id)


@handles("mute")
async def mute(ctx: Context) -> Reply:
    target = await _mute_target(ctx)
    if target.id == ctx.member.id:
        ctx.refuse("mute.self")
    raw = ctx.arg("length") or DEFAULT_MUTE
    try:
        length = parse_length(raw)
    except LengthError:
        ctx.refuse("mute.bad_length", length=raw[:20])
    community, now = community_of(ctx), ctx.clock.now()
    until = now + length
    await ctx.uow.moderation.mute(community.id, target.id, until, ctx.member.id)
    await ctx.uow.moderation.log(community.id, None, ctx.member.id, "mute", f"M{target.id}", now)

    def build(locale: str) -> OutMessage:
        when = Raw(format_short(until, ctx.tz, locale))
        return OutMessage(Text(locale, "mute.told", {"until": when}))

    await ctx.tell_member(target.id, mute_key(target.id, now), Kind.MUTE, build)
    when = Raw(format_short(until, ctx.tz, ctx.locale))
    return ctx.reply("mute.done", name=target.display_name, until=when)


async def _mute_target(ctx: Context) -> Member:
    """`Q45` names the question's author, on whichever platform they asked (the console mutes
    from a question; on Discord, whose member option only picks its own members, the `question`
    option does, a digest's number too); anything else names a member of the caller's platform."""
    if ctx.arg("question") is not None:
        q, _ = await question_arg(ctx, "question", numbered=True)
    elif not _QUESTION_REF.fullmatch(ctx.need("member")):
        return await need_member(ctx)
    else:
        q, _ = await question_arg(ctx, "member")
    author = await ctx.uow.members.get(q.author_id) if q.author_id is not None else None
    if author is None:
        ctx.refuse("error.unknown_member", member=f"Q{q.id}")
    return author


@handles("unmute")
async def unmute(ctx: Context) -> Reply:
    target = await need_member(ctx)
    community, now = community_of(ctx), ctx.clock.now()
    if not await ctx.uow.moderation.unmute(community.id, target.id):
        ctx.refuse("unmute.not_muted", name=target.display_name)
    await ctx.uow.moderation.log(community.id, None, ctx.member.id, "unmute", f"M{target.id}", now)
    return ctx.reply("unmute.done", name=target.display_name)


@handles("modlog")
async def modlog(ctx: Context) -> Reply:
    live = await ctx.live_arg()
    # Mutes are the community's, not a live's: those of people who asked in this live, from
    # its first question to two hours after its end, belong to its story.
    asked = await ctx.uow.questions.by_status(live.id, tuple(QuestionStatus))
    askers = {f"M{q.author_id}" for q in asked if q.author_id is not None}
    since = min((q.created_at for q in asked), default=live.starts_at)
    window = (since, live.ends_at + timedelta(hours=2))
    found = await ctx.uow.moderation.actions(live.id, live.community_id, window)
    mine = [a for a in found if a.live_id == live.id or a.target in askers]
    actions = sorted(mine, key=lambda a: a.at)[-LOG_MAX:]
    if not actions:
        return ctx.reply("modlog.empty", id=live.id, title=live.title)
    lines = tuple([await _log_line(ctx, action) for action in actions])
    return ctx.reply("modlog.list", id=live.id, title=live.title, lines=lines)


async def _log_line(ctx: Context, action: ModAction) -> Text:
    """`mar. 1 déc. 18:42 · Olga · a approuvé Q45`; a gone actor shows as "deleted member"."""
    actor = await display_name(ctx, action.actor_id, ctx.locale)
    # Targets are `Q45`, `Q45>Q12` (merged into) or `M7` (a member, shown by name).
    question, _, into = action.target.partition(">")
    target: Param = Raw(question)
    if question.startswith("M") and question[1:].isdigit():
        target = await display_name(ctx, int(question[1:]), ctx.locale)
    what = ctx.t(f"modlog.action.{action.action}", target=target, into=Raw(into))
    at = Raw(format_short(action.at, ctx.tz, ctx.locale))
    return ctx.t("modlog.line", at=at, actor=actor, what=what)
