"""How soon a decision made through one process shows on a console served by another
(PostgreSQL LISTEN/NOTIFY, `bot/storage/notify.py`).

Two apps built by the composition root (each its own engine, web server and shell, as two
`solidaire` processes started the same way) on a fresh PostgreSQL database. In A's shell a live
is scheduled and `--questions` questions asked; Mia asks A for the console and the bench opens
her link on B's address, as her browser would (the page, then its server-sent events). B's
periodic refresh (every 5 s) is pushed out of reach, so only A's notices bring the changes.
Then Mia approves each question in A's shell, one after the other.

Measured, per decision: from A's answer to Mia (the unit committed) to the approved card
arriving on B's event stream (`time.perf_counter()`, one event loop for both apps and the
client). Printed: p50/p95/max, and how many arrived.

Run: python bench/notify_latency.py [--questions 50] [--quick]
     (PostgreSQL from SOLIDAIRE_TEST_POSTGRES_URL, default the local one)
"""

from __future__ import annotations

import argparse
import asyncio
import html
import io
import json
import re
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import pct
from bot.adapters.shell.seed import ensure_community
from bot.adapters.web.console import Console
from bot.app import App, build
from bot.settings import Settings, WebSettings
from tests.postgres import admin, admin_url

LINK = re.compile(r"(http://\S+/console/\d+/\S+)")
PAGE_DATA = re.compile(r'data-page="([^"]*)"')


async def start(url: str, name: str) -> tuple[App, io.StringIO]:
    out = io.StringIO()
    config = Settings(database_url=url, process_name=name, web=WebSettings(("127.0.0.1", 0)))
    app = await build(config, stdin=io.StringIO(), out=out)
    assert app.web is not None
    for part in app.web.parts:
        if isinstance(part, Console):
            part.hub.poll = 3600.0  # only a notice from the other process refreshes it
    await app.start()
    return app, out


async def typed(app: App, out: io.StringIO, *lines: str) -> str:
    assert app.shell is not None
    start = out.tell()
    for line in lines:
        await app.shell.handle(line)
    out.seek(start)
    return out.read()


async def events(response: aiohttp.ClientResponse, arrived: dict[int, float]) -> None:
    while True:
        line = (await response.content.readline()).decode()
        if not line:
            return
        if line.startswith("data: "):
            event: dict[str, Any] = json.loads(line[6:])
            if event["type"] == "card" and event["data"]["status"] == "approved":
                arrived.setdefault(event["data"]["id"], time.perf_counter())


async def measure(url: str, questions: int) -> list[float]:
    (a, out), (b, _) = await start(url, "bench-a"), await start(url, "bench-b")
    try:
        assert a.shell is not None and a.web is not None and b.web is not None
        await ensure_community(a.shell)
        await typed(
            a, out, "/setup moderation_channel=mods", '/schedule title="Bench" when="demain 18h"'
        )
        for i in range(questions):
            await typed(a, out, f"/as asker{i}", "/in telegram", f"/ask 1 Question numéro {i} ?")
        said = await typed(a, out, "/as mia moderator", "/in discord", "/console 1")
        link = LINK.search(said)
        assert link is not None, said
        arrived: dict[int, float] = {}
        async with aiohttp.ClientSession() as client:
            path = "/console/" + link.group(1).split("/console/", 1)[1]
            async with client.get(b.web.url + path) as got:
                data = PAGE_DATA.search(await got.text())
            assert data is not None
            token = json.loads(html.unescape(data.group(1)))["token"]
            response = await client.get(f"{b.web.url}/console/1/events", params={"t": token})
            reader = asyncio.create_task(events(response, arrived))
            await asyncio.sleep(0.5)  # the stream's first state
            answered: dict[int, float] = {}
            for qid in range(1, questions + 1):
                said = await typed(a, out, f"/approve Q{qid}")
                answered[qid] = time.perf_counter()
                assert f"Q{qid} est approuvée" in said, said
                for _ in range(300):  # one at a time: each measured alone
                    if qid in arrived:
                        break
                    await asyncio.sleep(0.005)
            reader.cancel()
            response.close()
        return [arrived[q] - answered[q] for q in answered if q in arrived]
    finally:
        await b.stop()
        await a.stop()


async def run(args: argparse.Namespace) -> None:
    server = admin_url()
    name = f"solidaire_bench_{uuid.uuid4().hex[:8]}"
    await admin(server, f'CREATE DATABASE "{name}"')
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        delays = await measure(url, args.questions)
    finally:
        for attempt in range(3):  # an autovacuum worker on it refuses FORCE for a moment
            try:
                await admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except Exception:
                if attempt == 2:
                    raise
                await asyncio.sleep(1.0)
    ms = sorted(d * 1000 for d in delays)
    print(f"decisions made through process A, seen on B's console: {len(ms)}/{args.questions}")
    if ms:
        print(f"  from A's answer to B's event: p50 {pct(ms, 0.5):.1f} ms, "
              f"p95 {pct(ms, 0.95):.1f} ms, max {ms[-1]:.1f} ms")  # fmt: skip
    print(f"rerun: python bench/notify_latency.py --questions {args.questions}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="10 questions")
    args = parser.parse_args()
    if args.quick:
        args.questions = 10
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
