"""Per-send phase timestamps and thread CPU of a bot process, for `bench/processes.py --trace`.

Loaded by Python at start when this folder is on PYTHONPATH (the bench puts it there for the
bots it starts): wraps the limiter's phases in place, so the bot's code carries no tracing.
Each send's moments (time.monotonic, the event loop's clock) go to `$SOLIDAIRE_TRACE/<pid>.json`
at exit, with each thread's CPU seconds (/proc/self/task/*/stat), and the process's CPU while
the sends ran (from the first send to the last).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import time
from pathlib import Path

FOLDER = os.environ.get("SOLIDAIRE_TRACE")
_sends: dict[int, dict[str, float]] = {}
_cpu: dict[str, float] = {}


def _threads() -> dict[str, float]:
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        out[f"{name}/{task.name}"] = seconds
    return out


def _mark(phase: str) -> None:
    task = asyncio.current_task()
    if task is not None:
        _sends.setdefault(id(task), {})[phase] = time.monotonic()


def _wrap(cls: type, name: str, before: str, after: str) -> None:
    original = getattr(cls, name)

    async def wrapped(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        _mark(before)
        try:
            return await original(self, *args, **kwargs)
        finally:
            _mark(after)

    setattr(cls, name, wrapped)


_passes: list[tuple[float, float, int]] = []  # the outbox's flushes: start, end, sends under way


def _install_outbox() -> None:
    from bot.core.delivery import outbox

    flush = outbox.Outbox.flush

    async def traced(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        started = time.monotonic()
        try:
            return await flush(self, *args, **kwargs)
        finally:
            _passes.append((started, time.monotonic(), len(self._tasks)))

    outbox.Outbox.flush = traced


def _install() -> None:
    _install_outbox()
    from bot.adapters import limits, shared_slots
    from bot.storage import send_window

    def gated(cls: type) -> None:
        original = cls._gated

        async def wrapped(self, dest, call):  # type: ignore[no-untyped-def]
            if not _cpu:
                _cpu["start"] = time.process_time()
                _cpu["start_wall"] = time.monotonic()
            _mark("gated")
            try:
                return await original(self, dest, call)
            finally:
                _mark("done")
                task = asyncio.current_task()
                if task is not None:
                    _done.append(_sends.pop(id(task), {}))
                _cpu["end"] = time.process_time()
                _cpu["end_wall"] = time.monotonic()

        cls._gated = wrapped

    gated(limits.RateLimitedPlatform)
    _wrap(limits.RateLimitedPlatform, "_acquire_global", "bucket", "global_done")
    _wrap(shared_slots.SharedGate, "take", "gate", "gate_done")
    _wrap(send_window.SharedWindow, "take", "db", "db_done")
    taking = send_window.SharedWindow.take
    if hasattr(send_window.SharedWindow, "take_many"):  # after issue 17's batching
        many = send_window.SharedWindow.take_many

        async def take_many(self, chats):  # type: ignore[no-untyped-def]
            _calls.append((time.monotonic(), len(chats)))
            return await many(self, chats)

        send_window.SharedWindow.take_many = take_many

    async def take(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        got = await taking(self, *args, **kwargs)
        task = asyncio.current_task()
        if task is not None and got[0] is not None:
            _sends.setdefault(id(task), {})["wait"] = got[1]
        return got

    send_window.SharedWindow.take = take
    _wrap(limits.RateLimitedPlatform, "_own_slot", "own", "own_done")


_done: list[dict[str, float]] = []
_calls: list[tuple[float, int]] = []  # take_many: when, for how many sends


def _dump() -> None:
    if FOLDER:
        out = {
            "sends": _done,
            "threads": _threads(),
            "cpu": _cpu,
            "calls": _calls,
            "passes": _passes,
        }
        Path(FOLDER, f"{os.getpid()}.json").write_text(json.dumps(out))


if FOLDER:
    import importlib.abc
    import sys

    class _After(importlib.abc.MetaPathFinder):
        """Installs the wrappers once bot.adapters.limits is imported (not before: the bot's
        own imports decide when)."""

        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name == "bot.adapters.limits":
                sys.meta_path.remove(self)
                spec = None
                for finder in sys.meta_path:
                    spec = finder.find_spec(name, path, target)
                    if spec is not None:
                        break
                if spec is not None and spec.loader is not None:
                    loader = spec.loader
                    exec_module = loader.exec_module

                    def run(module):  # type: ignore[no-untyped-def]
                        exec_module(module)
                        _install()

                    loader.exec_module = run  # type: ignore[method-assign]
                return spec
            return None

    sys.meta_path.insert(0, _After())
    atexit.register(_dump)
