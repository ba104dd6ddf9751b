"""Communities and spaces: `/setup`, `/link` codes, `/unlink`, `/host`, `/unhost`.

A community's figures and exports are in `stats` and `export`; `/help` is in the kernel (`help`)."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import timedelta
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.calendar.links import community_page
from bot.core.community.lookup import need_member
from bot.core.context import Context
from bot.core.fields import parse_bool
from bot.core.messages import Reply
from bot.core.registry import handles
from bot.domain.model import SpaceRole
from bot.domain.when import LengthError, format_offset, parse_offsets

LEXICON_MAX = 100  # terms a community may add to the shipped lexicons
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a phone
CODE_LIFETIME = timedelta(minutes=10)


@handles("setup")
async def setup(ctx: Context) -> Reply:
    if ctx.req.space is None:
        ctx.refuse("setup.in_private")
    settings = read_community_settings(ctx)
    community = ctx.community
    if community is None:
        community = await ctx.uow.communities.create(
            ctx.arg("name") or ctx.member.display_name,
            cast(str, settings.get("language", ctx.config.language)),
            cast(str, settings.get("timezone", ctx.config.timezone)),
            cast(tuple[str, ...], settings.get("reminders", ctx.config.reminders)),
            cast(bool, settings.get("premoderation", ctx.config.premoderation)),
        )
        later = {k: v for k, v in settings.items() if k in ("lexicon", "public", "invite")}
        if later:  # what `create` does not take
            await ctx.uow.communities.update(community.id, **later)
        title = ctx.arg("name") or ctx.req.space.id
        space = await ctx.uow.communities.attach_space(
            community.id, ctx.req.space.platform, ctx.req.space.id, SpaceRole.ANNOUNCE, title
        )
        await ctx.uow.communities.add_membership(community.id, ctx.member.id, ctx.clock.now())
        key = "setup.created"
    else:
        if settings:
            await ctx.uow.communities.update(community.id, **settings)
        if ctx.space is None:
            ctx.refuse("error.no_community")
        space = ctx.space
        key = "setup.updated"
    channels = {
        k: ctx.arg(k)
        for k in ("announce_channel", "moderation_channel", "host_role", "moderator_role")
    }
    if any(channels.values()):
        await ctx.uow.communities.update_space(space.id, **{k: v for k, v in channels.items() if v})
    saved = await ctx.uow.communities.get(community.id)
    assert saved is not None
    ctx.community = saved
    said = ctx.reply(
        key, name=saved.name, language=saved.language, timezone=saved.timezone,
        reminders=", ".join(saved.reminders),
        premoderation=ctx.t("word.yes" if saved.premoderation else "word.no"),
    )  # fmt: skip
    base = ctx.config.public_url if ctx.config.web else None
    if saved.public and base is not None:  # one message: a platform may show only the first
        (first,) = said.messages
        text = ctx.t("setup.public_on", said=first.text, url=community_page(base, saved.id))
        said = replace(said, messages=(replace(first, text=text),))
    return said


def read_community_settings(ctx: Context) -> dict[str, object]:
    """The community settings given, checked; shared with `/settings` for the same fields."""
    out: dict[str, object] = {}
    if (language := ctx.arg("language")) is not None:
        out["language"] = read_language(ctx, language)
    if (zone := ctx.arg("timezone")) is not None:
        out["timezone"] = read_timezone(ctx, zone)
    if (reminders := ctx.arg("reminders")) is not None:
        out["reminders"] = tuple(read_reminders(ctx, reminders))  # the store takes a sequence
    if (premoderation := ctx.arg("premoderation")) is not None:
        value = parse_bool(premoderation)
        if value is None:
            ctx.refuse("error.bad_bool", field=ctx.field("premoderation"), value=premoderation[:20])
        out["premoderation"] = value
    if (lexicon := ctx.arg("lexicon")) is not None:
        out["lexicon"] = read_lexicon(ctx, lexicon)
    if (public := ctx.arg("public")) is not None:
        value = parse_bool(public)
        if value is None:
            ctx.refuse("error.bad_bool", field=ctx.field("public"), value=public[:20])
        out["public"] = value
    if (invite := ctx.arg("invite")) is not None:
        out["invite"] = read_invite(ctx, invite)
    return out


INVITES = re.compile(r"https://(discord\.gg|discord\.com/invite)/[A-Za-z0-9-]{2,40}\Z")


def read_invite(ctx: Context, raw: str) -> str | None:
    """`invite=https://discord.gg/abc` for the public page's Discord button; `-` clears it.
    Only Discord's own invite addresses: the public page must not send readers elsewhere."""
    value = raw.strip()
    if value == "-":
        return None
    if not INVITES.match(value):
        ctx.refuse("setup.bad_invite", value=value[:60])
    return value


def read_lexicon(ctx: Context, raw: str) -> tuple[str, ...]:
    """`lexicon="mot1, mot2"` replaces the community's own terms; `lexicon=-` clears them."""
    if raw.strip() == "-":
        return ()
    terms = tuple(dict.fromkeys(t.strip().lower() for t in raw.split(",") if t.strip()))
    if len(terms) > LEXICON_MAX or any(len(t) > 40 for t in terms):
        ctx.refuse("setup.bad_lexicon", max=LEXICON_MAX)
    return terms


def read_language(ctx: Context, raw: str) -> str:
    value = raw.lower()  # `français` is `fr` already: see `vocabulary`
    if value not in ("fr", "en"):
        ctx.refuse("error.bad_language", value=raw[:20])
    return value


def read_timezone(ctx: Context, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        ctx.refuse("error.bad_timezone", value=raw[:64])
    return raw


def read_reminders(ctx: Context, raw: str) -> list[str]:
    try:
        return [format_offset(offset) for offset in parse_offsets(raw)]
    except LengthError:
        ctx.refuse("error.bad_reminders", value=raw[:40])


@handles("link")
async def link(ctx: Context) -> Reply:
    code = ctx.arg("code")
    if code is None:
        community_id = ctx.community_id
        fresh = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        await ctx.uow.communities.add_link_code(
            fresh, community_id, SpaceRole.ANNOUNCE, ctx.member.id, ctx.clock.now() + CODE_LIFETIME
        )
        return ctx.reply("link.code", code=fresh)
    if ctx.req.space is None:
        ctx.refuse("link.in_private")
    role = (
        SpaceRole.MODERATION
        if (ctx.arg("role") or "").lower() == "moderation"
        else SpaceRole.ANNOUNCE
    )
    found = await ctx.uow.communities.link_code(code.upper(), ctx.clock.now())
    if found is None:
        ctx.refuse("link.bad_code", code=code[:16])
    community_id, _ = found
    if ctx.space is not None and ctx.space.community_id != community_id:
        ctx.refuse("link.other_community")
    if not await ctx.uow.communities.use_link_code(code.upper(), ctx.clock.now()):
        ctx.refuse("link.bad_code", code=code[:16])
    space = await ctx.uow.communities.attach_space(
        community_id, ctx.req.space.platform, ctx.req.space.id, role, ctx.req.space.id
    )
    if (channel := ctx.arg("announce_channel")) is not None:  # a Discord server's channel
        await ctx.uow.communities.update_space(space.id, announce_channel=channel)
    community = await ctx.uow.communities.get(community_id)
    assert community is not None
    ctx.community = community
    return ctx.reply(
        "link.done", name=community.name, role=ctx.t(f"space.role.{role.value}"), public=True
    )


@handles("unlink")
async def unlink(ctx: Context) -> Reply:
    if ctx.space is None:
        ctx.refuse("unlink.not_linked")
    await ctx.uow.communities.detach_space(ctx.space.id)
    return ctx.reply("unlink.done", public=True)


@handles("host")
async def host(ctx: Context) -> Reply:
    member = await need_member(ctx)
    if not await ctx.uow.communities.grant_host(
        ctx.community_id, member.id, ctx.member.id, ctx.clock.now()
    ):
        ctx.refuse("host.already", member=member.display_name)
    return ctx.reply("host.granted", member=member.display_name)


@handles("unhost")
async def unhost(ctx: Context) -> Reply:
    member = await need_member(ctx)
    if not await ctx.uow.communities.revoke_host(ctx.community_id, member.id):
        ctx.refuse("unhost.not_host", member=member.display_name)
    return ctx.reply("unhost.done", member=member.display_name)
