"""Core messages as Discord messages: user text escaped, mentions limited to whom the bot means,
buttons carrying the codec's action as their custom id (routed by the adapter from that id
alone: Discord keeps it on the message, so a press after a restart still carries everything).

Catalog text is trusted and kept as is (it may use Discord's markdown); every user-given value
is escaped (markdown and `@everyone`/`<@&role>` forms), and on top of that `allowed_mentions`
pings exactly the members listed in `OutMessage.mentions`, whatever the text says. A command
named in a text is a command mention (`</join:id>`), which each reader's app shows in their own
language and runs in one tap.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from typing import Any

import discord
from discord import ui

from bot.adapters.text import split
from bot.core.messages import Attachment, Button, Menu, OutMessage, Text
from bot.domain.model import UserRef
from bot.i18n.catalog import CommandWriter, render, typed

log = logging.getLogger(__name__)
LIMIT = 2000  # characters of a message's content
ROW = 5  # buttons a row
ROWS = 5  # rows a message
LABEL = 80  # characters of a button label
OPTION = 100  # characters of a pick list's option label and placeholder
OPTIONS = 25  # options a pick list
# Every action the codec makes: a letter, then `:`-separated word arguments (`j:12`, `x`).
ACTION = re.compile(r"[a-z](?::[\w.\-]+)*")
MENU_COMMANDS = ("approve", "reject")  # what a pick list may run (a digest's)
MENU = re.compile(r"menu:(?P<command>" + "|".join(MENU_COMMANDS) + ")")
_STYLES = {
    "j": discord.ButtonStyle.success,  # join
    "a": discord.ButtonStyle.success,  # approve
    "p": discord.ButtonStyle.success,  # accept a proposal
    "h": discord.ButtonStyle.success,  # I'm here
    "r": discord.ButtonStyle.danger,  # reject
    "n": discord.ButtonStyle.danger,  # decline a proposal
    "f": discord.ButtonStyle.danger,  # forget me
    "k": discord.ButtonStyle.primary,  # ask
}


class CommandMentions:
    """The ids of the synced slash commands (filled at each start by `commands.sync`)."""

    def __init__(self) -> None:
        self.ids: dict[str, str] = {}

    def write(self, name: str, locale: str) -> str:
        """`</join:123>`; a command Discord does not have (yet) as its reader types it."""
        found = self.ids.get(name)
        return f"</{name}:{found}>" if found else typed(name, locale)


def escape(text: str) -> str:
    """User text shown as typed: no markdown, no mention that could ping."""
    return discord.utils.escape_markdown(discord.utils.escape_mentions(text))


def plain(text: Text) -> str:
    """For places without markdown or mentions (button labels, modal labels)."""
    return render(text)


class ActionButton(ui.Button[Any]):
    """A button whose custom id is an encoded action (`j:12`). discord.py never routes it (its
    view is not kept, no dynamic item is registered): the adapter reads the press's custom id
    in `on_interaction` (see `DiscordAdapter._component`)."""

    def __init__(self, action: str, label: str = "·") -> None:
        style = _STYLES.get(action[:1], discord.ButtonStyle.secondary)
        super().__init__(label=label[:LABEL], custom_id=action, style=style)


@dataclass(frozen=True)
class Part:
    """One Discord message: its content, its buttons and file (on the last part only), who it
    pings."""

    content: str
    buttons: tuple[tuple[Button, ...], ...]
    allowed: discord.AllowedMentions
    attachment: Attachment | None = None
    menus: tuple[Menu, ...] = ()

    def view(self) -> ui.View | None:
        return view(self.buttons, self.menus)

    def file(self) -> discord.File | None:
        """A fresh file each time: discord.py reads it to the end when it sends it."""
        found = self.attachment
        return None if found is None else discord.File(io.BytesIO(found.content), found.filename)


def parts(message: OutMessage, commands: CommandWriter = typed) -> list[Part]:
    """The message as one or more Discord messages within 2,000 characters each (the mentions
    of many members spill into further messages rather than being cut); `commands` writes the
    commands it names (see `CommandMentions`)."""
    allowed = allowed_mentions(message.mentions)
    chunks = split(render(message.text, escape, commands) or "·", LIMIT)
    separator = "\n"
    for ref in message.mentions:
        tag = f"<@{int(ref.id)}>"
        if len(chunks[-1]) + len(separator) + len(tag) > LIMIT:
            chunks.append("")
            separator = ""
        chunks[-1] += separator + tag
        separator = " "
    last = len(chunks) - 1
    return [
        Part(c, message.buttons, allowed, message.attachment, message.menus)
        if i == last
        else Part(c, (), allowed)
        for i, c in enumerate(chunks)
    ]


def allowed_mentions(mentions: tuple[UserRef, ...]) -> discord.AllowedMentions:
    users = [discord.Object(int(ref.id)) for ref in mentions if ref.platform == "discord"]
    return discord.AllowedMentions(everyone=False, roles=False, users=users, replied_user=False)


def view(rows: tuple[tuple[Button, ...], ...], menus: tuple[Menu, ...] = ()) -> ui.View | None:
    """The buttons as a view that discord.py does not keep: presses are routed by the adapter
    from their custom ids (a stored view would be rebuilt, timed and looked up for nothing)."""
    lines = [list(row) for row in rows if row]
    if len(lines) > ROWS or any(len(line) > ROW for line in lines):
        # More rows than Discord shows (a list of vote buttons): packed five a row instead.
        flat = [b for line in lines for b in line]
        if len(flat) > ROW * ROWS:
            log.info("%d buttons do not fit in one message: the last ones are left out", len(flat))
        lines = [flat[i : i + ROW] for i in range(0, min(len(flat), ROW * ROWS), ROW)]
    lines = lines[: ROWS - len(menus)]  # each pick list takes a row of its own
    if not lines and not menus:
        return None
    out = ui.View(timeout=None)
    for index, menu in enumerate(menus, start=len(lines)):
        out.add_item(_select(menu, index))
    for index, line in enumerate(lines):
        for button in line:
            item = _item(button)
            item.row = index
            out.add_item(item)
    out.stop()  # finished before sending: serialised, never stored
    return out


def _select(menu: Menu, row: int) -> ui.Item[Any]:
    options = [
        discord.SelectOption(label=label[:OPTION] or "·", value=value)
        for label, value in menu.options[:OPTIONS]
    ]
    select: ui.Select[Any] = ui.Select(
        custom_id=f"menu:{menu.command}",
        placeholder=plain(menu.placeholder)[:OPTION],
        min_values=1,
        max_values=len(options) if menu.many else 1,
        options=options,
        row=row,
    )
    return select


def _item(button: Button) -> ui.Item[Any]:
    label = plain(button.label)
    if button.url:
        return ui.Button(label=label[:LABEL], url=button.url)
    assert button.action is not None
    return ActionButton(button.action, label)
