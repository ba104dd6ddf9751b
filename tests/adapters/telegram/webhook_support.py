"""Webhook workers as processes of their own (`webhook_worker.py`) and the waits a test on them
needs: each wait fails at once, with the workers' logs, when a worker logged an error."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from tests.adapters.telegram.crash_support import spawn
from tests.fakes.telegram_api import FakeTelegram

WAIT = 30.0  # the longest one step may take on a loaded machine


@dataclass
class Worker:
    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def errors(self) -> list[str]:
        return [line for line in self.output().splitlines() if " ERROR " in line]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_worker(
    name: str,
    database: str,
    fake: FakeTelegram,
    hook: str,
    folder: Path,
    *,
    secret: str,
    lease: float,
) -> Worker:
    """`python -m tests.adapters.telegram.webhook_worker`, listening on a free port, its
    webhook `hook` (the proxy's URL) with `secret`, its leases `lease` seconds long."""
    port = free_port()
    given = {
        "database_url": database,
        "name": name,
        "token": fake.token,
        "api_base_url": fake.base_url,
        "webhook_url": hook,
        "secret": secret,
        "port": port,
        "lease": lease,
    }
    env = {**os.environ, "WEBHOOK_WORKER": json.dumps(given), "PYTHONUNBUFFERED": "1"}
    popen = spawn(name, folder, env, module="tests.adapters.telegram.webhook_worker")
    return Worker(name, port, popen, folder / f"{name}.log")


async def until(predicate: Callable[[], bool], what: str, *workers: Worker) -> None:
    """Waits for `predicate`; fails at once if a worker logged an error (a worker that cannot
    store an update answers 500 and Telegram would retry it for ever)."""
    deadline = time.monotonic() + WAIT
    while not predicate():
        _no_errors(what, workers)
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {WAIT} s\n{_logs(workers)}")
        await asyncio.sleep(0.02)


async def until_async(check: Callable[[], Awaitable[bool]], what: str, *workers: Worker) -> None:
    deadline = time.monotonic() + WAIT
    while not await check():
        _no_errors(what, workers)
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {WAIT} s\n{_logs(workers)}")
        await asyncio.sleep(0.05)


def _no_errors(what: str, workers: tuple[Worker, ...]) -> None:
    if any(w.errors() for w in workers):
        raise AssertionError(f"a worker logged an error while waiting for {what}\n{_logs(workers)}")


def _logs(workers: tuple[Worker, ...]) -> str:
    return "\n".join(f"----- {w.name}\n{w.output()[-3000:]}" for w in workers)


async def stop_cleanly(*workers: Worker) -> None:
    """Each worker asked to stop (SIGTERM), as a service manager does: it exits 0, no error."""
    for worker in workers:
        worker.popen.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.popen.wait, 20) == 0
        assert worker.errors() == [], worker.output()[-3000:]


def kill_left(workers: list[Worker]) -> None:
    """A failed test's workers still running: killed, so none outlives it."""
    for worker in workers:
        if worker.popen.poll() is None:
            worker.popen.kill()
            worker.popen.wait(10)
