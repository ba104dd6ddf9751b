"""The composition root: builds every part from the settings, starts them in order, stops them in reverse."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol, TextIO

from bot.adapters.capabilities import DECLARED
from bot.adapters.limits import DISCORD, TELEGRAM, LimitProfile
from bot.adapters.shell.adapter import Shell, ShellPlatform
from bot.adapters.shell.seed import ensure_community, seed_demo
from bot.core.context import CoreConfig
from bot.core.delivery.outbox import Outbox
from bot.core.dispatcher import Core
from bot.core.ports import ChangeFeed
from bot.core.usecases import load_all
from bot.scheduling import Alarm
from bot.settings import Settings
from bot.storage.database import DatabaseUnavailable, SqlStore, open_store, sqlite_file
from bot.storage.lease import Lease, default_holder
from bot.storage.notify import change_feed

if TYPE_CHECKING:
    from bot.adapters.web.ops import Adapter, Operations
    from bot.adapters.web.server import WebServer

log = logging.getLogger(__name__)


class Service(Protocol):
    """A platform adapter's life: started after the core, stopped before it."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class App:
    settings: Settings
    store: SqlStore
    core: Core
    outbox: Outbox
    alarm: Alarm
    shell: Shell | None = None
    services: list[Service] = field(default_factory=list)
    web: WebServer | None = None  # the bot's web server (the live console), unless turned off
    operations: Operations | None = None  # its /healthz and /metrics
    # Changes told between processes on one PostgreSQL; None on SQLite (one process).
    changes: ChangeFeed | None = None
    _stopped: bool = field(default=False, repr=False)
    _started: list[Service] = field(default_factory=list, repr=False)

    async def start(self) -> None:
        # What is built so far (libraries, catalogs) lives as long as the process: out of the
        # collector's sight, whose full passes otherwise stall the loop for ~70 ms.
        gc.freeze()
        if self.changes is not None:  # before the web server: its pages hear every change
            await self.changes.start(self.core.changed)
        await self.alarm.start()
        if self.web is not None:
            # Before the platforms: a port already taken stops the start before any connects.
            await self.web.start()
            if self.core.config.public_url is None and self.settings.shell_only:
                # The shell's links point at the server itself, whichever port it took.
                self.core.config = replace(self.core.config, public_url=self.web.url)
                self.outbox.public_url = self.web.url
        for service in self.services:
            await service.start()
            self._started.append(service)

    async def stop(self) -> None:
        """The alarm clock first (a send under way finishes while the platforms are still up),
        then the adapters in reverse order, then the database."""
        if not self._stopped:
            self._stopped = True
            await self.alarm.stop()
            for service in reversed(self._started):
                try:
                    await service.stop()
                except Exception:
                    log.exception("stopping %s failed", type(service).__name__)
            if self.web is not None:
                await self.web.stop()
            if self.changes is not None:  # stops listening
                await self.changes.stop()
            await self.store.close()


def core_config(settings: Settings, *, script: bool = False) -> CoreConfig:
    """`script`: the shell reads a file or a pipe, not a person at a terminal; its personas
    are then trusted with flood limits (a tour sends ten commands in a second)."""
    return CoreConfig(
        language=settings.language,
        timezone=settings.timezone,
        reminders=tuple(settings.reminders),
        premoderation=settings.premoderation,
        flood_limits=not script,
        capabilities=DECLARED,
        web=settings.web.listen is not None,
        public_url=settings.web.public_url,
    )


async def build(
    settings: Settings,
    *,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    telegram_limits: LimitProfile = TELEGRAM,
    discord_limits: LimitProfile = DISCORD,
    lease: timedelta | None = None,
) -> App:
    """Opens the database (migrating it), then wires the core, the outbox and the shell.

    `lease`: how long this process's claims (sends, Telegram updates) last unrenewed, hence
    how soon another process takes over those of a process that died (default: the settings'
    `lease_seconds`); the keepers renew them at a third of it, so one late renewal loses nothing
    (storage/lease.py)."""
    load_all()
    if lease is None:
        lease = timedelta(seconds=settings.lease_seconds)
    keep = lease.total_seconds() / 3
    lease_of = Lease(default_holder(settings.process_name), lease)
    store = await _open(settings.database_url, lease_of, settings.database_timeout)
    clock = SystemClock()
    outbox = Outbox(store, clock, {}, capabilities=DECLARED)  # each platform's, by its name
    shell_in = stdin or sys.stdin
    script = settings.shell_only and not shell_in.isatty()
    core = Core(store, clock, core_config(settings, script=script), outbox)
    outbox.on_auto_end = core.end_automatically
    if settings.web.listen is not None:
        outbox.public_url = settings.web.public_url
    app = App(settings, store, core, outbox, Alarm(outbox, store, clock, keep_leases=keep))
    app.changes = change_feed(store)  # its units then tell the other processes what they change
    if settings.web.listen is not None:
        from bot.adapters.web.calendars import Calendars
        from bot.adapters.web.console import Console  # aiohttp only when the server runs
        from bot.adapters.web.server import WebServer

        app.web = WebServer(settings.web.listen, fallback=settings.shell_only)
        Console(core, app.web)
        calendars = Calendars(core, app.web)
    if settings.shell_only:
        platform = ShellPlatform(out or sys.stdout)
        outbox.add_platform(platform)
        app.shell = Shell(core, platform, shell_in, out or sys.stdout)
    adapters: dict[str, Adapter] = {}
    if settings.telegram.token:
        outbox.inline = False
        from bot.adapters.telegram.service import TelegramService  # only with a token

        telegram = TelegramService(
            settings.telegram, core, outbox, limits=telegram_limits, keep_leases=keep
        )
        adapters["telegram"] = telegram
        if app.web is not None:  # the public pages' one-tap links name the bot
            calendars.telegram_bot = lambda: telegram.answers.username if telegram.answers else None
    if settings.discord.token:
        outbox.inline = False
        from bot.adapters.discord.service import DiscordService  # only with a token

        adapters["discord"] = DiscordService(settings.discord, core, outbox, limits=discord_limits)
    app.services.extend(adapters.values())
    if app.web is not None:
        from bot.adapters.web.ops import Operations  # prometheus-client only when it serves

        app.operations = Operations(app.web, store, core, outbox, adapters)
    return app


async def _open(url: str, lease: Lease, wait: float) -> SqlStore:
    """The store, or one clear message for the operator: a wrong or unreachable database is
    theirs to fix, not a crash to read a traceback of."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.adapters.web.server import StartError

    try:
        return await open_store(url, lease, wait)
    except DatabaseUnavailable as error:
        raise StartError(
            f"{error}; check SOLIDAIRE_DATABASE_URL (or [database] url), and that the database"
            " server is running"
        ) from None
    except (SQLAlchemyError, OSError, ImportError, TimeoutError) as error:
        try:
            shown = make_url(url).render_as_string(hide_password=True)
        except SQLAlchemyError:
            shown = "(unreadable URL)"
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise StartError(
            f"cannot open the database {shown}: {reason}; check SOLIDAIRE_DATABASE_URL (or"
            " [database] url), and that the database server is running"
        ) from None


async def run(
    settings: Settings,
    *,
    demo: bool = False,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
) -> int:
    """Runs until the input ends (shell); returns the exit status."""
    app = await build(settings, stdin=stdin, out=out)
    try:
        if app.shell is None:
            # The signals are caught before the adapters start: a stop asked for while they
            # connect still stops everything in order.
            stop = _stop_on_signals()
            await app.start()
            await stop.wait()
            return 0
        app.shell.greet()  # first, before anything the alarm sends at start
        await app.start()
        if app.web is not None and app.web.moved:
            app.shell.say("web.shell_moved", asked=app.web.asked_port, url=app.web.url)
        await ensure_community(app.shell)
        if demo:
            await seed_demo(app.shell, sqlite_file(settings.database_url))
        await app.shell.run()
        return 0
    finally:
        await app.stop()


def _stop_on_signals() -> asyncio.Event:
    """SIGINT or SIGTERM (a container stop) sets the event; `run` then stops everything."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    return stop
