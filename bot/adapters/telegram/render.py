"""Core messages as Telegram HTML: all text escaped, user mentions defused, split to fit.

The catalog's own wording is plain text too, so the whole rendered message is escaped once;
the only markup the bot writes itself is a mention link for members it means to notify.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.adapters.text import split
from bot.core.messages import Button, OutMessage, Text
from bot.domain.model import UserRef
from bot.i18n.catalog import render

LIMIT = 4096  # characters of a message once its entities are parsed
CHUNK = 4000  # room left for the mentions line
ROW = 8  # buttons a row, Telegram's maximum
WORD_JOINER = "\u2060"


def defuse(text: str) -> str:
    """User text: `@name` must not become a mention that notifies someone (a word joiner after
    the `@` keeps it readable and inert)."""
    return text.replace("@", "@" + WORD_JOINER)


def plain(text: Text) -> str:
    """Plain text, for places without markup (button labels, callback answers)."""
    return render(text, defuse)


def to_html(message: OutMessage, names: Mapping[UserRef, str] | None = None) -> list[str]:
    """The message as one or more HTML texts, each within Telegram's limit (mentions of many
    members spill into further messages rather than being cut)."""
    parts = split(plain(message.text) or "·", CHUNK)
    lengths = [len(part) for part in parts]
    chunks = [html.escape(part, quote=False) for part in parts]
    separator = "\n"
    for ref in message.mentions:
        label = defuse((names or {}).get(ref) or "•")[:64]
        if lengths[-1] + len(separator) + len(label) > LIMIT:
            chunks.append("")
            lengths.append(0)
            separator = ""
        link = f'<a href="tg://user?id={int(ref.id)}">{html.escape(label, quote=False)}</a>'
        chunks[-1] += separator + link
        lengths[-1] += len(separator) + len(label)
        separator = " "
    return chunks


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    """Inline keyboard of the message's buttons (at most 8 a row: longer rows wrap)."""
    out: list[list[InlineKeyboardButton]] = []
    for row in rows:
        buttons = [_button(b) for b in row]
        out.extend(buttons[i : i + ROW] for i in range(0, len(buttons), ROW))
    return InlineKeyboardMarkup(out) if out else None


def markup(rows: Sequence[Sequence[Button]]) -> str | None:
    """The same keyboard as `keyboard`, as the JSON PTB would send for it, without building
    PTB's objects (a reminder's send; see `api.py`)."""
    out: list[list[dict[str, str]]] = []
    for row in rows:
        buttons = [_json_button(b) for b in row]
        out.extend(buttons[i : i + ROW] for i in range(0, len(buttons), ROW))
    return json.dumps({"inline_keyboard": out}) if out else None


def _json_button(button: Button) -> dict[str, str]:
    label = plain(button.label)
    if button.url:
        return {"text": label, "url": button.url}
    return {"text": label, "callback_data": button.action} if button.action else {"text": label}


def _button(button: Button) -> InlineKeyboardButton:
    label = plain(button.label)
    if button.url:
        return InlineKeyboardButton(label, url=button.url)
    return InlineKeyboardButton(label, callback_data=button.action)
