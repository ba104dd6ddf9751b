"""How fast `when` is read: phrases per second and the time per phrase (p50 / p99), as `/schedule` reads them.

The phrases are the test table's (tests/when_phrases.py: about 500 French and English phrases,
accepted and refused alike), each read by its own reader at the table's fixed now, in Paris.
Every phrase is timed alone, over several rounds; the aim is a p99 under 1 ms for phrases of
40 characters or fewer.

Run: python bench/when_speed.py [--rounds 50] | python bench/when_speed.py --quick (CI, ~2 s)
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import pct
from bot.domain.when import WhenError, parse_when
from tests.when_phrases import NOW, PARIS, PHRASES

SHORT = 40


def read_once(lang: str, text: str) -> tuple[float, float]:
    """Seconds to read one phrase (a refusal is a reading too): wall clock, and this thread's CPU.

    On a shared machine the wall clock also counts the time other processes held the CPU; the
    CPU time is what the reading itself costs.
    """
    wall, cpu = time.perf_counter(), time.thread_time()
    try:
        parse_when(text, now=NOW, tz=PARIS, lang=lang)
    except WhenError:
        pass
    return time.perf_counter() - wall, time.thread_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="3 rounds: a smoke run for CI")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    first, _ = read_once("fr", "demain 18h")  # modules and patterns are built at import
    short: list[tuple[float, float]] = []
    longer: list[tuple[float, float]] = []
    started = time.perf_counter()
    for _ in range(rounds):
        for lang, text, _expected in PHRASES:
            (short if len(text) <= SHORT else longer).append(read_once(lang, text))
    elapsed = time.perf_counter() - started

    count = len(short) + len(longer)
    print(f"{len(PHRASES)} phrases x {rounds} rounds = {count} readings in {elapsed:.2f} s")
    print(f"{count / elapsed:,.0f} phrases read per second (first reading {first * 1e3:.2f} ms)")
    for label, values in ((f"<= {SHORT} chars", short), (f"> {SHORT} chars", longer)):
        if not values:
            continue
        for kind, times in (("wall", [w for w, _ in values]), ("cpu", [c for _, c in values])):
            print(
                f"{label:>14} {kind:>4}: p50 {pct(times, 0.5) * 1e6:5.0f} µs, "
                f"p99 {min(pct(times, 0.99), max(times)) * 1e6:5.0f} µs, "
                f"max {max(times) * 1e6:6.0f} µs "
                f"({len(times)} readings)"
            )
    p99 = pct([w for w, _ in short], 0.99), pct([c for _, c in short], 0.99)
    print(
        f"aim p99 < 1 ms for <= {SHORT} chars: wall {p99[0] * 1e3:.2f} ms, cpu {p99[1] * 1e3:.2f} ms"
    )
    print(f"rerun: python bench/when_speed.py {'--quick' if args.quick else f'--rounds {rounds}'}")


if __name__ == "__main__":
    main()
