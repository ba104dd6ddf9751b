"""`solidaire doctor`: what stands between this installation and a working bot, in the operator's
language, with what to do about each problem. Exits non-zero when anything must be fixed.

It checks the settings (already read: a bad file never gets this far, see `bot.__main__`), opens
the database without migrating it (the revision it is at), asks each platform who its token is
(Telegram's getMe, Discord's /users/@me), and, in every space a community linked, whether the bot
may do there what it needs to (Telegram: an admin of the announce group; Discord: the permissions
`/setup` asks for, computed from the server's roles and the channel's overwrites).

Nothing is changed anywhere: no migration, no message, no command menu set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import aiohttp
from sqlalchemy.engine import make_url

from bot.core.messages import Param, Text
from bot.i18n.catalog import render
from bot.logs import secrets_of
from bot.settings import Settings, SettingsError
from bot.storage.database import sqlite_file
from bot.storage.health import Inspection, LinkedSpace, inspect

TIMEOUT = aiohttp.ClientTimeout(total=15)
TELEGRAM_OFFICIAL = "https://api.telegram.org/bot"
ADMIN = ("administrator", "creator")
PRESENT = (*ADMIN, "member", "restricted")


@dataclass
class Doctor:
    settings: Settings
    locale: str
    out: TextIO
    config_path: str | None = None
    problems: int = 0
    _secrets: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._secrets = secrets_of(self.settings)

    def t(self, key: str, **params: Param) -> str:
        return render(Text(self.locale, key, params))

    def _line(self, mark: str, line: str) -> None:
        for secret in self._secrets:  # a driver's or a library's message may quote a URL
            line = line.replace(secret, "***")
        print(f"{mark} {line}", file=self.out)

    def ok(self, key: str, **params: Param) -> None:
        self._line("✔", self.t(key, **params))

    def bad(self, key: str, fix: str, **params: Param) -> None:
        self.problems += 1
        self._line("✘", self.t(key, **params))
        self._line(" ", "  " + self.t("doctor.fix", fix=self.t(fix, **params)))

    async def run(self) -> int:
        print(self.t("doctor.title"), file=self.out)
        if self.config_path:
            self.ok("doctor.settings.file", path=self.config_path)
        else:
            self.ok("doctor.settings.env")
        found = await self.database()
        spaces = found.spaces if found is not None else []
        async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
            telegram = await self.telegram_me(session)
            discord_me = await self.discord_me(session)
            if found is not None and found.revision is not None and not spaces:
                self.ok("doctor.spaces.none")
            for space in spaces:
                if space.platform == "telegram" and telegram is not None:
                    await self.telegram_space(session, telegram, space)
            if discord_me is not None:
                await self.discord_spaces(session, discord_me, spaces)
        key = "doctor.summary.bad" if self.problems else "doctor.summary.ok"
        print(self.t(key, count=self.problems), file=self.out)
        return 1 if self.problems else 0

    async def database(self) -> Inspection | None:
        url = self.settings.database_url
        shown = make_url(url).render_as_string(hide_password=True)
        file = sqlite_file(url)
        if file is not None and not _exists(file):
            self.ok("doctor.database.new", url=shown)
            return None
        try:
            found = await asyncio.wait_for(inspect(url), 20)
        except Exception as error:  # any driver's failure, said in words
            self.bad(
                "doctor.database.down", "doctor.database.down_fix", url=shown, reason=_why(error)
            )
            return None
        head = ", ".join(found.heads)
        if found.revision is None:
            self.ok("doctor.database.new", url=shown)
        elif found.revision in found.heads:
            self.ok("doctor.database.ok", url=shown, revision=found.revision)
        elif found.revision < max(found.heads):  # revisions are numbered 0001, 0002...
            self.ok("doctor.database.behind", url=shown, revision=found.revision, head=head)
        else:
            self.bad(
                "doctor.database.ahead",
                "doctor.database.ahead_fix",
                url=shown,
                revision=found.revision,
            )
        return found

    async def telegram_me(self, session: aiohttp.ClientSession) -> _TelegramBot | None:
        token = self.settings.telegram.token
        base = self.settings.telegram.api_base_url or TELEGRAM_OFFICIAL
        if token is None:
            self.ok("doctor.platform.none", platform="Telegram", variable="TELEGRAM_TOKEN")
            return None
        api = _TelegramBot(session, base, token, "")
        try:
            me = await api.call("getMe")
        except _TelegramRefused as refused:
            self.bad(
                "doctor.platform.refused",
                "doctor.telegram.refused_fix",
                platform="Telegram",
                reason=str(refused),
            )
            return None
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            where = base.removesuffix("/bot")
            self.bad(
                "doctor.platform.down",
                "doctor.platform.down_fix",
                platform="Telegram",
                url=where,
                reason=_why(error),
                variable="TELEGRAM_API_BASE_URL",
            )
            return None
        api.bot_id = str(me["id"])
        self.ok("doctor.platform.ok", platform="Telegram", name=f"@{me.get('username', '?')}")
        return api

    async def telegram_space(
        self, session: aiohttp.ClientSession, api: _TelegramBot, space: LinkedSpace
    ) -> None:
        role = self.t(f"doctor.role.{space.role}")
        where: dict[str, Param] = {"title": space.title, "role": role}
        try:
            member = await api.call("getChatMember", chat_id=space.external_id, user_id=api.bot_id)
        except (_TelegramRefused, aiohttp.ClientError, TimeoutError, OSError) as error:
            self.bad(
                "doctor.space.unknown",
                "doctor.space.unknown_fix",
                platform="Telegram",
                title=space.title,
                reason=_why(error),
            )
            return
        status = str(member.get("status"))
        if status not in PRESENT:
            self.bad("doctor.telegram.absent", "doctor.telegram.absent_fix", status=status, **where)
        elif space.role == "announce" and (
            status not in ADMIN or member.get("can_delete_messages") is False
        ):
            self.bad(
                "doctor.telegram.not_admin", "doctor.telegram.not_admin_fix", status=status, **where
            )
        else:
            self.ok(
                "doctor.telegram.admin" if status in ADMIN else "doctor.telegram.member", **where
            )

    async def discord_me(self, session: aiohttp.ClientSession) -> tuple[Any, str] | None:
        token = self.settings.discord.token
        if token is None:
            self.ok("doctor.platform.none", platform="Discord", variable="DISCORD_TOKEN")
            return None
        from bot.tools.discord_check import OFFICIAL, DiscordApi, Refused  # discord.py: only now

        base = self.settings.discord.api_base_url or OFFICIAL
        api = DiscordApi(session, token, base)
        try:
            me = await api.get("/users/@me")
        except Refused as refused:
            self.bad(
                "doctor.platform.refused",
                "doctor.discord.refused_fix",
                platform="Discord",
                reason=str(refused),
            )
            return None
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as error:
            self.bad(
                "doctor.platform.down",
                "doctor.platform.down_fix",
                platform="Discord",
                url=base,
                reason=_why(error),
                variable="DISCORD_API_BASE_URL",
            )
            return None
        self.ok("doctor.platform.ok", platform="Discord", name=str(me.get("username", "?")))
        return api, str(me["id"])

    async def discord_spaces(
        self, session: aiohttp.ClientSession, me: tuple[Any, str], spaces: list[LinkedSpace]
    ) -> None:
        from bot.adapters.discord.roles import render_permission
        from bot.tools.discord_check import Refused, check_guild, names_of

        api, bot_id = me
        for space in (s for s in spaces if s.platform == "discord"):
            channels = [
                (channel, role)
                for channel, role in (
                    (space.announce_channel, "announce"),
                    (space.moderation_channel, "moderation"),
                )
                if channel
            ]
            try:
                checks = await check_guild(api, bot_id, space.external_id, channels)
            except (Refused, aiohttp.ClientError, TimeoutError, OSError) as error:
                self.bad(
                    "doctor.space.unknown",
                    "doctor.space.unknown_fix",
                    platform="Discord",
                    title=space.title,
                    reason=_why(error),
                )
                continue
            if checks is None:
                self.bad(
                    "doctor.discord.not_in_guild",
                    "doctor.discord.not_in_guild_fix",
                    title=space.title,
                )
                continue
            for check in checks:
                where: dict[str, Param] = {
                    "title": space.title,
                    "channel": check.channel_name,
                    "needed": str(check.needed),
                    "have": str(check.have),
                }
                if check.missing:
                    lacking = ", ".join(
                        render_permission(self.locale, n) for n in names_of(check.missing)
                    )
                    self.bad(
                        "doctor.discord.missing",
                        "doctor.discord.missing_fix",
                        permissions=lacking,
                        **where,
                    )
                else:
                    self.ok("doctor.discord.channel_ok", **where)


class _TelegramRefused(Exception):
    """The Bot API answered `ok: false` (a refused token is 401 or 404)."""


@dataclass
class _TelegramBot:
    session: aiohttp.ClientSession
    base: str
    token: str
    bot_id: str

    async def call(self, method: str, **params: str) -> Mapping[str, Any]:
        url = f"{self.base}{self.token}/{method}"
        async with self.session.post(url, json=params or None) as got:
            body = await got.json(content_type=None)
        if not isinstance(body, dict) or not body.get("ok"):
            code = body.get("error_code", "?") if isinstance(body, dict) else "?"
            described = body.get("description", "") if isinstance(body, dict) else ""
            raise _TelegramRefused(f"{code} {described}".strip())
        result = body["result"]
        assert isinstance(result, dict), result
        return result


def _exists(file: str) -> bool:
    return Path(file).expanduser().exists()


def _why(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


async def run_doctor(settings: Settings, locale: str, out: TextIO, config_path: str | None) -> int:
    return await Doctor(settings, locale, out, config_path).run()


def report_bad_settings(bad: SettingsError, locale: str, out: TextIO) -> int:
    """The settings could not be read: the other checks need them, so this is the report."""
    print(render(Text(locale, "doctor.title")), file=out)
    print(
        "✘ " + render(Text(locale, "doctor.settings.bad", {"count": len(bad.problems)})), file=out
    )
    for problem in bad.problems:
        print(f"    - {problem}", file=out)
    fix = render(Text(locale, "doctor.settings.bad_fix"))
    print("  " + render(Text(locale, "doctor.fix", {"fix": fix})), file=out)
    return 2
