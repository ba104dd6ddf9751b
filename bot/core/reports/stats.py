"""`/stats [period]`: a community's figures over a period, in the reader's language, and a chart.

The database counts (see `StatsRepo`); this module only words the figures and draws the chart.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from bot.core.context import Context
from bot.core.messages import Attachment, OutMessage, Param, Raw, Reply, Text
from bot.core.registry import command
from bot.core.reports.repositories import Figures, LiveFigures
from bot.i18n.catalog import render

TOP = 3  # lives named as the most attended
CHART_LIVES = 30  # bars beyond this would be too thin to read on a phone: the latest ones
LABELLED = 12  # up to this many lives, each bar shows its figure


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
FRENCH = {"7j": "7d", "30j": "30d", "90j": "90d", "1a": "1y", "tout": "all"}
DEFAULT = "30d"


@command("stats", alias="chiffres", positional=("period",))
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
    title = render(ctx.t("stats.chart.title", period=when))
    legend = (render(ctx.t("stats.chart.expected")), render(ctx.t("stats.chart.attended")))
    # Drawn inside the unit of work (the dispatcher has no step after the commit): a rare
    # organizer command, and a chart of at most 30 lives takes a fraction of a second.
    chart = Attachment("stats.png", draw_chart(held, title, legend), image=True)
    return Reply((OutMessage(text, attachment=chart),))


def read_period(ctx: Context) -> Period:
    """`30d` or `30j`, any case; absent means the last 30 days."""
    raw = ctx.arg("period")
    if raw is None:
        return PERIODS[DEFAULT]
    code = raw.lower()
    period = PERIODS.get(FRENCH.get(code, code))
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


def draw_chart(lives: Sequence[LiveFigures], title: str, legend: tuple[str, str]) -> bytes:
    """A PNG of confirmed seats beside attendees for each live, oldest first.

    matplotlib is imported here, on the first chart, so that the bot starts fast; a `Figure`
    made without pyplot keeps no global state and renders with Agg.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(8, 4.5), dpi=100)
    axes = figure.subplots()
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
    axes.set_xticks(xs, [f"#{live.live_id}" for live in lives], rotation=45 if len(xs) > 12 else 0)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(y=0.15)
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, fontsize=11, pad=24)
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
