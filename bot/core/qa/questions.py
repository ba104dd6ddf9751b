"""Questions: ask (held for moderators or published), list by votes, vote, and put the next on air."""

from __future__ import annotations

import re
from datetime import timedelta
from functools import partial

from rapidfuzz import fuzz, utils

from bot.core import codec
from bot.core.community.names import display_name
from bot.core.context import Context
from bot.core.delivery.vocabulary import Kind, on_air_key, question_card_key
from bot.core.fields import parse_bool, parse_live_ref
from bot.core.lives.signups import refuse_closed
from bot.core.messages import Button, OutMessage, Param, Raw, Reply, Text
from bot.core.registry import checks, handles
from bot.domain.automod import fold
from bot.domain.commands import QUESTION_TEXT
from bot.domain.model import Community, Live, LiveStatus, Question, QuestionStatus, Role, SpaceRole
from bot.i18n.dates import format_short

FLOOD_LIMIT = 3
FLOOD_WINDOW = timedelta(minutes=5)
TEXT_MIN, TEXT_MAX = QUESTION_TEXT.bounds
SIMILAR = 80  # out of 100: the mean of rapidfuzz's token-set and token-sort ratios
LIST_MAX = 20  # a phone screen of questions; the rest are the least voted anyway
VISIBLE = (QuestionStatus.ON_AIR, QuestionStatus.APPROVED)

_REF = re.compile(r"[#Qq]?([0-9]{1,15})")


def community_of(ctx: Context) -> Community:
    if ctx.community is None:
        ctx.refuse("error.no_community")
    return ctx.community


async def question_arg(
    ctx: Context, name: str = "question", *, numbered: bool = False, pending: bool = False
) -> tuple[Question, Live]:
    """The question named by `Q45`, `q45` or `45`, and its live; refused when not of this community."""
    return await question_ref(ctx, ctx.need(name), numbered=numbered, pending=pending)


async def question_ref(
    ctx: Context, raw: str, *, numbered: bool = False, pending: bool = False
) -> tuple[Question, Live]:
    """The question `raw` names (`Q45`), and its live; refused when not of this community.

    `numbered` (moderation commands): in a space whose digests numbered questions, a bare
    number is a digest's number (`/approve 3 5 7`) and `Q45` a question id; elsewhere a bare
    number is an id, as always. `pending`: a digest's number must still name a question
    waiting for a decision, else it is refused and nothing changes (an older digest read late).
    """
    match = _REF.fullmatch(raw)
    number = parse_live_ref(match.group(1)) if match else None  # the same bounded id parser
    space = ctx.space
    if numbered and number is not None and raw.isdigit() and space is not None:
        if await ctx.uow.moderation.has_digests(space.id):
            return await _numbered(ctx, space.id, number, pending)
    question = await ctx.uow.questions.get(number) if number is not None else None
    live = await ctx.uow.lives.get(question.live_id) if question else None
    if question is None or live is None or live.community_id != ctx.community_id:
        ctx.refuse("question.unknown", question=raw[:20])
    named = ctx.arg("live")  # a request that names its live (the console) acts on it only
    if named is not None and parse_live_ref(named) != live.id:
        ctx.refuse("question.unknown", question=raw[:20])
    return question, live


async def _numbered(
    ctx: Context, space_id: int, number: int, pending: bool
) -> tuple[Question, Live]:
    found = await ctx.uow.moderation.digest_question(space_id, number)
    question = await ctx.uow.questions.get(found) if found is not None else None
    live = await ctx.uow.lives.get(question.live_id) if question else None
    if question is None or live is None or live.community_id != ctx.community_id:
        ctx.refuse("digest.unknown_number", number=number)
    if pending and question.status is not QuestionStatus.PENDING:
        ctx.refuse("digest.stale_number", number=number, id=question.id)
    return question, live


def _comparable(text: str) -> str:
    """Casefolded, accents and punctuation gone: `Débuter ?` and `debuter` compare equal."""
    return utils.default_process(fold(text))


def similarity(a: str, b: str) -> float:
    """0 to 100. Token-set alone scores 100 when one question's words are a subset of the
    other's (`Python ?` in any question about Python); token-sort tempers that."""
    a, b = _comparable(a), _comparable(b)
    return (fuzz.token_set_ratio(a, b) + fuzz.token_sort_ratio(a, b)) / 2


async def similar_approved(ctx: Context, question: Question) -> Question | None:
    """The most similar approved (or on-air) question of the same live, if close enough to merge."""
    best, best_score = None, float(SIMILAR)
    for other in await ctx.uow.questions.by_status(question.live_id, VISIBLE):
        if other.id == question.id:
            continue
        score = similarity(question.text, other.text)
        if score >= best_score:
            best, best_score = other, score
    return best


async def public_author(ctx: Context, q: Question, locale: str) -> Param:
    """What the audience sees: the author's name, or "anonymous"."""
    if q.anonymous:
        return Text(locale, "question.anonymous")
    return await display_name(ctx, q.author_id, locale)


async def moderation_card(ctx: Context, q: Question, live: Live, locale: str) -> OutMessage:
    """A held question for moderators: moderators always see who asked, even anonymously."""
    author = await display_name(ctx, q.author_id, locale)
    if q.anonymous:
        author = Text(locale, "question.author_hidden", {"name": author})
    flags = tuple(Text(locale, f"question.flag.{flag}") for flag in q.flags)
    params: dict[str, Param] = {
        "id": q.id, "live": live.id, "title": live.title, "author": author, "text": q.text,
    }  # fmt: skip
    if flags:
        text = Text(locale, "question.card.flagged", {**params, "flags": flags})
    else:
        text = Text(locale, "question.card", params)
    buttons = [
        Button(Text(locale, "button.approve"), codec.encode("approve", q.id)),
        Button(Text(locale, "button.reject"), codec.encode("reject", q.id)),
    ]
    similar = await similar_approved(ctx, q)
    if similar is not None:
        label = Text(locale, "button.merge", {"into": similar.id})
        buttons.append(Button(label, codec.encode("merge", q.id, similar.id)))
    return OutMessage(text, (tuple(buttons),))


def question_text(ctx: Context) -> str:
    text = " ".join(ctx.need("question").split())
    if len(text) < TEXT_MIN:
        ctx.refuse("question.too_short", min=TEXT_MIN)
    if len(text) > TEXT_MAX:
        ctx.refuse("question.too_long", max=TEXT_MAX, length=len(text))
    return text


def anonymous_arg(ctx: Context) -> bool:
    raw = ctx.arg("anonymous")
    value = parse_bool(raw) if raw is not None else False
    if value is None:
        ctx.refuse("question.bad_anonymous", value=raw[:20] if raw else "")
    return value


@handles("ask")
async def ask(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    refuse_closed(ctx, live)
    now, community = ctx.clock.now(), community_of(ctx)
    until = await ctx.uow.moderation.muted_until(community.id, ctx.member.id, now)
    if until is not None:
        ctx.refuse("question.muted", until=Raw(format_short(until, ctx.tz, ctx.locale)))
    text, anonymous = question_text(ctx), anonymous_arg(ctx)
    recent = await ctx.uow.questions.count_recent(live.id, ctx.member.id, now - FLOOD_WINDOW)
    if recent >= FLOOD_LIMIT and ctx.config.flood_limits:
        ctx.refuse("question.flood", limit=FLOOD_LIMIT, minutes=FLOOD_WINDOW.seconds // 60)
    flags = ctx.config.automod.with_terms(community.lexicon).check(text)
    # Flagged questions wait for a human even without pre-moderation: trolls never reach the host.
    held = community.premoderation or bool(flags)
    status = QuestionStatus.PENDING if held else QuestionStatus.APPROVED
    q = await ctx.uow.questions.create(live.id, ctx.member.id, text, anonymous, status, flags, now)
    if held:
        message = await moderation_card(ctx, q, live, community.language)
        await ctx.announce(
            community, partial(question_card_key, q.id), Kind.MODERATION, lambda _l: message,
            live.id, role=SpaceRole.MODERATION,
        )  # fmt: skip
    key = "question.received.pending" if held else "question.received.published"
    return ctx.reply(key, id=q.id, live=live.id, title=live.title)


@checks("ask")
async def check_ask(ctx: Context) -> None:
    """A guided `/ask` says at once that the live named takes no more questions."""
    if ctx.arg("live") is not None:
        refuse_closed(ctx, await ctx.live_arg())


@handles("questions")
async def questions(ctx: Context) -> Reply:
    live = await ctx.live_arg()
    found = await ctx.uow.questions.by_status(live.id, VISIBLE)
    if not found:
        return ctx.reply("questions.empty", id=live.id, title=live.title)
    found.sort(key=lambda q: q.status is not QuestionStatus.ON_AIR)  # stable: on air first
    del found[LIST_MAX:]
    lines, buttons = [], []
    for q in found:
        key = "question.line.on_air" if q.status is QuestionStatus.ON_AIR else "question.line"
        author = await public_author(ctx, q, ctx.locale)
        lines.append(ctx.t(key, plural=q.votes, id=q.id, text=q.text, author=author))
        if live.open_for_questions:
            buttons.append(Button(ctx.t("button.vote", id=q.id), codec.encode("vote", q.id)))
    rows = [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    return ctx.reply(
        "questions.list", buttons=rows, id=live.id, title=live.title, lines=tuple(lines)
    )


@handles("vote")
async def vote(ctx: Context) -> Reply:
    q, live = await question_arg(ctx)
    if q.status is QuestionStatus.MERGED and q.merged_into is not None:
        # A vote on a merged question counts for the question it joined.
        q, live = await _root(ctx, q.merged_into)
    if not live.open_for_questions:
        ctx.refuse("vote.closed", live=live.id)
    if q.status not in VISIBLE:
        ctx.refuse("vote.not_open", id=q.id)
    merged = await ctx.uow.questions.by_status(live.id, (QuestionStatus.MERGED,))
    authors = {q.author_id} | {m.author_id for m in merged if m.merged_into == q.id}
    if ctx.member.id in authors:
        ctx.refuse("vote.own", id=q.id)
    if not await ctx.uow.questions.vote(q.id, ctx.member.id, ctx.clock.now()):
        ctx.refuse("vote.already", id=q.id)
    counted = await ctx.uow.questions.get(q.id)
    votes = counted.votes if counted is not None else q.votes + 1
    return ctx.reply("vote.done", plural=votes, id=q.id)


async def _root(ctx: Context, question_id: int) -> tuple[Question, Live]:
    root = await ctx.uow.questions.get(question_id)
    live = await ctx.uow.lives.get(root.live_id) if root is not None else None
    if root is None or live is None:
        ctx.refuse("question.unknown", question=f"Q{question_id}")
    return root, live


@handles("next")
async def next_question(ctx: Context) -> Reply:
    live = await ctx.live_arg(lock=True)
    if not ctx.has(Role.MODERATOR):
        await ctx.require_host_of(live)
    if live.status is not LiveStatus.LIVE:
        ctx.refuse("next.not_live", live=live.id)
    now = ctx.clock.now()
    for previous in await ctx.uow.questions.by_status(live.id, (QuestionStatus.ON_AIR,)):
        await ctx.uow.questions.set_status(
            previous.id, (QuestionStatus.ON_AIR,), QuestionStatus.ANSWERED, now
        )
    for q in await ctx.uow.questions.by_status(live.id, (QuestionStatus.APPROVED,)):
        # Best first; a question decided meanwhile loses its turn to the next one.
        if await ctx.uow.questions.set_status(
            q.id, (QuestionStatus.APPROVED,), QuestionStatus.ON_AIR, now
        ):
            await _put_on_air(ctx, q, live)
            return ctx.reply("next.done", id=q.id, text=q.text, plural=q.votes)
    return ctx.reply("next.none", live=live.id)


async def _put_on_air(ctx: Context, q: Question, live: Live) -> None:
    community = community_of(ctx)
    author = await public_author(ctx, q, community.language)
    params: dict[str, Param] = {"id": q.id, "live": live.id, "title": live.title}
    params.update(text=q.text, author=author)
    message = OutMessage(Text(community.language, "question.on_air", params))
    key = partial(on_air_key, q.id)
    await ctx.announce(community, key, Kind.ON_AIR, lambda _l: message, live.id)
    now = ctx.clock.now()
    await ctx.uow.moderation.log(community.id, live.id, ctx.member.id, "next", f"Q{q.id}", now)
