"""A Discord world for end-to-end tests: the fake Discord (REST + gateway), the real bot built by
the composition root and talking to it over HTTP and WebSocket, and people who type slash
commands, pick suggestions, press buttons and fill forms."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.adapters.discord.service import DiscordService
from bot.adapters.limits import DISCORD
from bot.app import App, build
from bot.core.delivery.planning import EDIT_SPACING
from bot.settings import DiscordSettings, Settings, WebSettings
from tests.fakes.discord_api import FakeDiscord, Response
from tests.fakes.discord_state import BOT_DEFAULT_PERMISSIONS, MANAGE_MESSAGES, MENTION_EVERYONE

# Snowflake-sized ids, as Discord's: mention escaping only recognises ids of 17 to 20 digits.
GUILD = 810_000_000_000_000_001
ANNOUNCE, MODERATION, GENERAL = (810_000_000_000_000_101 + n for n in range(3))
HOSTS, MODS, LOUD = (810_000_000_000_000_201 + n for n in range(3))
OLGA, HUGO, MIA, BOB, CHLOE, NINA = (810_000_000_000_001_001 + n for n in range(6))
FAST = DISCORD.scaled(0.001)  # Discord's limits on a clock 1000 times faster


def settings(fake: FakeDiscord, folder: Path) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'solidaire.sqlite3'}",
        discord=DiscordSettings(
            token=fake.token, api_base_url=fake.api_base, gateway_url=fake.gateway_url
        ),
        web=WebSettings(("127.0.0.1", 0)),  # any free port: tests never fight over one
    )


async def open_app(fake: FakeDiscord, folder: Path) -> App:
    app = await build(settings(fake, folder), discord_limits=FAST)
    await app.start()
    return app


def furnish(fake: FakeDiscord) -> None:
    """The Atelier server: Olga owns it, Hugo holds the hosts' role, Mia the moderators' role,
    Nina moderates with Manage Messages alone; Bob and Chloé (English, open to DMs) come to
    lives. The bot may mention everyone: only its own care keeps user text from pinging."""
    fake.add_guild(GUILD, "Atelier", owner_id=OLGA, locale="fr")
    for channel, name in ((ANNOUNCE, "annonces"), (MODERATION, "moderation"), (GENERAL, "general")):
        fake.add_channel(GUILD, channel, name)
    fake.add_role(GUILD, HOSTS, "animateurs")
    fake.add_role(GUILD, MODS, "moderateurs")
    fake.add_role(GUILD, LOUD, "tout-le-monde", permissions=MANAGE_MESSAGES, mentionable=True)
    fake.add_member(GUILD, HUGO, "Hugo", roles=[HOSTS])
    fake.add_member(GUILD, MIA, "Mia", roles=[MODS])
    fake.add_member(GUILD, NINA, "Nina", roles=[LOUD])
    fake.add_member(GUILD, BOB, "Bob")
    fake.add_member(GUILD, CHLOE, "Chloé", locale="en-US", accepts_dms=True)
    fake.world.users[OLGA].name = "Olga"
    fake.set_bot_permissions(GUILD, BOT_DEFAULT_PERMISSIONS | MENTION_EVERYONE)


@dataclass
class Answer:
    """What the bot answered one interaction: every message it showed, in order."""

    response: Response
    interaction: str

    @property
    def texts(self) -> list[str]:
        r = self.response
        first = [r.data.get("content") or ""] if r.kind in (4, 7) else []
        edits = [e.get("content") or "" for e in r.edits_to_original if "content" in e]
        return first + edits[-1:] + [f.get("content") or "" for f in r.followups]

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    @property
    def ephemeral(self) -> bool:
        return self.response.ephemeral

    def __contains__(self, part: str) -> bool:
        return part in self.text


@dataclass
class World:
    fake: FakeDiscord
    app: App
    folder: Path
    people: dict[str, Person] = field(default_factory=dict)

    @property
    def service(self) -> DiscordService:
        service = self.app.services[0]
        assert isinstance(service, DiscordService)
        return service

    async def settle(self) -> None:
        """Until everything owed now is sent (the alarm would do it too, a moment later)."""
        await self.app.outbox.flush()

    async def settle_after_spacing(self) -> None:
        """Past the spacing of announcement edits (3 s), what they owe is sent."""
        await asyncio.sleep(EDIT_SPACING.total_seconds() + 0.1)
        await self.app.outbox.flush()

    async def restart(self) -> None:
        """The bot stops and a new process starts on the same database and the same Discord."""
        await self.app.stop()
        self.app = await open_app(self.fake, self.folder)

    def person(self, user_id: int) -> Person:
        return Person(self, user_id)

    def mention(self, command: str) -> str:
        """How a message names a slash command: `</join:id>`, with the id Discord gave it."""
        return f"</{command}:{self.fake.command_ids[(None, 1, command)]}>"

    def message_of(self, said: Answer) -> dict[str, Any]:
        """The (first) message an answer showed; ephemeral ones too: their buttons work."""
        return self.messages_of(said)[0]

    def messages_of(self, said: Answer) -> list[dict[str, Any]]:
        original = self.fake.interactions[said.interaction].original_id
        assert original is not None, "the answer showed no message"
        rest = [self.fake.world.store[int(f["id"])] for f in said.response.followups]
        return [self.fake.world.store[original], *(m for m in rest if int(m["id"]) != original)]

    def channel(self, channel_id: int) -> list[dict[str, Any]]:
        return [m for m in self.fake.messages(channel_id) if not m["deleted"]]


@dataclass
class Person:
    world: World
    id: int

    async def types(
        self,
        command: str,
        /,  # `command` is also an option's name (`/help command:join`)
        *,
        where: int | None = ANNOUNCE,
        server: int = GUILD,
        parts: int = 1,
        **options: Any,
    ) -> Answer:
        """A slash command in a channel of a server (`where=None`: in a DM with the bot);
        `parts`: how many messages the answer has (waited for, all of them)."""
        fake = self.world.fake
        guild = server if where is not None else None
        channel = where if where is not None else fake.dm_channel(self.id)
        iid = fake.slash(self.id, command, options, guild_id=guild, channel_id=channel)
        return await self._answer(iid, parts)

    async def picks(self, command: str, typed: str, *, option: str = "live") -> list[Any]:
        """What the autocomplete suggests while typing `typed` in `option`: (name, value)."""
        fake = self.world.fake
        iid = fake.autocomplete(
            self.id, command, {option: typed}, option, guild_id=GUILD, channel_id=ANNOUNCE
        )
        response = await fake.wait_response(iid)
        return [(c["name"], c["value"]) for c in response.data["choices"]]

    async def presses(self, label: str, message: dict[str, Any], *, parts: int = 1) -> Answer:
        """Presses the button whose label matches `label` (a regex) on a message."""
        channel = int(message["channel_id"])
        guild = GUILD if message.get("guild_id") else None
        custom_id = button(message, label)
        iid = self.world.fake.press(self.id, channel, int(message["id"]), custom_id, guild_id=guild)
        return await self._answer(iid, parts)

    async def opens_form(self, label: str, message: dict[str, Any]) -> dict[str, Any]:
        """Presses a button that opens a form; returns the form as Discord shows it."""
        custom_id = button(message, label)
        iid = self.world.fake.press(
            self.id, int(message["channel_id"]), int(message["id"]), custom_id, guild_id=GUILD
        )
        response = await self.world.fake.wait_response(iid)
        assert response.kind == 9, f"no form opened: {response}"
        return response.data

    async def fills(self, form: dict[str, Any], values: dict[str, str]) -> Answer:
        iid = self.world.fake.submit_modal(
            self.id, form["custom_id"], values, guild_id=GUILD, channel_id=ANNOUNCE
        )
        return await self._answer(iid, 1)

    async def _answer(self, iid: str, parts: int) -> Answer:
        fake = self.world.fake
        said = Answer(await fake.wait_response(iid, timeout=10), iid)
        await fake.wait_for(lambda: len(said.texts) >= parts, what="every part of the answer")
        return said


def button(message: dict[str, Any], label: str) -> str:
    for row in message.get("components") or []:
        for item in row.get("components") or []:
            if re.search(label, item.get("label") or "") and item.get("custom_id"):
                return str(item["custom_id"])
    raise AssertionError(f"no button {label!r} on {message.get('content')!r}")


def labels(message: dict[str, Any]) -> list[str]:
    return [
        str(item.get("label"))
        for row in message.get("components") or []
        for item in row.get("components") or []
    ]
