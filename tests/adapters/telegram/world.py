"""A Telegram world for end-to-end tests: the fake Bot API server, the real bot (built by the
composition root, talking HTTP to the fake) and people who type and press buttons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.limits import TELEGRAM
from bot.adapters.telegram.service import TelegramService
from bot.app import App, build
from bot.settings import Settings, TelegramSettings, WebSettings
from tests.fakes.telegram_api import FakeTelegram

ANNOUNCE = -1001
MODERATION = -1002
FAST = TELEGRAM.scaled(0.001)  # Telegram's limits on a clock 1000 times faster


@dataclass
class World:
    fake: FakeTelegram
    app: App
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def service(self) -> TelegramService:
        service = self.app.services[0]
        assert isinstance(service, TelegramService)
        return service

    async def settle(self) -> None:
        """Until every pushed update is stored, handled and what it owed is sent."""
        await self.fake.wait_for(lambda: not self.fake.pending_updates(), timeout=10)
        await self.service.inbox.drain()
        await self.app.outbox.flush()

    def person(self, user_id: int, name: str, *, language: str = "fr") -> Person:
        self.fake.add_user(user_id, name, username=name.lower(), language_code=language)
        self.people[name] = who = Person(self, user_id, name)
        return who

    def group(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.fake.chat_log(chat_id) if not m["deleted"]]


@dataclass
class Person:
    world: World
    id: int
    name: str

    async def says(
        self, text: str, *, where: int | None = None, reply_to: int | None = None
    ) -> list[dict[str, Any]]:
        """Types in a chat (private by default); returns what the bot then wrote to them
        privately and in that chat."""
        chat = self.id if where is None else where
        before = _seen(self.world, chat, self.id)
        self.world.fake.push_text(self.id, chat, text, reply_to=reply_to)
        await self.world.settle()
        return _new(self.world, chat, self.id, before)

    async def presses(
        self, label: str, message: dict[str, Any], *, where: int | None = None
    ) -> list[dict[str, Any]]:
        """Presses the button whose label contains `label` (a regex) on a bot message."""
        chat = self.id if where is None else where
        data = button(message, label)
        before = _seen(self.world, chat, self.id)
        self.world.fake.push_callback(self.id, chat, message["message_id"], data)
        await self.world.settle()
        return _new(self.world, chat, self.id, before)

    def inbox(self) -> list[dict[str, Any]]:
        return self.world.fake.chat_log(self.id)

    def toasts(self) -> list[dict[str, Any]]:
        return self.world.fake.answers()


def button(message: dict[str, Any], label: str) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    for row in rows:
        for b in row:
            if re.search(label, b["text"]) and "callback_data" in b:
                return str(b["callback_data"])
    raise AssertionError(f"no button {label!r} on {message.get('text')!r}")


def urls(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["url"] for row in rows for b in row if "url" in b]


def _seen(world: World, chat: int, user: int) -> dict[int, int]:
    return {c: len(world.fake.chat_log(c)) for c in {chat, user}}


def _new(world: World, chat: int, user: int, before: dict[int, int]) -> list[dict[str, Any]]:
    out = []
    for c in dict.fromkeys([user, chat]):
        out.extend(world.fake.chat_log(c)[before[c] :])
    return out


async def open_world(tmp_path: Path, fake: FakeTelegram, **settings: Any) -> App:
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'solidaire.sqlite3'}",
        telegram=TelegramSettings(token=fake.token, api_base_url=fake.base_url, **settings),
        web=WebSettings(("127.0.0.1", 0)),  # any free port: tests never fight over one
    )
    app = await build(config, telegram_limits=FAST)
    await app.start()
    return app
