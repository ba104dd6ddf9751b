"""Reads what `sitecustomize.py` wrote for each bot of a run and prints where a send's time went
(medians and 90th percentiles, ms) and each bot's CPU (per thread, and per send).

Run: python bench/trace_sends/report.py FOLDER  (one folder per configuration, as
`bench/processes.py --trace FOLDER` leaves them)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

PHASES = (
    ("chat (local)", "gated", "bucket"),
    ("global bucket", "bucket", "gate"),
    ("turn for the take", "gate", "db"),
    ("take's round trip", "db", "db_done"),
    ("hand-over sleep", "db_done", "gate_done"),
    ("own slot", "own", "own_done"),
    ("HTTP + count", "own_done", "done"),
    ("shared slot held", "gate_done", "done"),
    ("whole send", "gated", "done"),
)


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p90 = values[int(len(values) * 0.9)]
    return f"{statistics.median(values) * 1000:7.1f} {p90 * 1000:7.1f}"


def report(folder: Path) -> None:
    runs = [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]
    print(f"{folder.name}: {len(runs)} bots")
    sends = [send for run in runs for send in run["sends"]]
    print(f"  {'phase':22} {'median':>7} {'p90':>7}   (ms, {len(sends)} sends)")
    for label, start, end in PHASES:
        values = [s[end] - s[start] for s in sends if start in s and end in s]
        print(f"  {label:22} {quantiles(values)}")
    late = [
        s["gate_done"] - s["db_done"] - s["wait"]
        for s in sends
        if "wait" in s and "gate_done" in s and s["wait"] > 0
    ]
    print(f"  {'woke late (hand-over)':22} {quantiles(late)}   ({len(late)} handed over)")
    calls = [n for run in runs for _, n in run.get("calls", [])]
    if calls:
        print(f"  take_many: {len(calls)} calls, {statistics.mean(calls):.1f} sends a call")
    for run in runs:
        cpu = run["cpu"]
        count = len(run["sends"])
        busy = cpu.get("end", 0) - cpu.get("start", 0)
        wall = cpu.get("end_wall", 0) - cpu.get("start_wall", 0)
        threads = sorted(run["threads"].items(), key=lambda kv: -kv[1])[:4]
        said = ", ".join(f"{name} {seconds:.1f}" for name, seconds in threads)
        print(
            f"  bot: {count} sends, {busy:.1f} s CPU over {wall:.1f} s of fan-out "
            f"({busy / max(count, 1) * 1000:.2f} ms a send); threads (s, whole run): {said}"
        )


if __name__ == "__main__":
    for name in sys.argv[1:]:
        for folder in sorted(p for p in Path(name).iterdir() if p.is_dir()) or [Path(name)]:
            report(folder)
