"""`/stats [period]`: a community's figures over a period, in the reader's language, and a chart.

The database counts (see `StatsRepo`); this module only words the figures and draws the chart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.core.context import Context

if TYPE_CHECKING:
    from matplotlib.figure import Figure
from bot.core.messages import Attachment, OutMessage, Param, Raw, Reply, Text
from bot.core.registry import handles
from bot.core.reports.repositories import Figures, LiveFigures
from bot.i18n.catalog import render

TOP = 3  # lives named as the most attended
CHART_LIVES = 30  # bars beyond this would be too thin to read on a phone: the latest ones
LABELLED = 12  # up to this many lives, each bar shows its figure and its live's title
TITLE_CUT = 22  # characters of a live's title under its bars


@dataclass(frozen=True)
class ChartWords:
    """Everything the chart says, already in the reader's language."""

    title: str
    period: str
    legend: tuple[str, str]  # confirmed seats, attendees
    axis: tuple[str, str]  # under the bars, beside the figures
    labels: tuple[str, ...]  # one a live: `#6 Initiation à Python` and its day
    description: str  # the chart in words, one line a live (the PNG's own description)


@dataclass(frozen=True)
class Period:
    label: str  # catalog key
    days: int | None  # None: since the community's first live


PERIODS = {
    "7d": Period("stats.period.7d", 7),
    "30d": Period("stats.period.30d", 30),
    "90d": Period("stats.period.90d", 90),
    "1y": Period("stats.period.1y", 365),
    "all": Period("stats.period.all", None),
}
DEFAULT = "30d"


@handles("stats")
async def stats(ctx: Context) -> Reply:
    period = read_period(ctx)
    until = ctx.clock.now()
    since = until - timedelta(days=period.days) if period.days is not None else None
    community_id = ctx.community_id
    figures = await ctx.uow.stats.figures(community_id, since, until)
    when = _when(ctx, period, since, until)
    if figures.held + figures.cancelled + figures.signups + figures.asked == 0:
        return ctx.reply("stats.empty", period=when)
    best = await ctx.uow.stats.best_attended(community_id, since, until, TOP)
    lines = (*_figure_lines(ctx, figures), *_best_lines(ctx, best))
    name = ctx.community.name if ctx.community is not None else ""
    text = ctx.t("stats.text", community=name, period=when, lines=lines)
    held = await ctx.uow.stats.attendance(community_id, since, until, CHART_LIVES)
    if not held:  # lives planned or cancelled, none held yet: nothing to draw
        return Reply((OutMessage(text),))
    # Drawn inside the unit of work (the dispatcher has no step after the commit): a rare
    # organizer command, and a chart of at most 30 lives takes a fraction of a second.
    chart = Attachment("stats.png", draw_chart(held, chart_words(ctx, held, when)), image=True)
    return Reply((OutMessage(text, attachment=chart),))


def chart_words(ctx: Context, lives: Sequence[LiveFigures], period: Text) -> ChartWords:
    """Titles and labels a reader can read: each live by number, title and day, not `#6` alone."""
    labels, lines = [], []
    for live in lives:
        day = format_date(live.starts_at.astimezone(ctx.tz).date(), "d MMM", locale=ctx.locale)
        if len(lives) <= LABELLED:
            labels.append(f"#{live.live_id} {_cut(live.title)}\n{day}")
        else:  # too many to name: their number and day, slanted
            labels.append(f"#{live.live_id} · {day}")
        figures = {"expected": live.expected, "attended": live.attended}
        line = ctx.t("stats.chart.line", id=live.live_id, title=live.title, day=Raw(day), **figures)
        lines.append(render(line))
    title, shown = render(ctx.t("stats.chart.title")), render(period)
    return ChartWords(
        title=title,
        period=shown[:1].upper() + shown[1:],
        legend=(render(ctx.t("stats.chart.expected")), render(ctx.t("stats.chart.attended"))),
        axis=(render(ctx.t("stats.chart.lives")), render(ctx.t("stats.chart.people"))),
        labels=tuple(labels),
        description="\n".join([f"{title}, {shown}", *lines]),
    )


def _cut(title: str) -> str:
    return title if len(title) <= TITLE_CUT else title[: TITLE_CUT - 1].rstrip() + "…"


def read_period(ctx: Context) -> Period:
    """`30d` or `30j` (see `vocabulary`), any case; absent means the last 30 days."""
    raw = ctx.arg("period")
    if raw is None:
        return PERIODS[DEFAULT]
    period = PERIODS.get(raw.lower())
    if period is None:
        ctx.refuse("stats.bad_period", value=raw[:20])
    return period


def _when(ctx: Context, period: Period, since: datetime | None, until: datetime) -> Text:
    """`les 30 derniers jours (du 23 oct. 2026 au 22 nov. 2026)`, dates in the reader's zone."""
    if since is None:
        return ctx.t(period.label)
    start, end = (_day(ctx, moment) for moment in (since, until))
    return ctx.t("stats.period", period=ctx.t(period.label), start=start, end=end)


def _day(ctx: Context, moment: datetime) -> Raw:
    return Raw(format_date(moment.astimezone(ctx.tz).date(), "d MMM y", locale=ctx.locale))


def _figure_lines(ctx: Context, f: Figures) -> tuple[Text, ...]:
    lines = [
        ctx.t("stats.lives", held=f.held, cancelled=f.cancelled),
        ctx.t("stats.signups", signups=f.signups),
    ]
    if f.expected:
        lines.append(
            ctx.t(
                "stats.attendance",
                rate=_percent(ctx, f.attended / f.expected),
                attended=f.attended,
                expected=f.expected,
                no_show=_percent(ctx, (f.expected - f.attended) / f.expected),
            )
        )
    else:
        lines.append(ctx.t("stats.attendance_none"))
    if f.rating_avg is not None:
        average = Raw(format_decimal(f.rating_avg, format="0.0", locale=ctx.locale))
        lines.append(ctx.t("stats.rating", plural=f.ratings, average=average))
    else:
        lines.append(ctx.t("stats.rating_none"))
    lines.append(ctx.t("stats.questions", asked=f.asked, approved=f.approved, answered=f.answered))
    return tuple(lines)


def _best_lines(ctx: Context, best: Sequence[LiveFigures]) -> tuple[Text, ...]:
    if not best:
        return ()
    lines = tuple(
        ctx.t("stats.best_line", plural=live.attended, id=live.live_id, title=live.title)
        for live in best
    )
    return (ctx.t("stats.best", lines=lines),)


def _percent(ctx: Context, ratio: float) -> Param:
    return Raw(format_percent(ratio, locale=ctx.locale))


def draw_chart(lives: Sequence[LiveFigures], words: ChartWords) -> bytes:
    """A PNG of confirmed seats beside attendees for each live, oldest first; its title and
    description are also written in the PNG's own text fields (`Title`, `Description`)."""
    figure = chart_figure(lives, words)
    out = io.BytesIO()
    metadata = {"Title": words.title, "Description": words.description, "Software": "Solidaire"}
    figure.savefig(out, format="png", metadata=metadata)
    return out.getvalue()


def chart_figure(lives: Sequence[LiveFigures], words: ChartWords) -> Figure:
    """The chart as a matplotlib figure.

    matplotlib is imported here, on the first chart, so that the bot starts fast; a `Figure`
    made without pyplot keeps no global state and renders with Agg.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
    legend = words.legend
    xs = list(range(len(lives)))
    width = 0.4
    for shift, values, label, color in (
        (-width / 2, [live.expected for live in lives], legend[0], "#9ecae1"),
        (width / 2, [live.attended for live in lives], legend[1], "#08519c"),
    ):
        bars = axes.bar([x + shift for x in xs], values, width, label=label, color=color)
        if len(xs) <= LABELLED:  # the figure itself, read on a phone rather than estimated
            axes.bar_label(bars, fontsize=8)
    # A few lives keep bars of a sensible width rather than filling the whole chart.
    pad = max(0.75, (6 - len(xs)) / 2)
    axes.set_xlim(-pad, len(xs) - 1 + pad)
    slanted = len(xs) > LABELLED
    axes.set_xticks(
        xs,
        words.labels,
        rotation=45 if slanted else 0,
        ha="right" if slanted else "center",
        fontsize=8,
    )
    axes.set_xlabel(words.axis[0])
    axes.set_ylabel(words.axis[1])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(y=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    figure.suptitle(words.title, fontsize=13, fontweight="bold")
    axes.set_title(words.period, fontsize=9, pad=28)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    figure.tight_layout()
    return figure
