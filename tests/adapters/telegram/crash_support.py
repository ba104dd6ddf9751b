"""The bot as a real process (`python -m bot`) against the fake Telegram server, and what a
crash test reads of it: its log, and the SQLite file through the standard library only."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[3]
# Settings a developer's shell may hold that would change how the bot starts.
_UNSET = (
    "SOLIDAIRE_CONFIG",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_WEBHOOK_LISTEN",
    "DISCORD_TOKEN",
)


def bot_env(**settings: str) -> dict[str, str]:
    """This process's environment less what would change how the bot starts, plus `settings`;
    the fakes on 127.0.0.1 reached directly, output never held in a buffer."""
    env = {k: v for k, v in os.environ.items() if k not in _UNSET}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", PYTHONUNBUFFERED="1")
    env.update(settings)
    return env


def spawn(
    name: str, folder: Path, env: dict[str, str], module: str = "bot"
) -> subprocess.Popen[bytes]:
    """`python -m <module>` with its stdout and stderr in `folder/<name>.log` (a pipe nobody
    reads would fill up and block it)."""
    with (folder / f"{name}.log").open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@dataclass
class BotProcess:
    """One run of `python -m bot`; its stdout and stderr go to a file (a pipe nobody reads
    would fill up and block the bot)."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, name: str, fake: FakeTelegram, db: Path, folder: Path) -> BotProcess:
        env = bot_env(
            TELEGRAM_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            SOLIDAIRE_DATABASE_URL=f"sqlite:///{db}",
            SOLIDAIRE_WEB_LISTEN="127.0.0.1:0",  # any free port: tests never fight over one
        )
        return cls(name, spawn(name, folder, env), folder / f"{name}.log")

    @property
    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def problems(self) -> list[str]:
        """Lines logged at ERROR or above, and tracebacks."""
        return [
            line
            for line in self.output().splitlines()
            if " ERROR " in line or " CRITICAL " in line or "Traceback" in line
        ]

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or closed."""
        if self.alive:
            self.popen.send_signal(signal.SIGKILL)
        await self.wait(10)

    async def terminate(self, timeout: float = 20) -> int | None:  # noqa: ASYNC109
        """SIGTERM, as a container stop; the exit status, or None if it did not end in time."""
        if self.alive:
            self.popen.send_signal(signal.SIGTERM)
        return await self.wait(timeout)

    async def wait(self, timeout: float) -> int | None:  # noqa: ASYNC109
        """Waits without blocking the event loop: the fake server runs on it."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.alive or time.monotonic() >= deadline:
                return self.popen.poll()
            await asyncio.sleep(0.02)

    def reap(self) -> None:
        """For a `finally`: whatever happened, no bot is left running."""
        if self.alive:
            self.popen.kill()
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - a zombie we cannot help
            pass


def report(*bots: BotProcess) -> str:
    """Both runs' output, for a failure message."""
    return "\n".join(f"----- {b.name} (exit {b.popen.poll()}) -----\n{b.output()}" for b in bots)


async def until(
    predicate: Callable[[], bool],
    *,
    timeout: float,  # noqa: ASYNC109
    what: str,
    bot: BotProcess | None = None,
    bots: tuple[BotProcess, ...] = (),
    interval: float = 0.02,
) -> None:
    """Polls `predicate` on the event loop; fails with `what` (and the bots' output) when time
    runs out or when a bot died meanwhile."""
    watched = bots if bot is None else (bot, *bots)
    deadline = time.monotonic() + timeout
    while not predicate():
        if any(not b.alive for b in watched):
            who = "the bot" if len(watched) == 1 else "a bot"
            raise AssertionError(f"{who} ended while waiting for {what}\n{report(*watched)}")
        if time.monotonic() > deadline:
            extra = f"\n{report(*watched)}" if watched else ""
            raise AssertionError(f"still waiting for {what} after {timeout} s{extra}")
        await asyncio.sleep(interval)


class Db:
    """Read-only looks at the bot's SQLite file while the bot may be writing to it (WAL)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        if not self.path.exists():
            return []
        conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        try:
            return list(conn.execute(sql, params))
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # the bot has not migrated the file yet
                return []
            raise
        finally:
            conn.close()

    def unhandled(self) -> int:
        rows = self.rows("SELECT count(*) FROM inbox WHERE handled_at IS NULL")
        return int(rows[0][0]) if rows else 0
