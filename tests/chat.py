"""Tests that read like a conversation: `await chat.as_("alice").says("/join 12")`.

Everything is real but the clock and the platform: the dispatcher, the use cases, the catalogs and
a SQLite file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.adapters.capabilities import DECLARED
from bot.core import registry as _registry  # noqa: F401  (use cases register on import)
from bot.core.context import CoreConfig
from bot.core.delivery.outbox import Outbox
from bot.core.dispatcher import Core
from bot.core.messages import Reply, Request
from bot.core.usecases import load_all
from bot.domain.model import Role, SpaceRef, UserRef
from bot.i18n.catalog import render
from bot.storage.database import SqlStore, open_store
from tests.fakes.clock import FakeClock
from tests.fakes.platform import FakePlatform

ROLES = {
    "member": frozenset(),
    "host": frozenset({Role.HOST}),
    "moderator": frozenset({Role.MODERATOR}),
    "organizer": frozenset({Role.ORGANIZER}),
}


@dataclass
class Said:
    """What the bot answered: the reply object and its text as the person reads it."""

    reply: Reply

    @property
    def text(self) -> str:
        return "\n".join(render(m.text) for m in self.reply.messages)

    @property
    def key(self) -> str:
        return self.reply.messages[0].text.key

    @property
    def ok(self) -> bool:
        return self.reply.ok

    def buttons(self) -> list[tuple[str, str | None]]:
        return [
            (render(b.label), b.action)
            for m in self.reply.messages
            for row in m.buttons
            for b in row
        ]

    def __contains__(self, part: str) -> bool:
        return part in self.text


class Persona:
    def __init__(self, chat: Chat, name: str, role: str, space: str | None) -> None:
        self.chat, self.name, self.role, self.space = chat, name, role, space

    @property
    def ref(self) -> UserRef:
        return UserRef(self.chat.platform.name, self.name)

    def _request(self, raw: str) -> Request:
        space = SpaceRef(self.chat.platform.name, self.space) if self.space else None
        return Request(
            self.ref, "", {}, space, ROLES[self.role], self.name.capitalize(), None, self.name, raw
        )

    async def says(self, line: str) -> Said:
        return Said(await self.chat.core.handle_text(self._request(line)))

    async def presses(self, action: str) -> Said:
        return Said(await self.chat.core.handle_action(self._request(action)))

    async def presses_label(self, said: Said, label: str) -> Said:
        """Presses the button of that reply whose label contains `label`."""
        for text, action in said.buttons():
            if label in text and action:
                return await self.presses(action)
        raise AssertionError(f"no button {label!r} in {said.buttons()}")


class Chat:
    def __init__(self, core: Core, store: SqlStore, clock: FakeClock, platform: FakePlatform):
        self.core, self.store, self.clock, self.platform = core, store, clock, platform

    @classmethod
    async def open(
        cls,
        folder: Path,
        *,
        platform: FakePlatform | None = None,
        url: str | None = None,
        **config: object,
    ) -> Chat:
        """`platform`: the people and spaces live on that fake platform (default: "shell");
        `url`: another database than a SQLite file in `folder`."""
        load_all()
        clock = FakeClock()
        store = await open_store(url or f"sqlite:///{folder / 'test.sqlite3'}")
        platform = platform or FakePlatform()
        # As the composition root does: each platform's capabilities by its name.
        offered = {**DECLARED, platform.name: platform.capabilities}
        outbox = Outbox(store, clock, {platform.name: platform}, capabilities=offered)
        settings = CoreConfig(capabilities=offered, **config)  # type: ignore[arg-type]
        core = Core(store, clock, settings, outbox)
        outbox.on_auto_end = core.end_automatically  # wired as the composition root does
        return cls(core, store, clock, platform)

    def as_(self, name: str, role: str = "member", space: str | None = "discord") -> Persona:
        return Persona(self, name, role, space)

    def inbox(self, name: str) -> list[str]:
        """Private messages the bot sent to that persona."""
        return [s.text for s in self.platform.sent if s.dest.private and s.dest.chat_id == name]

    def posts(self, space: str) -> list[str]:
        return [
            s.text for s in self.platform.sent if not s.dest.private and s.dest.chat_id == space
        ]

    async def close(self) -> None:
        await self.store.close()
