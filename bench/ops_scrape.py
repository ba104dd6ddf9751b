"""What a Prometheus scrape and a healthcheck cost the bot on a big ledger, through HTTP.

A SQLite file with `--rows` ledger rows (all but `--due` of them sent long ago, the rest due and
unsent) and `--inbox` handled inbox items; the bot's web server with its `/metrics` and
`/healthz` (the real `Operations`), asked `--times` times each; prints p50 / p99 / max of the
round trip. Both run a query on the database thread, between the bot's units of work.

Run: python bench/ops_scrape.py [--rows 200000] [--due 2000] [--inbox 50000] [--times 200]
     python bench/ops_scrape.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import pct
from bot.app import build
from bot.settings import Settings, WebSettings


def fill(path: Path, rows: int, due: int, inbox: int) -> None:
    """Straight into the file (the bench measures reading it, not writing it)."""
    long_ago = (datetime.now(UTC) - timedelta(days=30)).replace(tzinfo=None)
    recent = (datetime.now(UTC) - timedelta(minutes=5)).replace(tzinfo=None)
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO deliveries (key, kind, due_at, platform, chat_id, private, payload,"
            " status, attempts, next_attempt_at, updated_at) VALUES (?, 'reminder', ?,"
            " 'telegram', ?, 1, '{}', ?, 0, ?, ?)",
            (
                (
                    f"bench:{i}",
                    (recent if i < due else long_ago).isoformat(" "),
                    str(i % 5000),
                    "pending" if i < due else "sent",
                    (recent if i < due else long_ago).isoformat(" "),
                    long_ago.isoformat(" "),
                )
                for i in range(rows)
            ),
        )
        conn.executemany(
            "INSERT INTO inbox (platform, external_id, payload, received_at, handled_at)"
            " VALUES ('telegram', ?, '{}', ?, ?)",
            ((str(i), long_ago.isoformat(" "), long_ago.isoformat(" ")) for i in range(inbox)),
        )
    conn.close()


async def main(rows: int, due: int, inbox: int, times: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ops.sqlite3"
        settings = Settings(database_url=f"sqlite:///{path}", web=WebSettings(("127.0.0.1", 0)))
        app = await build(settings)  # migrates the file
        await app.store.close()
        fill(path, rows, due, inbox)
        app = await build(settings)
        await app.start()
        try:
            assert app.web is not None
            async with aiohttp.ClientSession() as http:
                async with http.get(app.web.url + "/metrics") as got:
                    said = await got.text()
                depth = next(x for x in said.splitlines() if x.startswith("solidaire_queue_depth "))
                assert float(depth.split()[1]) == due, depth  # the figures are the real ones
                for route in ("/metrics", "/healthz"):
                    took = []
                    for _ in range(times):
                        started = time.perf_counter()
                        async with http.get(app.web.url + route) as got:
                            assert got.status == 200, await got.text()
                            await got.read()
                        took.append((time.perf_counter() - started) * 1000)
                    print(
                        f"{route:9} {times} requests, ledger {rows:,} rows ({due:,} due), inbox"
                        f" {inbox:,}: p50 {pct(took, 0.5):.1f} ms, p99 {pct(took, 0.99):.1f} ms,"
                        f" max {max(took):.1f} ms"
                    )
        finally:
            await app.stop()
    print(
        f"rerun: python bench/ops_scrape.py --rows {rows} --due {due} --inbox {inbox} --times {times}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--inbox", type=int, default=50_000)
    parser.add_argument("--times", type=int, default=200)
    parser.add_argument("--quick", action="store_true", help="a small run, for CI")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.due, args.inbox, args.times = 5_000, 100, 1_000, 20
    asyncio.run(main(args.rows, args.due, args.inbox, args.times))
