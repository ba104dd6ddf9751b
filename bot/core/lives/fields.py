"""Reading and checking the fields of `/schedule` and `/edit`; each bad value has its own message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from bot.core.context import Context
from bot.domain.series import Repeat
from bot.domain.when import WhenError, parse_when

LIVE_KEYS = (
    "title",
    "when",
    "duration",
    "description",
    "link",
    "capacity",
    "tags",
    "repeat",
    "count",
)


@dataclass(frozen=True)
class LiveFields:
    """Only the fields that were given; None means "not given"."""

    title: str | None = None
    starts_at: datetime | None = None
    duration: int | None = None
    description: str | None = None
    link: str | None = None
    capacity: int | None = None
    tags: tuple[str, ...] | None = None
    repeat: Repeat = Repeat.none
    count: int = 1


def read_fields(ctx: Context) -> LiveFields:
    title = ctx.arg("title")
    if title is not None and not 3 <= len(title) <= 100:
        ctx.refuse("live.bad.title")
    description = ctx.arg("description")
    if description is not None and len(description) > 1000:
        ctx.refuse("error.too_long", field=ctx.field("description"), max=1000)
    return LiveFields(
        title=title,
        starts_at=read_when(ctx),
        duration=read_int(ctx, "duration", 5, 600),
        description=description,
        link=read_link(ctx, "link"),
        capacity=read_int(ctx, "capacity", 1, 100_000),
        tags=read_tags(ctx),
        repeat=read_repeat(ctx),
        count=read_int(ctx, "count", 2, 52) or 1,
    )


def read_when(ctx: Context) -> datetime | None:
    raw = ctx.arg("when")
    if raw is None:
        return None
    try:
        return parse_when(raw, now=ctx.clock.now(), tz=ctx.tz, lang=ctx.locale)
    except WhenError as bad:
        ctx.refuse(f"when.{bad.code}", when=raw[:80], example=ctx.example_when)


def read_int(ctx: Context, name: str, low: int, high: int) -> int | None:
    raw = ctx.arg(name)
    if raw is None:
        return None
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        ctx.refuse("error.bad_number", field=ctx.field(name), value=raw[:20], low=low, high=high)
    return int(raw)


def read_link(ctx: Context, name: str) -> str | None:
    raw = ctx.arg(name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or len(raw) > 500 or " " in raw:
        ctx.refuse("error.bad_url", value=raw[:80])
    return raw


TAG = re.compile(r"[\w-]{1,24}")  # short enough to ride in a 64-byte button with its page


def normalize_tag(text: str) -> str:
    """`#Cuisine Facile` -> `cuisine-facile`: tags are compared and filtered in this form."""
    return "-".join(text.strip().lstrip("#").lower().split())


def read_tags(ctx: Context) -> tuple[str, ...] | None:
    raw = ctx.arg("tags")
    if raw is None:
        return None
    tags = tuple(dict.fromkeys(normalize_tag(t) for t in raw.replace(";", ",").split(",")))
    tags = tuple(t for t in tags if t)
    if len(tags) > 5 or not all(TAG.fullmatch(t) for t in tags):
        ctx.refuse("live.bad.tags")
    return tags


def read_repeat(ctx: Context) -> Repeat:
    raw = (ctx.arg("repeat") or "none").lower()  # French names: see `vocabulary`
    try:
        return Repeat(raw)
    except ValueError:
        ctx.refuse("live.bad.repeat", value=raw[:20])
