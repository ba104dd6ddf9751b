"""What every benchmark measures the same way: the event loop's longest stall, percentiles."""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import threading
import time
from collections import defaultdict
from collections.abc import Callable
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


def burst_arguments(
    fanout_help: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
) -> argparse.Namespace:
    """The press-burst benches' options: 1,000 presses in 10 s during 2,000 reminders, worst of
    five runs; `--small` 300 in 3 s during 300; `--quick` one small run for CI. `extra` adds a
    bench's own options."""
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
    if extra is not None:
        extra(parser)
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


class GcPauses:
    """The garbage collector's passes while inside: the longest, by generation. A full pass
    (generation 2) walks every tracked object of the process and holds the loop meanwhile."""

    def __init__(self) -> None:
        self.longest: dict[int, float] = {}
        self.count: dict[int, int] = defaultdict(int)
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._began = time.perf_counter()
            return
        generation = info["generation"]
        took = time.perf_counter() - self._began
        self.longest[generation] = max(self.longest.get(generation, 0.0), took)
        self.count[generation] += 1

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *_: object) -> None:
        gc.callbacks.remove(self._callback)

    def __str__(self) -> str:
        return (
            ", ".join(
                f"gen {g}: {self.count[g]} passes, longest {self.longest[g] * 1000:.1f} ms"
                for g in sorted(self.longest)
            )
            or "none"
        )


class StallSampler:
    """Where the event loop's thread is while the loop is stalled: a thread looks every 10 ms,
    and when the loop has not ticked for `over` seconds keeps the loop thread's stack (as
    discord.py's keep-alive thread does for a blocked heartbeat). A stall with no Python stack
    of ours (the thread waiting for a core, or for the GIL) shows as the loop's `select`."""

    def __init__(self, over: float = 0.1) -> None:
        self.over = over
        self.samples: dict[str, int] = defaultdict(int)
        self.stalled = 0
        self._tick = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._look, name="stall-sampler", daemon=True)
        self._main = threading.get_ident()
        self._native = threading.get_native_id()
        self._handle: asyncio.TimerHandle | None = None
        # Over the stalls: wall-clock time, and CPU time the loop's thread got meanwhile. A
        # stall with little CPU is the thread waiting (for a core, the GIL, a lock), not working.
        self.stall_wall = 0.0
        self.stall_cpu = 0.0

    def _loop_cpu(self) -> float:
        try:
            stat = Path(f"/proc/self/task/{self._native}/stat").read_text()
        except OSError:
            return 0.0
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _beat(self) -> None:
        self._tick = time.perf_counter()
        self._handle = asyncio.get_running_loop().call_later(0.005, self._beat)

    def _look(self) -> None:
        import sys
        import traceback

        began: tuple[float, float] | None = None  # wall clock and loop CPU at a stall's start
        while not self._stop.wait(0.01):
            if time.perf_counter() - self._tick < self.over:
                if began is not None:  # the loop ticked again: how much of it was its own work
                    self.stall_wall += time.perf_counter() - began[0]
                    self.stall_cpu += self._loop_cpu() - began[1]
                    began = None
                continue
            if began is None:
                began = (self._tick, self._loop_cpu())
            frame = sys._current_frames().get(self._main)
            if frame is None:
                continue
            stack = traceback.extract_stack(frame)
            shown = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in stack[-8:]]
            self.samples[" < ".join(reversed(shown))] += 1
            self.stalled += 1

    def __enter__(self) -> StallSampler:
        self._beat()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._handle is not None:
            self._handle.cancel()

    def report(self, top: int = 5) -> str:
        if not self.stalled:
            return f"no stall over {self.over * 1000:.0f} ms"
        lines = [
            f"{self.stalled} samples (10 ms apart) in stalls over {self.over * 1000:.0f} ms; "
            f"the loop's thread used {self.stall_cpu:.2f} s of CPU in {self.stall_wall:.2f} s "
            "of them:"
        ]
        for stack, n in sorted(self.samples.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"      {n:>4} {stack}")
        return "\n".join(lines)
