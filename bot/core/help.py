"""Commands about commands: `/help` (what this person may do here, or one command with an
example to copy) and `/stop` outside a guided form."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.messages import CommandRef, Raw, Reply, Text
from bot.core.registry import handles, usage
from bot.domain.commands import COMMANDS, resolve, word_for
from bot.domain.model import Role
from bot.domain.policy import effective_roles, shown_in_help


@handles("help")
async def help_(ctx: Context) -> Reply:
    """What this person may do here, grouped by role, and the privacy notice; `/help join`:
    that command with an example."""
    if (asked := ctx.arg("command")) is not None:
        return help_with_example(ctx, asked)
    roles = effective_roles(ctx.roles)
    lines = tuple(
        Text(
            ctx.locale,
            "help.line",
            {
                "command": CommandRef(name),
                "usage": Raw(usage(spec, ctx.locale)),
                "about": Text(ctx.locale, f"help.{name}"),
            },
        )
        for name, spec in COMMANDS.items()
        if not spec.button_only and shown_in_help(name, roles) and name != "stop"
    )
    role = next(r for r in (Role.ORGANIZER, Role.MODERATOR, Role.HOST, Role.MEMBER) if r in roles)
    return ctx.reply(
        "help.text", role=ctx.t(f"role.{role.value}"), lines=lines,
        sample=Raw(word_for("join", ctx.locale)), privacy=ctx.t("help.privacy"),
    )  # fmt: skip


def help_with_example(ctx: Context, asked: str) -> Reply:
    """`/aide planifier`: what the command does and how to type it, with today's dates."""
    spec = resolve(asked)
    if spec is None or spec.button_only:
        ctx.refuse("help.unknown", command=asked[:32])
    return ctx.reply(
        "help.command", command=CommandRef(spec.name), usage=Raw(usage(spec, ctx.locale)),
        about=ctx.t(f"help.{spec.name}"), example=ctx.example(spec.name),
    )  # fmt: skip


@handles("stop")
async def stop(ctx: Context) -> Reply:
    """Reached only without a guided conversation (the dispatcher handles `/stop` in one)."""
    return ctx.reply("guide.nothing_to_stop")
