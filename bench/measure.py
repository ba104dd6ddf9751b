"""What every benchmark measures the same way: the event loop's longest stall, percentiles."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path


class Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class StallMonitor:
    """Wakes every 5 ms and records how late it woke: the longest event-loop stall."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _watch(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            self.worst = max(self.worst, time.perf_counter() - before - 0.005)

    def __enter__(self) -> StallMonitor:
        self._task = asyncio.get_running_loop().create_task(self._watch())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


def thread_cpu() -> dict[str, float]:
    """CPU seconds used so far by each thread of this process, by thread name (Linux). CPU, not
    wall-clock: on a machine shared with other tenants it compares runs of different hours."""
    tick = os.sysconf("SC_CLK_TCK")
    names = {t.native_id: t.name for t in threading.enumerate()}
    names[threading.main_thread().native_id] = "event loop"
    used: dict[str, float] = defaultdict(float)
    for task in Path("/proc/self/task").iterdir():
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        name = names.get(int(task.name), "other").rstrip("0123456789_")
        used[name] += (int(fields[11]) + int(fields[12])) / tick
    return dict(used)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0.5, 0.99) of the values, within their range: the default "exclusive"
    method extrapolates past the largest value on small samples (a p99 above the max)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def rate(times: list[float]) -> float:
    """Events per second between the first and the last of these times (0 for fewer than 2)."""
    return (
        (len(times) - 1) / (times[-1] - times[0])
        if len(times) > 1 and times[-1] > times[0]
        else 0.0
    )


def burst_arguments(fanout_help: str) -> argparse.Namespace:
    """The press-burst benches' options: 1,000 presses in 10 s during 2,000 reminders, worst of
    five runs; `--small` 300 in 3 s during 300; `--quick` one small run for CI."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=1000, help="distinct members pressing")
    parser.add_argument("--seconds", type=float, default=10.0, help="the presses spread over this")
    parser.add_argument("--fanout", type=int, default=2000, help=fanout_help)
    parser.add_argument("--latency", type=float, default=0.0, help="the fake's answer delay, s")
    parser.add_argument("--runs", type=int, default=5, help="whole runs; the worst is reported")
    parser.add_argument(
        "--small", action="store_true", help="300 presses in 3 s during a 300-member fan-out"
    )
    parser.add_argument(
        "--quick", action="store_true", help="50 presses in 1 s, 100 reminders, once (CI)"
    )
    args = parser.parse_args()
    if args.small:
        args.members, args.seconds, args.fanout = 300, 3.0, 300
    if args.quick:
        args.members, args.seconds, args.fanout, args.runs = 50, 1.0, 100, 1
    return args


def worst(runs: list[dict[str, float]], counts: tuple[str, ...]) -> str:
    """Each figure's worst over the runs (seconds shown in ms; `counts` as they are), with every
    run's value; for "answered after commit" the worst is the lowest."""
    lines = []
    for name in runs[0]:
        values = [run[name] for run in runs]
        bad = min(values) if name == "answered after commit" else max(values)
        if name in counts:
            shown, worst_shown = [f"{v:.0f}" for v in values], f"{bad:.0f}"
        else:
            shown, worst_shown = [f"{v * 1000:.0f}" for v in values], f"{bad * 1000:.0f} ms"
        lines.append(f"    {name:<22} worst {worst_shown}  (runs: {', '.join(shown)})")
    return "\n".join(lines)
