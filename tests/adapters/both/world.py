"""One bot on both platforms for end-to-end tests: the fake Telegram Bot API and the fake
Discord (REST + gateway) side by side, one Solidaire built by the composition root with both
tokens, and the people of each side from the two single-platform harnesses.

`world.tg` is the Telegram harness's world and `world.dc` the Discord one's, over the same bot:
their people type and press exactly as in `tests/adapters/telegram` and `tests/adapters/discord`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.adapters.discord.service import DiscordService
from bot.adapters.telegram.service import TelegramService
from bot.app import App, build
from bot.settings import DiscordSettings, Settings, TelegramSettings, WebSettings
from tests.adapters.discord import world as dc_world
from tests.adapters.discord.steps import answered
from tests.adapters.discord.world import ANNOUNCE as DC_ANNOUNCE  # re-exported
from tests.adapters.discord.world import HOSTS, MODERATION, MODS, OLGA
from tests.adapters.telegram import world as tg_world
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.telegram_api import FakeTelegram

__all__ = [
    "DC_ANNOUNCE", "DC_MODERATION", "TG_ANNOUNCE", "TG_MODERATION",
    "DiscordSide", "TelegramSide", "World", "link_both", "make_world", "open_app", "settings",
]  # fmt: skip
TG_ANNOUNCE, TG_MODERATION = tg_world.ANNOUNCE, tg_world.MODERATION
DC_MODERATION = MODERATION
# Telegram people (small ids; Discord's are snowflakes: the two never meet).
ALICE, THEO, ZOE, YANN, DAN, CARL = 1, 2, 3, 4, 5, 6
CODE = re.compile(r"\b([A-Z2-9]{8})\b")


def _service(app: App, kind: type[Any]) -> Any:
    return next(s for s in app.services if isinstance(s, kind))


class TelegramSide(tg_world.World):
    """The Telegram harness, finding its service among both."""

    @property
    def service(self) -> TelegramService:
        service: TelegramService = _service(self.app, TelegramService)
        return service


class DiscordSide(dc_world.World):
    """The Discord harness over the same bot (no restart here: both sides share one app)."""

    @property
    def service(self) -> DiscordService:
        service: DiscordService = _service(self.app, DiscordService)
        return service


@dataclass
class World:
    app: App
    tg: TelegramSide
    dc: DiscordSide

    async def settle(self) -> None:
        """Every Telegram update handled and everything owed sent: twice, since a send can owe
        another (a decision's card edits, an answer's notice to an asker)."""
        await self.tg.settle()
        await self.app.outbox.flush()

    def tg_group(self, chat: int) -> list[dict[str, Any]]:
        return self.tg.group(chat)

    def dc_channel(self, channel: int) -> list[dict[str, Any]]:
        return self.dc.channel(channel)


def settings(
    tg: FakeTelegram, dc: FakeDiscord, folder: Path, public_url: str | None = None
) -> Settings:
    return Settings(
        database_url=f"sqlite:///{folder / 'solidaire.sqlite3'}",
        telegram=TelegramSettings(token=tg.token, api_base_url=tg.base_url),
        discord=DiscordSettings(
            token=dc.token, api_base_url=dc.api_base, gateway_url=dc.gateway_url
        ),
        # Any free port (tests never fight over one); the console's links point at it.
        web=WebSettings(("127.0.0.1", 0), public_url=public_url),
    )


async def open_app(tg: FakeTelegram, dc: FakeDiscord, folder: Path, **limits: Any) -> App:
    """Both adapters on one bot; limits default to both platforms' on a clock 1000x faster."""
    limits.setdefault("telegram_limits", tg_world.FAST)
    limits.setdefault("discord_limits", dc_world.FAST)
    app = await build(settings(tg, dc, folder), **limits)
    await app.start()
    return app


TELEGRAM_PEOPLE = ((ALICE, "Alice"), (THEO, "Théo"), (ZOE, "Zoé"), (YANN, "Yann"), (DAN, "Dan"), (CARL, "Carl"))  # fmt: skip


def make_world(app: App, tg: FakeTelegram, dc: FakeDiscord, folder: Path) -> World:
    """On Telegram Alice runs the groups, Théo moderates in the moderators' chat, Zoé, Yann,
    Dan and Carl are members of the announce group; on Discord, the Atelier server of the
    Discord harness (Olga owns it, Hugo hosts, Mia and Nina moderate, Bob and Chloé come)."""
    tg_side = TelegramSide(tg, app)
    for uid, name in TELEGRAM_PEOPLE:
        tg_side.person(uid, name)
    tg.add_group(TG_ANNOUNCE, "Atelier", admins=[ALICE], members=[THEO, ZOE, YANN, DAN, CARL])
    tg.add_group(TG_MODERATION, "Atelier modération", admins=[ALICE], members=[THEO])
    return World(app, tg_side, DiscordSide(dc, app, folder))


async def link_both(world: World, *, moderation: bool = True) -> None:
    """Olga sets the community up on Discord and links the Telegram announce group and (unless
    `moderation` is false) the Telegram moderators' chat to it, each with its own one-time code
    (shown to her only)."""
    olga, alice = world.dc.person(OLGA), world.tg.people["Alice"]
    said = await olga.types(
        "setup",
        announce_channel=DC_ANNOUNCE,
        moderation_channel=MODERATION,
        host_role=HOSTS,
        moderator_role=MODS,
    )
    answered(said, "Communauté « Atelier » créée")
    await alice.says("/start")
    chats = ((TG_ANNOUNCE, ""), (TG_MODERATION, " moderation"))
    for where, role in chats if moderation else chats[:1]:
        shown = answered(await olga.types("link"), "Ton code")
        code = CODE.search(shown)
        assert code is not None, shown
        linked = await alice.says(f"/link {code.group(1)}{role}", where=where)
        assert any("Relié à la communauté « Atelier »" in m["text"] for m in linked), linked
    await world.settle()
