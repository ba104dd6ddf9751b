"""The terminal chat: personas, simulated Discord-like and Telegram-like spaces, numbered buttons.

It reads commands from a text stream so a script can drive it, and stops at the end of the input.
A file that comes with an answer (an export, a chart) is written under `data/exports/`, relative
to the working directory like the default database `data/solidaire.sqlite3`, and its path shown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.adapters.capabilities import SHELL_CAPABILITIES
from bot.adapters.shell.render import attachment_line, clean, message_lines, where
from bot.core.dispatcher import Core
from bot.core.messages import (
    Attachment,
    Button,
    Destination,
    OutMessage,
    Reply,
    Request,
    SendResult,
    Text,
)
from bot.core.ports import StoreUnavailable
from bot.domain.commands import resolve
from bot.domain.model import Role, SpaceRef, UserRef
from bot.i18n.catalog import render

log = logging.getLogger(__name__)
SPACES = ("discord", "telegram")
ROLES = {
    "member": frozenset[Role](),
    "host": frozenset({Role.HOST}),
    "moderator": frozenset({Role.MODERATOR}),
    "organizer": frozenset({Role.ORGANIZER}),
}
EXPORTS = Path("data") / "exports"  # beside the default database, under the working directory


class ShellPlatform:
    """The outbound side: posts to spaces and private messages are printed where they land."""

    name = "shell"
    capabilities = SHELL_CAPABILITIES

    def __init__(self, out: TextIO, exports: Path = EXPORTS) -> None:
        self._out = out
        self.exports = exports
        self.buttons: list[Button] = []
        self.quiet = False  # while the demo is being seeded
        # What goes before a button's number: "!" while a bare number is an answer (see Shell).
        self.mark: Callable[[], str] = lambda: ""

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        if self.quiet:
            return SendResult(True, message_id=key)
        lines, buttons = message_lines(message, len(self.buttons) + 1, self.mark())
        self.buttons.extend(buttons)
        prefix = where(dest)
        for line in lines:
            self._out.write(f"  {prefix} {line}\n")
        if message.attachment is not None:
            self._out.write(f"  {prefix} {self.save(message.attachment)}\n")
        self._out.flush()
        return SendResult(True, message_id=key)

    def save(self, attachment: Attachment) -> str:
        """Writes the file under the exports folder; returns the line that shows where."""
        self.exports.mkdir(parents=True, exist_ok=True)
        path = self.exports / Path(attachment.filename).name  # never outside the folder
        path.write_bytes(attachment.content)
        return attachment_line(path, len(attachment.content))

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        """A post kept up to date (an announcement, a decided card): one line, so the chat stays
        readable; an announcement's fixed header is left out."""
        lines, _ = message_lines(message, 0)
        shown = [line for line in lines if line and not line.startswith("📣")][:4]
        self._out.write(f"  {where(dest)} ✎ {' · '.join(shown)}\n")
        self._out.flush()
        return SendResult(True, message_id=message_id)


class Shell:
    """Reads lines, one persona at a time. A bare number presses that button, except while a
    guided form waits for the persona's typed answer (`90` minutes, live `2`): it is then the
    answer, and buttons show and are pressed as `!1`, which works at any time."""

    def __init__(self, core: Core, platform: ShellPlatform, stdin: TextIO, out: TextIO) -> None:
        self.core, self.platform, self.stdin, self.out = core, platform, stdin, out
        self.name, self.role, self.space = "alice", "organizer", "discord"
        self.roles = {self.name: self.role}  # each persona keeps its last role
        self.interactive = stdin.isatty()
        self.locale = core.config.language
        platform.mark = self._mark

    def greet(self) -> None:
        self._say("shell.welcome")

    def say(self, key: str, **params: str | int) -> None:
        """A line of the terminal's own (the web server's address when its port moved)."""
        self._say(key, **params)

    async def run(self) -> None:
        self._persona()
        while True:
            if self.interactive:
                self.out.write(f"{self.name}@{self.space}> ")
                self.out.flush()
            line = await asyncio.to_thread(self.stdin.readline)
            if not line:
                return
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not self.interactive:
                self.out.write(f"{self.name}@{self.space}> {line}\n")
            if line in ("/quit", "/exit"):
                return
            await self.handle(line)
            if not self.interactive and self.core.outbox is not None:
                # A script's transcript shows what a command sent right after it: a send the
                # command handed to the alarm clock (a flush was already running) is waited for
                # here, or the script could end, and the bot stop, before it is printed.
                await self.core.outbox.flush()

    async def handle(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "/as":
            return self._switch_persona(rest.split())
        if word == "/in":
            return self._switch_space(rest.strip())
        if line.startswith("!") and line[1:].isdigit():
            return await self._press(int(line[1:]))
        if line.isdigit() and not await self._answering_kept():
            return await self._press(int(line))
        self.platform.buttons.clear()  # numbers restart with each command's output
        self._show(await self.core.handle_text(self.request(line)))
        spec = resolve(word) if word.startswith("/") else None
        if spec is not None and spec.name == "help":
            self._say("shell.help")  # what only the terminal adds: personas, places, buttons

    def _answering(self) -> bool:
        return self.core.conversations.waiting(UserRef("shell", self.name))

    async def _answering_kept(self) -> bool:
        """As the database keeps it: a form left waiting when the shell last stopped is still
        this persona's, and its answer may be a number."""
        try:
            return await self.core.forms.waiting(UserRef("shell", self.name))
        except StoreUnavailable:
            return self._answering()

    def _mark(self) -> str:
        return "!" if self._answering() else ""

    def request(self, raw: str) -> Request:
        space = SpaceRef("shell", self.space) if self.space != "private" else None
        return Request(
            UserRef("shell", self.name), "", {}, space, ROLES[self.role],
            self.name.capitalize(), None, self.name, raw,
        )  # fmt: skip

    async def _press(self, number: int) -> None:
        if not 1 <= number <= len(self.platform.buttons):
            self._say("shell.no_button", number=number)
            return
        button = self.platform.buttons[number - 1]
        self.platform.buttons.clear()
        if button.url:
            self._say("shell.link", url=button.url)
            return
        self._show(await self.core.handle_action(self.request(button.action or "")))

    def _show(self, reply: Reply) -> None:
        dest = Destination(
            "shell", self.space if reply.public else self.name, private=not reply.public
        )
        for message in reply.messages:
            lines, buttons = message_lines(message, len(self.platform.buttons) + 1, self._mark())
            self.platform.buttons.extend(buttons)
            for line in lines:
                self.out.write(f"  {where(dest)} {line}\n")
            if message.attachment is not None:
                self.out.write(f"  {where(dest)} {self.platform.save(message.attachment)}\n")
        self.out.flush()

    def _switch_persona(self, words: list[str]) -> None:
        if not words or (len(words) > 1 and words[1] not in ROLES):
            self._say("shell.usage_as")
            return
        self.name = words[0].lower()
        # A persona keeps its last role unless one is given; a new one starts as a member.
        self.role = words[1] if len(words) > 1 else self.roles.get(self.name, "member")
        self.roles[self.name] = self.role
        self._persona()

    def _switch_space(self, space: str) -> None:
        if space not in (*SPACES, "private"):
            self._say("shell.usage_in")
            return
        self.space = space
        self._persona()

    def _persona(self) -> None:
        self._say("shell.persona", name=self.name, role=self.role, space=self.space)

    def _say(self, key: str, **params: str | int) -> None:
        """The shell's own lines, in the configured language."""
        self.out.write(f"· {render(Text(self.locale, key, params), clean)}\n")
        self.out.flush()
