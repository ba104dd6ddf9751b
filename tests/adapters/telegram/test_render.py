"""Telegram's limits on what the bot writes: 4096 characters a message once parsed, user text
escaped for HTML and defused of mentions, at most 8 buttons a row."""

from __future__ import annotations

import html
import re

from bot.adapters.telegram.render import LIMIT, keyboard, to_html
from bot.adapters.text import split
from bot.core import codec
from bot.core.messages import Button, OutMessage, Raw, Text
from bot.domain.model import UserRef


def parsed_length(chunk: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", "", chunk)))


def test_a_long_message_is_cut_at_line_ends_and_every_part_fits() -> None:
    lines = "\n".join(f"ligne {n} " + "é" * 60 for n in range(200))
    chunks = to_html(OutMessage(Text("fr", "live.announce", {"card": Raw(lines)})))
    assert len(chunks) >= 3
    assert all(parsed_length(c) <= LIMIT for c in chunks)
    assert all(not c.startswith("\n") and "ligne" in c.splitlines()[0] for c in chunks[1:])


def test_a_single_endless_line_is_cut_hard() -> None:
    assert [len(part) for part in split("x" * 9000, 4000)] == [4000, 4000, 1000]


def test_user_text_is_escaped_and_its_mentions_defused() -> None:
    text = Text("fr", "signup.already", {"live": 1, "title": "<b>&</b> @everyone"})
    (chunk,) = to_html(OutMessage(text))
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in chunk and "@\u2060everyone" in chunk


def test_many_mentions_spill_into_further_messages_never_cut() -> None:
    people = tuple(UserRef("telegram", str(1000 + n)) for n in range(300))
    names = {ref: "Quelqu’un de très long " + ref.id for ref in people}
    chunks = to_html(OutMessage(Text("fr", "guide.stopped"), mentions=people), names)
    assert len(chunks) > 1 and all(parsed_length(c) <= LIMIT for c in chunks)
    linked = re.findall(r'href="tg://user\?id=(\d+)"', "".join(chunks))
    assert linked == [ref.id for ref in people]


def test_a_row_of_twelve_buttons_becomes_rows_of_eight() -> None:
    row = tuple(Button(Text("fr", "button.join"), codec.encode("join", n)) for n in range(12))
    markup = keyboard((row,))
    assert markup is not None
    assert [len(r) for r in markup.inline_keyboard] == [8, 4]
