"""The Discord adapter: interactions in, requests to the core, answers out.

Everything arrives as `on_interaction`: slash commands, autocomplete, the Ask form's
submissions, and button presses and pick-list choices, routed here by their custom ids (no
discord.py view or dynamic item: those rebuilt a view from the message for every press, a
quarter of a millisecond of the event loop each, for a routing the custom id says alone).
Everything that may touch the database runs inside `answer`'s time box, so Discord is always
acknowledged within its 3 seconds.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import discord
from discord import app_commands

from bot.adapters.discord.answers import Lost, answer, interaction_locale
from bot.adapters.discord.ask import ask_modal, submitted
from bot.adapters.discord.commands import BY_NAME
from bot.adapters.discord.invites import offer_invite
from bot.adapters.discord.late import owe_lost_answer
from bot.adapters.discord.render import ACTION, MENU, CommandMentions
from bot.adapters.discord.roles import member_facts, missing_permissions
from bot.core import codec
from bot.core.community.spaces import enroll, space_left
from bot.core.dispatcher import Core
from bot.core.lives.pickers import Suggestion, space_of, suggest_lives
from bot.core.messages import Reply, Request, Text
from bot.domain.model import LiveStatus, Space, SpaceRef, UserRef
from bot.domain.policy import ROLE_BLIND
from bot.i18n.catalog import render
from bot.i18n.dates import format_short

log = logging.getLogger(__name__)
Interaction = discord.Interaction[discord.Client]
USER_OPTION = discord.AppCommandOptionType.user.value
TEXT_CHANNELS = (discord.ChannelType.text, discord.ChannelType.news)


class DiscordAdapter:
    def __init__(self, core: Core, commands: CommandMentions | None = None) -> None:
        self.core = core
        self.commands = commands or CommandMentions()

    async def on_interaction(self, interaction: Interaction) -> None:
        kind = interaction.type
        write = self.commands.write
        lost = self._lost(interaction)
        if kind is discord.InteractionType.application_command:
            await answer(interaction, self._command(interaction), commands=write, lost=lost)
        elif kind is discord.InteractionType.autocomplete:
            await self._autocomplete(interaction)
        elif kind is discord.InteractionType.modal_submit:
            await answer(interaction, self._submitted(interaction), commands=write, lost=lost)
        elif kind is discord.InteractionType.component:
            await self._component(interaction)

    async def _component(self, interaction: Interaction) -> None:
        """A press of one of our buttons (its custom id an encoded action) or a choice in a
        digest's pick list (`menu:approve`); anything else is not ours and is left alone."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = str(data.get("custom_id", ""))
        kind = data.get("component_type")
        if kind == discord.ComponentType.button.value and ACTION.fullmatch(custom_id):
            await self.on_action(interaction, custom_id)
        elif kind == discord.ComponentType.string_select.value:
            menu = MENU.fullmatch(custom_id)
            if menu is not None:
                values = [str(value) for value in data.get("values") or []]
                await self.on_menu(interaction, menu.group("command"), values)

    async def on_action(self, interaction: Interaction, action: str) -> None:
        try:
            name: str | None = codec.decode(action).name
        except codec.CodecError:
            name = None
        if name == "ask":  # a modal must be the first answer: nothing may run before it
            locale = interaction_locale(interaction, self.core.config.language)
            try:
                await interaction.response.send_modal(ask_modal(action, locale))
            except discord.HTTPException as error:  # too late for Discord: pressed again
                log.warning("form for %s not opened: %s", action, error)
            return
        message = interaction.message
        on_own = message is not None and message.flags.ephemeral
        pressed = self._pressed(interaction, action, name)
        write, lost = self.commands.write, self._lost(interaction)
        await answer(interaction, pressed, on_own=on_own, commands=write, lost=lost)

    async def on_menu(self, interaction: Interaction, command: str, values: list[str]) -> None:
        """A choice in a digest's pick list: the command on the questions chosen, by id."""
        chosen = self._chosen(interaction, command, values)
        await answer(
            interaction, chosen, commands=self.commands.write, lost=self._lost(interaction)
        )

    def _lost(self, interaction: Interaction) -> Lost:
        """Where the answer goes when Discord no longer takes it: privately (`late.py`)."""
        return partial(owe_lost_answer, self.core, interaction)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        """Removed from a server: that space is inactive, nothing more is sent there."""
        await space_left(self.core.store, "discord", str(guild.id))

    # --- inside the time box ----------------------------------------------------------------

    async def _command(self, interaction: Interaction) -> Reply:
        data: dict[str, Any] = dict(interaction.data or {})
        name = str(data.get("name", ""))
        args = arguments(data.get("options") or [])
        space = await self._space(interaction, name)
        if name == "setup":
            args = self._setup_defaults(interaction, space, args)
        elif name == "link" and args.get("code") and interaction.channel is not None:
            # A server joining a community announces where the code was typed, unless told.
            if getattr(interaction.channel, "type", None) in TEXT_CHANNELS:
                args.setdefault("announce_channel", str(interaction.channel.id))
        await self._introduce(interaction, data, space)
        reply = await self.core.handle(self._request(interaction, name, args, space))
        if name == "setup" and reply.ok and interaction.guild is not None:
            reply = await self._with_permission_check(interaction.guild, reply)
        return reply

    async def _pressed(self, interaction: Interaction, action: str, name: str | None) -> Reply:
        space = await self._space(interaction, name)
        req = replace(self._request(interaction, "", {}, space), raw=action)
        return await self.core.handle_action(req)

    async def _chosen(self, interaction: Interaction, command: str, values: list[str]) -> Reply:
        ids = " ".join(f"Q{value}" for value in values if value.isdigit())
        space = await self._space(interaction, command)
        return await self.core.handle(self._request(interaction, command, {"question": ids}, space))

    async def _submitted(self, interaction: Interaction) -> Reply:
        data: dict[str, Any] = dict(interaction.data or {})
        try:
            action = codec.decode(str(data.get("custom_id", "")))
        except codec.CodecError:
            action = codec.Action("?form", {})
        values = submitted(data)
        args = {**action.args, **values}
        return await self.core.handle(self._request(interaction, action.name, args, None))

    async def _space(self, interaction: Interaction, command: str | None) -> Space | None:
        """The server's space, read only when the command needs its roles or settings."""
        if interaction.guild_id is None or command in ROLE_BLIND:
            return None
        return await space_of(self.core.store, "discord", str(interaction.guild_id))

    def _request(
        self, interaction: Interaction, command: str, args: dict[str, str], space: Space | None
    ) -> Request:
        user = interaction.user
        guild = interaction.guild_id
        return Request(
            actor=UserRef("discord", str(user.id)),
            command=command,
            args=args,
            space=SpaceRef("discord", str(guild)) if guild is not None else None,
            facts=member_facts(interaction, space),
            display_name=user.display_name,
            locale=str(interaction.locale),
            username=user.name,
        )

    def _setup_defaults(
        self, interaction: Interaction, space: Space | None, args: dict[str, str]
    ) -> dict[str, str]:
        """A first `/setup` names the community after the server and announces in the channel
        it was typed in, unless told otherwise."""
        out = dict(args)
        channel = interaction.channel
        if (space is None or space.announce_channel is None) and "announce_channel" not in out:
            if channel is not None and getattr(channel, "type", None) in TEXT_CHANNELS:
                out["announce_channel"] = str(channel.id)
        if space is None and interaction.guild is not None:
            out.setdefault("name", interaction.guild.name)
        return out

    async def _with_permission_check(self, guild: discord.Guild, reply: Reply) -> Reply:
        space = await space_of(self.core.store, "discord", str(guild.id))
        if space is None:
            return reply
        missing = missing_permissions(guild, space, reply.text.locale)
        invite = await offer_invite(self.core, guild, space, reply.text.locale)
        return replace(reply, messages=(*reply.messages, *missing, *invite))

    async def _introduce(
        self, interaction: Interaction, data: dict[str, Any], space: Space | None
    ) -> None:
        """A member picked in a user option is in this server (Discord resolved them as one of
        its members): they belong to its community even if they never used the bot, so
        `/mute @someone` works on a troll's first message."""
        if space is None:
            return
        resolved = data.get("resolved") or {}
        members, users = resolved.get("members") or {}, resolved.get("users") or {}
        for option in data.get("options") or []:
            picked = str(option.get("value"))
            if option.get("type") != USER_OPTION or picked not in members:
                continue
            user = users.get(picked) or {}
            if user.get("bot"):
                continue
            name = members[picked].get("nick") or user.get("global_name") or user.get("username")
            now = self.core.clock.now()
            ref = UserRef("discord", picked)
            await enroll(self.core.store, ref, str(name or picked), [space.community_id], now)

    # --- autocomplete -----------------------------------------------------------------------

    async def _autocomplete(self, interaction: Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        spec = BY_NAME.get(str(data.get("name")))
        focused = next((o for o in data.get("options") or [] if o.get("focused")), None)
        option = spec.option(str(focused["name"])) if spec and focused else None
        choices: list[app_commands.Choice[int]] = []
        if option is not None and option.lives is not None and focused is not None:
            guild = interaction.guild_id
            found = await suggest_lives(
                self.core.store,
                "discord",
                str(guild) if guild is not None else None,
                str(focused.get("value", "")),
                option.lives,
                actor=UserRef("discord", str(interaction.user.id)),
                now=self.core.clock.now(),
            )
            locale = interaction_locale(interaction, self.core.config.language)
            choices = [app_commands.Choice(name=label(s, locale), value=s.live_id) for s in found]
        try:
            await interaction.response.autocomplete(choices)
        except discord.NotFound as error:  # typed on; Discord no longer waits for this one
            log.info("autocomplete %s answered too late: %s", interaction.id, error)


def arguments(options: list[dict[str, Any]]) -> dict[str, str]:
    """Options as the core's text fields: booleans as yes/no, ids and numbers as digits."""
    out = {}
    for option in options:
        value = option.get("value")
        if isinstance(value, bool):
            out[str(option["name"])] = "yes" if value else "no"
        elif value is not None:
            out[str(option["name"])] = str(value)
    return out


def label(found: Suggestion, locale: str) -> str:
    """`#12 · mar. 1 déc. 18:30 · Initiation à Python`, with the status when not scheduled."""
    when = format_short(found.starts_at, ZoneInfo(found.timezone), locale)
    status = ""
    if found.status is not LiveStatus.SCHEDULED:
        status = f" ({render(Text(locale, f'live.status.{found.status.value}'))})"
    return f"#{found.live_id}{status} · {when} · {found.title}"[:100]
