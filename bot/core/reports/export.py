"""`/export <what>`: the community's lives, sign-ups or questions as a CSV file.

The file opens right in a spreadsheet: UTF-8 with a byte order mark (Excel reads accents then),
a header row in the reader's language, times in ISO 8601 UTC, ids as people see them (`#12`,
`Q45`). Members are named by their display name, never by a platform id; an anonymous question
names nobody, and a question whose author used /forgetme names a "deleted member".
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.core.context import Context
from bot.core.messages import Attachment, OutMessage, Reply, Text
from bot.core.registry import handles
from bot.domain.commands import EXPORTS
from bot.domain.model import LiveStatus, QuestionStatus, SignupStatus
from bot.i18n.catalog import render

Cell = str | int | None
WHAT = EXPORTS.choices  # French and other names: see `field_words`
# Status words per kind: the same value reads differently ("live annulé", "inscription annulée").
STATUS_FAMILIES = {LiveStatus: "live", SignupStatus: "signup", QuestionStatus: "question"}
# A spreadsheet runs a cell that starts so as a formula: user text must never do that.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@handles("export")
async def export(ctx: Context) -> Reply:
    raw = ctx.arg("what")
    if raw is None:
        ctx.refuse("export.which")
    what = raw.lower()
    if what not in WHAT:
        ctx.refuse("export.bad_what", value=raw[:20])
    if what == "lives":
        header, rows = ctx.t("export.lives.header"), await _lives(ctx)
        done = ctx.t("export.lives.done", plural=len(rows))
    elif what == "signups":
        header, rows = ctx.t("export.signups.header"), await _signups(ctx)
        done = ctx.t("export.signups.done", plural=len(rows))
    else:
        header, rows = ctx.t("export.questions.header"), await _questions(ctx)
        done = ctx.t("export.questions.done", plural=len(rows))
    if not rows:
        return ctx.reply("export.empty")
    file = Attachment(f"{what}.csv", to_csv(render(header).split(","), rows))
    return Reply((OutMessage(done, attachment=file),))


async def _lives(ctx: Context) -> list[Sequence[Cell]]:
    return [
        (
            f"#{live.id}",
            _text(live.title),
            _word(ctx, live.status),
            _utc(live.starts_at),
            live.duration_min,
            live.capacity,
            _text(live.tags.replace(",", ", ")),
            _text(live.hosts),
            live.confirmed,
            live.waitlisted,
            live.attended,
            live.ratings,
            None if live.rating_avg is None else f"{live.rating_avg:.2f}",
            live.questions,
            live.link,
            live.replay,
        )
        for live in await ctx.uow.stats.export_lives(ctx.community_id)
    ]


async def _signups(ctx: Context) -> list[Sequence[Cell]]:
    yes, no = render(ctx.t("word.yes")), render(ctx.t("word.no"))
    return [
        (
            f"#{s.live_id}",
            _text(s.live_title),
            _utc(s.live_starts_at),
            _text(s.member_name),
            s.platform,
            _word(ctx, s.status),
            _utc(s.created_at),
            yes if s.attended else no,
        )
        for s in await ctx.uow.stats.export_signups(ctx.community_id)
    ]


async def _questions(ctx: Context) -> list[Sequence[Cell]]:
    anonymous, deleted = render(ctx.t("export.anonymous")), render(ctx.t("member.deleted"))
    rows: list[Sequence[Cell]] = []
    for q in await ctx.uow.stats.export_questions(ctx.community_id):
        author = anonymous if q.anonymous else _text(q.author_name or deleted)
        rows.append(
            (
                f"Q{q.id}",
                f"#{q.live_id}",
                _text(q.live_title),
                author,
                _text(q.text),
                _word(ctx, q.status),
                q.votes,
                _utc(q.created_at),
            )
        )
    return rows


def to_csv(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> bytes:
    """Comma-separated, quoted where needed by the csv module; UTF-8 with a byte order mark."""
    if any(len(row) != len(header) for row in rows):  # a header translated with a comma too many
        raise ValueError(f"{len(header)} columns in the header, rows differ")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def status_key(status: LiveStatus | SignupStatus | QuestionStatus) -> str:
    return f"export.status.{STATUS_FAMILIES[type(status)]}.{status.value}"


def _word(ctx: Context, status: LiveStatus | SignupStatus | QuestionStatus) -> str:
    return render(Text(ctx.locale, status_key(status)))


def _text(value: str) -> str:
    """User text, defused for spreadsheets (an apostrophe first shows as nothing)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value
