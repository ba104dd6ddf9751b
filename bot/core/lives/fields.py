"""Reading and checking the fields of `/schedule` and `/edit`; each bad value has its own message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

from bot.core.context import Context
from bot.domain.commands import CAPACITY, COUNT, DESCRIPTION, DURATION, LINK, TAGS, TITLE, Field
from bot.domain.series import Repeat
from bot.domain.when import WhenError, parse_when


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
    """The fields given, each within the bounds the spec declares (`bot.domain.commands`)."""
    title = ctx.arg("title")
    if title is not None and not _length_fits(title, TITLE):
        ctx.refuse("live.bad.title")
    description = ctx.arg("description")
    if description is not None and not _length_fits(description, DESCRIPTION):
        ctx.refuse("error.too_long", field=ctx.field("description"), max=DESCRIPTION.bounds[1])
    return LiveFields(
        title=title,
        starts_at=read_when(ctx),
        duration=read_int(ctx, DURATION),
        description=description,
        link=read_link(ctx, LINK),
        capacity=read_int(ctx, CAPACITY),
        tags=read_tags(ctx),
        repeat=read_repeat(ctx),
        count=read_int(ctx, COUNT) or 1,
    )


def _length_fits(text: str, field: Field) -> bool:
    low, high = field.bounds
    return low <= len(text) <= high


def read_when(ctx: Context) -> datetime | None:
    raw = ctx.arg("when")
    if raw is None:
        return None
    try:
        return parse_when(raw, now=ctx.clock.now(), tz=ctx.tz, lang=ctx.locale)
    except WhenError as bad:
        ctx.refuse(f"when.{bad.code}", when=raw[:80], example=ctx.example_when)


def read_int(ctx: Context, field: Field) -> int | None:
    raw = ctx.arg(field.name)
    if raw is None:
        return None
    low, high = field.bounds
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        ctx.refuse(
            "error.bad_number", field=ctx.field(field.name), value=raw[:20], low=low, high=high
        )
    return int(raw)


def read_link(ctx: Context, field: Field) -> str | None:
    raw = ctx.arg(field.name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    long = not _length_fits(raw, field)
    if parsed.scheme not in ("http", "https") or not parsed.netloc or long or " " in raw:
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
    if len(tags) > TAGS.items or not all(TAG.fullmatch(t) for t in tags):
        ctx.refuse("live.bad.tags")
    return tags


def read_repeat(ctx: Context) -> Repeat:
    raw = (ctx.arg("repeat") or "none").lower()  # French names: see `vocabulary`
    try:
        return Repeat(raw)
    except ValueError:
        ctx.refuse("live.bad.repeat", value=raw[:20])
