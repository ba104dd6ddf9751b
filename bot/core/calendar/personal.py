"""`/calendar` (`/calendrier`): a member's own calendar feed, the lives they signed up for with
alarms at their own reminder offsets. The address carries an unguessable token, made at the
first `/calendar` and kept; `/calendar reset` replaces it (a leaked address stops working),
and `/forgetme` deletes it with the member."""

from __future__ import annotations

from bot.core.calendar.links import new_token, personal_page
from bot.core.context import Context
from bot.core.messages import Button, Reply
from bot.core.ports import UnitOfWork
from bot.core.registry import handles
from bot.domain.model import Member

RESET = ("reset", "reinitialiser", "réinitialiser", "nouveau", "new")


@handles("calendar")
async def calendar(ctx: Context) -> Reply:
    if not ctx.config.web:
        ctx.refuse("calendar.web_off")
    if ctx.config.public_url is None:
        ctx.refuse("calendar.no_public_url")
    action = (ctx.arg("action") or "").strip().lower()
    if action and action not in RESET:
        ctx.refuse("calendar.bad_action", value=action[:20])
    now = ctx.clock.now()
    token = await ctx.uow.calendars.token_of(ctx.member.id)
    if token is None or action:
        token = new_token()
        await ctx.uow.calendars.set_token(ctx.member.id, token, now)
    url = personal_page(ctx.config.public_url, token)
    button = ctx.button("calendar.open", url=url)
    return ctx.reply("calendar.reset" if action else "calendar.link", buttons=[[button]])


async def calendar_button(ctx: Context, member: Member, uow: UnitOfWork) -> Button | None:
    """The button to the member's calendar page (`/myschedule`), when the bot has an address;
    the token is made on the way if the member had none."""
    base = ctx.config.public_url
    if not ctx.config.web or base is None:
        return None
    token = await uow.calendars.token_of(member.id)
    if token is None:
        token = new_token()
        await uow.calendars.set_token(member.id, token, ctx.clock.now())
    return ctx.button("calendar.open", url=personal_page(base, token))
