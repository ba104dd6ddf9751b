"""The composition root: builds every part from the settings, starts them in order, stops them in reverse."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

from bot.adapters.shell.adapter import Shell, ShellPlatform
from bot.adapters.shell.seed import ensure_community, seed_demo
from bot.core.context import CoreConfig
from bot.core.dispatcher import Core
from bot.core.outbox import Outbox
from bot.core.usecases import load_all
from bot.scheduling import Alarm
from bot.settings import Settings
from bot.storage.database import SqlStore, open_store

log = logging.getLogger(__name__)


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
    _stopped: bool = field(default=False, repr=False)

    async def start(self) -> None:
        await self.alarm.start()

    async def stop(self) -> None:
        """In reverse order of start: the alarm clock, then the database."""
        if not self._stopped:
            self._stopped = True
            await self.alarm.stop()
            await self.store.close()


def core_config(settings: Settings) -> CoreConfig:
    return CoreConfig(
        language=settings.language,
        timezone=settings.timezone,
        reminders=tuple(settings.reminders),
        premoderation=settings.premoderation,
    )


async def build(
    settings: Settings, *, stdin: TextIO | None = None, out: TextIO | None = None
) -> App:
    """Opens the database (migrating it), then wires the core, the outbox and the shell."""
    load_all()
    store = await open_store(settings.database_url)
    clock = SystemClock()
    outbox = Outbox(store, clock, {})
    core = Core(store, clock, core_config(settings), outbox)
    outbox.on_auto_end = core.end_automatically
    app = App(settings, store, core, outbox, Alarm(outbox, store, clock))
    if settings.shell_only:
        platform = ShellPlatform(out or sys.stdout)
        outbox.add_platform(platform)
        app.shell = Shell(core, platform, stdin or sys.stdin, out or sys.stdout)
    return app


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
            log.error(
                "the Telegram and Discord adapters are not part of this version yet; unset the tokens to use the shell"
            )
            return 2
        app.shell.greet()  # first, before anything the alarm sends at start
        await app.start()
        await ensure_community(app.shell)
        if demo:
            await seed_demo(app.shell)
        await app.shell.run()
        return 0
    finally:
        await app.stop()
