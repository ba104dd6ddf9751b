"""Runtime settings: an optional TOML file, overridden by the environment.

Secrets (bot tokens, the webhook secret) come only from the environment. Every
problem is collected before one :class:`SettingsError` is raised.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.settings_file import ENV_OVERRIDES, read_file

DEFAULT_DATABASE_URL = "sqlite:///data/solidaire.sqlite3"
DEFAULT_WEBHOOK_LISTEN = ("0.0.0.0", 8443)
DEFAULT_WEB_LISTEN = ("127.0.0.1", 8080)
LANGUAGES = ("fr", "en")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
LOG_FORMATS = ("text", "json")  # json: one object a line, for a log collector

_REMINDER_RE = re.compile(r"\d+(m|h|d|j)", re.ASCII)
_SCHEME_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://")
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_\-]{1,256}", re.ASCII)


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: tuple[str, int] = DEFAULT_WEBHOOK_LISTEN


@dataclass(frozen=True)
class DiscordSettings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    gateway_url: str | None = None
    shards: bool = False  # use AutoShardedClient
    # Several processes on one bot: each runs some of the shards (AutoShardedClient then).
    # None: discord.py asks Discord for the count and runs them all.
    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None


@dataclass(frozen=True)
class WebSettings:
    """The bot's own web server; `listen` None: turned off. `public_url` None: links are built
    from the listen address in the shell, and not sent at all with tokens."""

    listen: tuple[str, int] | None = DEFAULT_WEB_LISTEN
    public_url: str | None = None


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # This process's name in the claims it holds (storage/lease.py); None: the host's name.
    # Processes running at once on one database need different names.
    process_name: str | None = None
    # How long a claim (a send, an inbox update) stays this process's without a renewal: a
    # process that died has its work taken over this long after (renewed every third of it).
    # Shorter: a faster takeover, and a stalled process's work sooner doubled by another.
    lease_seconds: int = 30
    # PostgreSQL: how long a statement, or a new connection, may wait for the server before
    # the unit fails as "database unavailable" (a partition that sends no reset would else
    # hang it until the OS gives up). A unit against a silent server fails within about
    # twice this (its statement, then its rollback). Longer than any statement the bot runs.
    database_timeout: int = 5
    language: str = "fr"
    timezone: str = "Europe/Paris"
    reminders: tuple[str, ...] = ("24h", "15m")
    premoderation: bool = True
    log_level: str = "INFO"
    log_format: str = "text"
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    web: WebSettings = field(default_factory=WebSettings)

    @property
    def shell_only(self) -> bool:
        """True when no platform token is configured (local shell mode)."""
        return self.telegram.token is None and self.discord.token is None


class SettingsError(Exception):
    """Invalid configuration; ``problems`` lists every issue found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(self.problems)

    def __str__(self) -> str:
        count = len(self.problems)
        header = f"invalid configuration ({count} problem{'s' if count != 1 else ''}):"
        return "\n".join([header, *(f"  - {p}" for p in self.problems)])


def _check_url(value: str, where: str, schemes: tuple[str, ...], problems: list[str]) -> None:
    try:
        parts = urlsplit(value)
        ok = parts.scheme.lower() in schemes and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        wanted = " or ".join(f"{s}://" for s in schemes)
        problems.append(f"{where}: must be a {wanted} URL with a host, got {value!r}")


def _parse_listen(value: str, where: str, problems: list[str], lowest: int = 1) -> tuple[str, int]:
    host, sep, port_text = value.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if sep and host and port_text.isascii() and port_text.isdigit():
        port = int(port_text)
        if lowest <= port <= 65535:
            return host, port
    problems.append(
        f"{where}: expected 'host:port' with a port from {lowest} to 65535, got {value!r}"
    )
    return DEFAULT_WEBHOOK_LISTEN


def _seconds(
    get: Callable[[str, str, object], tuple[object, str]],
    key: tuple[str, str],
    default: int,
    most: int,
    problems: list[str],
) -> int:
    """A whole number of seconds from 1 to `most`; the default, with a problem said, if not."""
    value, where = get(*key, default)
    said = str(value).strip()
    if not said.isascii() or not said.isdigit() or not 1 <= int(said) <= most:
        problems.append(f"{where}: a whole number of seconds from 1 to {most}, got {value!r}")
        return default
    return int(said)


def _web_settings(
    listen: object, listen_where: str, public: str | None, problems: list[str]
) -> WebSettings:
    """`off` turns the server off, port 0 takes any free port; a public URL is an http(s)
    base without query or fragment (paths are added to it)."""
    address: tuple[str, int] | None = DEFAULT_WEB_LISTEN
    if isinstance(listen, str) and listen.strip().lower() == "off":
        address = None
    elif listen is not None:
        found: list[str] = []
        address = _parse_listen(str(listen), listen_where, found, lowest=0)
        problems.extend(f"{p}; or 'off' to turn the web server off" for p in found)
    if public is not None and ("?" in public or "#" in public):
        problems.append(f"public URL: no query or fragment, got {public!r}")
    return WebSettings(address, public.rstrip("/") if public else None)


def _check_database_url(value: str, where: str, problems: list[str]) -> str:
    scheme = value.partition("://")[0].lower() if "://" in value else ""
    if not _SCHEME_RE.match(value):
        problems.append(f"{where}: expected a database URL such as {DEFAULT_DATABASE_URL!r}")
    elif scheme.startswith("sqlite") and scheme not in ("sqlite", "sqlite+aiosqlite"):
        # sqlite:// runs units whole in one database thread (the fast default);
        # sqlite+aiosqlite:// runs them on the event loop through the async driver.
        problems.append(f"{where}: SQLite URLs are sqlite:// or sqlite+aiosqlite://")
    elif scheme in ("postgresql", "postgres"):
        # Managed databases hand out postgres:// URLs; asyncpg is the driver shipped.
        return "postgresql+asyncpg://" + value.partition("://")[2]
    elif scheme.startswith("postgres") and scheme != "postgresql+asyncpg":
        problems.append(f"{where}: PostgreSQL URLs are postgresql+asyncpg://user:password@host/db")
    elif not scheme.startswith(("sqlite", "postgresql")):
        problems.append(
            f"{where}: the database is SQLite (sqlite:///file) or PostgreSQL"
            f" (postgresql+asyncpg://user:password@host/db), got {scheme}://"
        )
    return value


def _shard_settings(
    count: tuple[object, str], ids: tuple[object, str], problems: list[str]
) -> dict[str, Any]:
    """`shard_count` and `shard_ids` from the file (an integer, an array of integers) or the
    environment ("4", "0,1"); ids need the count, and each is below it."""
    found: dict[str, Any] = {}
    value, where = count
    if value is not None:
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            problems.append(f"{where}: expected a whole number of shards (1 or more), got {text!r}")
        else:
            found["shard_count"] = int(text)
    value, where = ids
    if value is not None:
        parts = value if isinstance(value, list) else str(value).split(",")
        texts = [str(part).strip() for part in parts]
        if not texts or not all(t.isdigit() for t in texts):
            problems.append(f"{where}: expected shard numbers such as 0,1, got {value!r}")
        elif "shard_count" not in found:
            problems.append(f"{where}: needs shard_count (DISCORD_SHARD_COUNT), the total")
        elif any(int(t) >= found["shard_count"] for t in texts):
            problems.append(f"{where}: shard numbers run from 0 to shard_count - 1")
        else:
            found["shard_ids"] = tuple(sorted({int(t) for t in texts}))
    return found


def load_settings(config_path: str | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Build settings from the TOML file (if any) and the environment (which wins)."""
    environ: Mapping[str, str] = os.environ if env is None else env

    def getenv(name: str) -> str | None:
        return environ.get(name) or None  # empty values count as unset

    problems: list[str] = []
    path = config_path or getenv("SOLIDAIRE_CONFIG")
    raw = read_file(path, problems) if path else {}

    def get(section: str, key: str, default: object = None) -> tuple[object, str]:
        """Effective value and where it came from; the environment wins over the file."""
        var = ENV_OVERRIDES.get((section, key))
        if var is not None and (env_value := getenv(var)) is not None:
            return env_value, var
        return raw.get((section, key), default), f"[{section}] {key}"

    def url(section: str, key: str, schemes: tuple[str, ...]) -> tuple[str | None, str]:
        value, where = get(section, key)
        if value is not None:
            _check_url(str(value), where, schemes, problems)
        return (None if value is None else str(value)), where

    d = Settings()
    value, where = get("community", "language", d.language)
    language = str(value).lower()
    if language not in LANGUAGES:
        problems.append(f"{where}: language must be one of {', '.join(LANGUAGES)}, got {value!r}")
    value, where = get("community", "timezone", d.timezone)
    timezone = str(value)
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"{where}: unknown IANA time zone {timezone!r} (e.g. 'Europe/Paris')")
    value, where = get("community", "reminders", list(d.reminders))
    reminders = tuple(str(r) for r in value) if isinstance(value, list) else d.reminders
    for bad in (r for r in reminders if not _REMINDER_RE.fullmatch(r)):
        problems.append(f"{where}: bad reminder {bad!r} (expected e.g. '15m', '24h', '2d', '2j')")
    value, where = get("logging", "level", d.log_level)
    log_level = str(value).upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"{where}: log level must be one of {', '.join(LOG_LEVELS)}, got {value!r}")
    value, where = get("logging", "format", d.log_format)
    log_format = str(value).lower()
    if log_format not in LOG_FORMATS:
        problems.append(
            f"{where}: log format must be one of {', '.join(LOG_FORMATS)}, got {value!r}"
        )
    value, where = get("database", "url", d.database_url)
    database_url = _check_database_url(str(value), where, problems)

    telegram_token = getenv("TELEGRAM_TOKEN")
    webhook_url, where = url("telegram", "webhook_url", ("https",))
    if webhook_url is not None and telegram_token is None:
        problems.append(f"{where}: a webhook URL is set but TELEGRAM_TOKEN is not")
    webhook_secret = getenv("TELEGRAM_WEBHOOK_SECRET")
    if webhook_secret is not None and not _WEBHOOK_SECRET_RE.fullmatch(webhook_secret):
        problems.append("TELEGRAM_WEBHOOK_SECRET: use 1 to 256 characters among A-Z a-z 0-9 _ -")
    value, where = get("telegram", "webhook_listen")
    listen = DEFAULT_WEBHOOK_LISTEN if value is None else _parse_listen(str(value), where, problems)
    telegram = TelegramSettings(
        token=telegram_token,
        api_base_url=url("telegram", "api_base_url", ("http", "https"))[0],
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        webhook_listen=listen,
    )
    discord = DiscordSettings(
        token=getenv("DISCORD_TOKEN"),
        api_base_url=url("discord", "api_base_url", ("http", "https"))[0],
        gateway_url=url("discord", "gateway_url", ("ws", "wss"))[0],
        shards=get("discord", "shards", False)[0] is True,
        **_shard_settings(get("discord", "shard_count"), get("discord", "shard_ids"), problems),
    )
    listen_value, listen_where = get("web", "listen")
    web = _web_settings(
        listen_value, listen_where, url("web", "public_url", ("http", "https"))[0], problems
    )
    if webhook_url is not None and web.listen is not None and web.listen == listen:
        # The webhook keeps its own server: two servers cannot bind one address.
        problems.append(
            f"{listen_where}: the web server and the Telegram webhook both listen on "
            f"{listen[0]}:{listen[1]}; give them different ports (TELEGRAM_WEBHOOK_LISTEN)"
        )
    process_name = get("process", "name")[0]
    if process_name is not None and not 0 < len(str(process_name).strip()) <= 64:
        problems.append(f"{get('process', 'name')[1]}: a name of 1 to 64 characters")
    lease_seconds = _seconds(get, ("process", "lease_seconds"), d.lease_seconds, 3600, problems)
    timeout = _seconds(get, ("database", "timeout_seconds"), d.database_timeout, 600, problems)
    if problems:
        raise SettingsError(problems)
    return Settings(
        database_url=database_url,
        process_name=str(process_name).strip() if process_name is not None else None,
        lease_seconds=lease_seconds,
        database_timeout=timeout,
        language=language,
        timezone=timezone,
        reminders=reminders,
        premoderation=get("community", "premoderation", d.premoderation)[0] is True,
        log_level=log_level,
        log_format=log_format,
        telegram=telegram,
        discord=discord,
        web=web,
    )
