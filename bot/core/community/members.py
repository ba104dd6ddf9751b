"""A member's own things: `/settings` and `/forgetme`."""

from __future__ import annotations

from dataclasses import replace

from bot.core import codec
from bot.core.community.setup import read_language, read_reminders, read_timezone
from bot.core.context import Context, locale_for, wants_dms
from bot.core.delivery.planning import refresh_announcements
from bot.core.field_words import field_named, field_word, value_of
from bot.core.fields import parse_bool
from bot.core.lives.signups import promote_waitlist
from bot.core.messages import Button, Reply
from bot.core.registry import handles
from bot.domain.commands import SETTINGS_FIELDS

SETTINGS_KEYS = tuple(field.name for field in SETTINGS_FIELDS)


@handles("settings")
async def settings(ctx: Context) -> Reply:
    # A button sends field/value (`s:language:en`); typed commands send `language=en`.
    given = {k: v for k in SETTINGS_KEYS if (v := ctx.arg(k)) is not None}
    if (typed := ctx.arg("field")) is not None:  # `/reglages langue en`, or a button
        field = field_named(typed, frozenset(SETTINGS_KEYS))
        if field is None:
            words = ", ".join(field_word(name, ctx.locale) for name in SETTINGS_KEYS)
            ctx.refuse("settings.unknown_field", field=typed[:20], fields=words)
        given[field] = value_of(field, ctx.arg("value") or "")
    changes: dict[str, object] = {}
    if "language" in given:
        changes["language"] = read_language(ctx, given["language"])
    if "timezone" in given:
        changes["timezone"] = read_timezone(ctx, given["timezone"])
    if "reminders" in given:
        changes["reminders"] = tuple(read_reminders(ctx, given["reminders"]))
    if "dms" in given:
        dms = parse_bool(given["dms"])
        if dms is None:
            ctx.refuse("error.bad_bool", field=ctx.field("dms"), value=given["dms"][:20])
        changes["dms"] = dms
    if changes:
        await ctx.uow.members.update(ctx.member.id, **changes)
        updated = await ctx.uow.members.get(ctx.member.id)
        assert updated is not None
        ctx.member = updated
    shown = show_settings(ctx, "settings.saved" if changes else "settings.show")
    # A toggle pressed on the settings shown updates them where they are.
    return replace(shown, in_place=typed is not None)


def show_settings(ctx: Context, key: str) -> Reply:
    member, community = ctx.member, ctx.community
    reminders = member.reminders or (community.reminders if community else ctx.config.reminders)
    dms_on = wants_dms(member, ctx.config.capabilities)
    other = "en" if locale_for(member, community, ctx.config) == "fr" else "fr"
    buttons = [
        [Button(ctx.t(f"settings.switch_{other}"), codec.encode("settings", "language", other))],
        [Button(ctx.t("settings.dms_off" if dms_on else "settings.dms_on"),
                codec.encode("settings", "dms", "off" if dms_on else "on"))],
    ]  # fmt: skip
    return ctx.reply(
        key, buttons=buttons, language=ctx.t(f"language.{ctx.locale}"), timezone=str(ctx.tz.key),
        reminders=", ".join(reminders), dms=ctx.t("word.yes" if dms_on else "word.no"),
    )  # fmt: skip


@handles("forgetme")
async def forgetme(ctx: Context) -> Reply:
    """Asks first; on confirmation erases exactly what the privacy notice says."""
    if (ctx.arg("confirm") or "").lower() not in ("yes", "oui", "confirm"):
        return ctx.reply(
            "forgetme.ask",
            buttons=[[ctx.button("forgetme.confirm_button", codec.encode("forgetme", "yes"))]],
        )
    now = ctx.clock.now()
    for live_id in await ctx.uow.signups.cancel_future_of(ctx.member.id, now):
        live = await ctx.uow.lives.get(live_id)
        if live is not None:
            await promote_waitlist(ctx, live)
            await refresh_announcements(ctx.uow, live, now)  # its seats changed
    await ctx.uow.questions.delete_pending_of(ctx.member.id)
    await ctx.uow.questions.delete_votes_of(ctx.member.id)
    await ctx.uow.deliveries.delete_of_member(ctx.member.id)
    await ctx.uow.calendars.delete_token(ctx.member.id)  # their calendar's address dies
    await ctx.uow.conversations.drop(ctx.req.actor)  # what they typed into a form
    await ctx.uow.members.delete(ctx.member.id)
    return ctx.reply("forgetme.done")
