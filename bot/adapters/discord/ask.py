"""The form the announcement's Ask button opens: the question, and whether to ask anonymously.

The modal's custom id is the button's own action (`k:12`), so its submission says which live
it is about by itself. discord.py is not asked to keep the modal (it is finished before it is
sent): submissions are read from the interaction, which works for any number of members at
once and across a restart between opening and sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord
from discord import ui

from bot.adapters.discord.render import plain
from bot.core.messages import Text
from bot.domain.commands import QUESTION_TEXT

TITLE = 45  # characters of a modal title or a label
# The spec's bounds of a question, shown to the member as they type.
QUESTION_MIN, QUESTION_MAX = QUESTION_TEXT.bounds


def ask_modal(action: str, locale: str) -> ui.Modal:
    def say(key: str) -> str:
        return plain(Text(locale, key))[:TITLE]

    modal = ui.Modal(title=say("discord.ask.title"), custom_id=action)
    question: ui.TextInput[ui.Modal] = ui.TextInput(
        custom_id="question",
        style=discord.TextStyle.long,
        min_length=QUESTION_MIN,
        max_length=QUESTION_MAX,
    )
    anonymous: ui.Select[ui.Modal] = ui.Select(
        custom_id="anonymous",
        options=[
            discord.SelectOption(label=say("discord.ask.named"), value="no", default=True),
            discord.SelectOption(label=say("discord.ask.anonymous"), value="yes"),
        ],
    )
    modal.add_item(ui.Label(text=say("discord.ask.question"), component=question))
    modal.add_item(ui.Label(text=say("discord.ask.how"), component=anonymous))
    modal.stop()  # finished: serialised for Discord, never kept by discord.py
    return modal


def submitted(data: dict[str, Any]) -> dict[str, str]:
    """The values of a modal submission by custom id (a select gives its first choice)."""
    out: dict[str, str] = {}
    for component in _walk(data.get("components") or []):
        custom_id = component.get("custom_id")
        if not custom_id:
            continue
        if "value" in component:
            out[custom_id] = str(component["value"])
        elif component.get("values"):
            out[custom_id] = str(component["values"][0])
    return out


def _walk(components: Iterable[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk(component.get("components") or [])
        if isinstance(component.get("component"), dict):
            yield from _walk([component["component"]])
