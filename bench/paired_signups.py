"""Two versions of the code in ONE process, alternating batches of sign-ups: CPU per sign-up.

Why: on the shared 2-core machine the load swings from 1 to 8 within minutes, and a run's CPU
per sign-up with it (the same code measured 0.35 and 0.64 ms an hour apart); two runs of
different code compare nothing. Here both versions run side by side, each on its own SQLite
file and database thread, batch after batch in alternating order, so a swing of the load falls
on both. Each tree is imported as `bot` in turn and its modules kept apart; before each batch
`sys.modules` points at that tree's modules (for imports made at call time).

Modes: `crowd` sends each batch through `Core.handle_text` at once (units grouped, committed,
handed back: both threads measured); `alone` sends them one after the other, each awaited
(each unit its own job, transaction and wake-up: the hand-off's cost, as presses spaced out);
`unit` runs the sign-ups' use case back to back in one unit of work (the database thread's own
work, without grouping or hand-back).

Figures (2026-12-03, load 4.1-7.7; old = main at d57aa14, new = the hotpath branch), 30 rounds
of 100: crowd 813 -> 757 us a sign-up (0.93x), unit 638 -> 493 us (0.77x). With no `--old` the
tree is compared with itself: the ratio then shows this machine's noise (0.97-1.03 here).
Fourth session (old = main at 65d9b88, new = the signups branch: a dedicated database thread,
one wake-up for the outcomes finished before it runs, repositories made by a descriptor), 20
rounds of 100 at load 8.4-9.3: crowd 1,005 -> 953 us (0.95x), alone 1,594 -> 1,406 us (0.88x;
the event loop 272 -> 217), unit 626 -> 653 us (1.04x: unchanged code there, so this machine's
noise at that load). With the group's one cursor too, load 5.3-6.6: crowd 709 -> 692 us (0.98x),
alone 1,426 -> 1,306 us (0.92x; the event loop 237 -> 209).

Get an old tree with: git archive main | tar -x -C /tmp/old
Run: python bench/paired_signups.py --old /tmp/old [--rounds 30] [--batch 100] [--mode crowd]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = str(Path(__file__).resolve().parent.parent)


def _ours(name: str) -> bool:
    return name in ("bot", "bench") or name.startswith(("bot.", "bench."))


def _use(modules: dict[str, ModuleType]) -> None:
    for name in [m for m in sys.modules if _ours(m)]:
        del sys.modules[name]
    sys.modules.update(modules)


def _load(tree: str) -> tuple[Any, dict[str, ModuleType]]:
    _use({})
    sys.path.insert(0, tree)
    try:
        import bench.signup_burst as burst  # this tree's
        import bot.core.dispatcher  # noqa: F401  # what `unit` mode reads at call time
    finally:
        sys.path.remove(tree)
    return burst, {k: v for k, v in sys.modules.items() if _ours(k)}


async def _db_cpu(store: Any) -> float:
    """CPU time of the store's database thread so far, read on that thread's CPU clock (the
    thread is idle between batches). Either kind of thread: `threaded.DbThread`, or the
    `ThreadPoolExecutor` of the code before."""
    worker = store._thread
    ident = getattr(worker, "ident", None)
    if ident is None:  # an executor: its one thread, started by the store's first job
        ident = next(iter(worker._threads)).ident
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


async def _batch(burst: Any, core: Any, live: int, names: list[str], mode: str) -> None:
    if mode == "crowd":
        await asyncio.gather(*(burst.join(core, name, live, 0.0) for name in names))
        return
    if mode == "alone":
        for name in names:
            await burst.join(core, name, live, 0.0)
        return
    from bot.core.dispatcher import _with

    asked = [
        _with(burst.request(name, f"/join {live}"), command="join", raw=str(live)) for name in names
    ]

    async def work(uow: Any) -> None:
        for req in asked:
            await core._process(uow, req)

    await core.store.run(work)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--old", default=HERE, help="the other tree (default: this one)")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--mode", choices=("crowd", "alone", "unit"), default="crowd")
    parser.add_argument("--quick", action="store_true", help="6 rounds of 20: a smoke run (CI)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.batch = 6, 20
    trees = {"old": args.old, "new": HERE}
    loaded = {name: _load(tree) for name, tree in trees.items()}
    with tempfile.TemporaryDirectory() as tmp:
        cores: dict[str, tuple[Any, int]] = {}
        for name, (burst, modules) in loaded.items():
            _use(modules)
            folder = Path(tmp) / name
            folder.mkdir()
            cores[name] = await burst.prepare(folder)
        gc.collect()
        gc.freeze()
        used = {name: [0.0, 0.0] for name in trees}  # event loop, database thread
        counted = dict.fromkeys(trees, 0)
        for turn in range(args.rounds):
            for name in list(trees)[:: 1 if turn % 2 == 0 else -1]:
                burst, modules = loaded[name]
                _use(modules)
                core, live = cores[name]
                names = [f"{name}{turn}_{i}" for i in range(args.batch)]
                db, loop = await _db_cpu(core.store), time.thread_time()
                await _batch(burst, core, live, names, args.mode)
                loop, db = time.thread_time() - loop, await _db_cpu(core.store) - db
                if turn >= 2:  # the first rounds warm up
                    used[name][0] += loop
                    used[name][1] += db
                    counted[name] += args.batch
        late = [m for m in set(sys.modules) - set(loaded[name][1]) if _ours(m)]
        if late:  # imported at call time, by the last tree run: maybe from the other tree
            print(f"warning: modules imported during the run, figures doubtful: {sorted(late)}")
        for name in trees:
            loop_us, db_us = (spent / counted[name] * 1e6 for spent in used[name])
            print(
                f"{name} ({trees[name]}): {loop_us + db_us:.1f} us of CPU a sign-up "
                f"(event loop {loop_us:.1f}, database thread {db_us:.1f}) over {counted[name]}"
            )
        old, new = sum(used["old"]), sum(used["new"])
        print(
            f"new/old {new / old:.3f} (database thread {used['new'][1] / used['old'][1]:.3f}); "
            f"mode {args.mode}, {args.rounds} rounds of {args.batch}, "
            f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        for name, (core, _) in cores.items():
            _use(loaded[name][1])
            await core.store.close()
    print(
        f"rerun: python bench/paired_signups.py --old {args.old} --rounds {args.rounds} "
        f"--batch {args.batch} --mode {args.mode}"
    )


if __name__ == "__main__":
    asyncio.run(main())
