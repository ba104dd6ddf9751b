"""Two bot processes on one PostgreSQL (two apps built by the composition root, each its own
engine, web server and shell): a moderator's decision typed into process A shows at once on a
console opened on process B, over real HTTP as the browser reads it (server-sent events), and
after B's listening connection drops, what A decided meanwhile shows once B listens again, and
a logout on A ends B's page; a change made through A shows on B's public pages and calendar
feed, which B had kept.

B's console would also see a change at its periodic refresh (every few seconds); here that
refresh is pushed out of reach, so only the notice from A can bring it in time. Without
LISTEN/NOTIFY these tests fail (checked by turning `storage.notify.change_feed` off).
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.adapters.shell.seed import ensure_community
from bot.adapters.web.calendars import Calendars
from bot.adapters.web.console import Console
from bot.adapters.web.writer import Writer
from bot.app import App, build
from bot.settings import Settings, WebSettings
from bot.storage.database import open_store
from bot.storage.notify import CHANNEL, PgChangeFeed, change_feed
from tests.postgres import Server, _dsn

PAGE_DATA = re.compile(r'data-page="([^"]*)"')
LINK = re.compile(r"(http://\S+/console/\d+/\S+)")
SOON = 2.0  # seconds: "at once", with room for a loaded machine


@dataclass
class Process:
    app: App
    out: io.StringIO

    @property
    def base(self) -> str:
        assert self.app.web is not None
        return self.app.web.url

    @property
    def feed(self) -> PgChangeFeed:
        assert isinstance(self.app.changes, PgChangeFeed)
        return self.app.changes

    async def types(self, *lines: str) -> str:
        """Lines typed into this process's shell; what it printed meanwhile."""
        shell = self.app.shell
        assert shell is not None
        start = self.out.tell()
        for line in lines:
            await shell.handle(line)
        self.out.seek(start)
        said = self.out.read()
        return said


async def start(url: str, name: str) -> Process:
    out = io.StringIO()
    config = Settings(
        database_url=url, process_name=name, web=WebSettings(("127.0.0.1", 0), public_url=None)
    )
    app = await build(config, stdin=io.StringIO(), out=out)
    assert app.web is not None
    for part in app.web.parts:
        if isinstance(part, Console):
            # Out of reach: only a notice from the other process can refresh this console.
            part.hub.poll = 3600.0
        if isinstance(part, Calendars):
            part.writer = Writer(process=False)  # saves the writer process's 2 s start
    await app.start()
    process = Process(app, out)
    await asyncio.wait_for(process.feed.listening.wait(), 10)
    return process


@pytest.fixture
async def processes(database: str) -> AsyncIterator[tuple[Process, Process]]:
    a = await start(database, "proc-a")
    try:
        b = await start(database, "proc-b")
        try:
            yield a, b
        finally:
            await b.app.stop()
    finally:
        await a.app.stop()


class Stream:
    """A console's event stream, read line by line as the browser's EventSource does."""

    def __init__(self, response: aiohttp.ClientResponse, token: str) -> None:
        self.response, self.token = response, token

    async def next_event(self) -> dict[str, Any]:
        while True:
            line = (await self.response.content.readline()).decode()
            if line.startswith("data: "):
                event: dict[str, Any] = json.loads(line[6:])
                return event

    async def until(self, wanted: Any, within: float = SOON) -> dict[str, Any]:
        async def wait() -> dict[str, Any]:
            while True:
                event = await self.next_event()
                if wanted(event):
                    return event

        return await asyncio.wait_for(wait(), within)


async def a_console_on(client: aiohttp.ClientSession, a: Process, b: Process) -> Stream:
    """Mia asks for the console in A's chat and opens its link on B's address."""
    said = await a.types("/as mia moderator", "/console 1")
    found = LINK.search(said)
    assert found is not None, said
    path = "/console/" + found.group(1).split("/console/", 1)[1]
    async with client.get(b.base + path) as got:
        assert got.status == 200, await got.text()
        data = PAGE_DATA.search(await got.text())
    assert data is not None
    token = json.loads(html.unescape(data.group(1)))["token"]
    response = await client.get(f"{b.base}/console/1/events", params={"t": token})
    assert response.status == 200
    return Stream(response, token)


async def setup(a: Process) -> None:
    shell = a.app.shell
    assert shell is not None
    await ensure_community(shell)
    said = await a.types(
        "/setup moderation_channel=mods public=oui",
        '/schedule title="Cuisine facile" when="demain 18h"',
        "/as bob",
        "/in telegram",
        "/ask 1 Comment débuter ?",
        "/ask 1 Quel couteau choisir ?",
        "/in discord",
    )
    assert "Q2" in said, said


async def test_a_decision_made_through_one_process_shows_at_once_on_anothers_console(
    processes: tuple[Process, Process], postgres_server: Server
) -> None:
    """...and after B's listening connection drops, what A decided meanwhile shows once B
    listens again; a logout on A ends the page on B."""
    a, b = processes
    await setup(a)
    notices = await listen_to(b)  # what crosses between the processes, as a third listener
    b.feed.pauses = (1.0,)  # the gap while B listens again, in which A's second decision falls
    async with aiohttp.ClientSession() as client:
        stream = await a_console_on(client, a, b)
        state = await stream.until(lambda e: e["type"] == "state")
        cards = [(c["id"], c["status"]) for c in state["data"]["cards"]]
        assert cards == [(1, "pending"), (2, "pending")]
        # Anything else said on the channel is dropped, and breaks nothing.
        for junk in ("not json", '{"k": 5}', '{"o": "x", "k": "approve", "c": "1; --"}', "[]"):
            await notices.conn.execute("SELECT pg_notify($1, $2)", CHANNEL, junk)

        said = await a.types("/queue 1", "1")  # Mia presses Approve on Q1, in A's chat
        assert "Q1 est approuvée" in said, said
        card = await stream.until(lambda e: e["type"] == "card" and e["data"]["id"] == 1)
        assert card["data"]["status"] == "approved"
        decided = await stream.until(lambda e: e["type"] == "decided")
        assert decided["data"] == {"id": 1, "status": "approved", "by": "Mia", "into": None}

        dropped = await admin_fetch(
            postgres_server,
            b,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
        )
        assert dropped == 1  # B's one listening connection, as a network failure would
        await until_cleared(b.feed)
        said = await a.types("/queue 1", "1")  # and on Q2
        assert "Q2 est approuvée" in said, said
        assert not b.feed.listening.is_set()  # B could not hear it: it was not listening
        card = await stream.until(
            lambda e: e["type"] == "card" and e["data"]["id"] == 2, within=SOON + 1.0
        )
        assert card["data"]["status"] == "approved" and b.feed.listening.is_set()

        # Mia logs out from a page served by A: her page on B stops at once too.
        async with client.post(
            f"{a.base}/console/1/logout", headers={"Authorization": f"Bearer {stream.token}"}
        ) as got:
            assert got.status == 200, await got.text()
        ended = await stream.until(lambda e: e["type"] == "ended")
        assert ended["data"] == {"reason": "revoked"}
        stream.response.close()
    payloads = [p for p in await notices.stop() if p.startswith('{"o":')]
    # Small, ids and names only: never what a member typed.
    assert payloads and all(len(p.encode()) < 8000 for p in payloads)
    assert not any("débuter" in p or "Cuisine" in p or "Mia" in p for p in payloads), payloads
    assert any(json.loads(p)["k"] == "approve" for p in payloads), payloads


async def test_on_sqlite_nothing_is_told(tmp_path: Path) -> None:
    """One process by design: no feed, no listening connection, the watchers as before."""
    for kind in ("sqlite", "sqlite+aiosqlite"):
        store = await open_store(f"{kind}:///{tmp_path / 'solidaire.sqlite3'}")
        try:
            assert change_feed(store) is None
        finally:
            await store.close()


async def test_a_page_and_a_feed_kept_by_one_process_show_a_change_made_through_another(
    processes: tuple[Process, Process],
) -> None:
    a, b = processes
    await setup(a)
    async with aiohttp.ClientSession() as client:
        urls = (f"{b.base}/c/1", f"{b.base}/c/1/1", f"{b.base}/c/1.ics")
        for url in urls:  # B writes them once and keeps them
            async with client.get(url) as got:
                assert got.status == 200 and "Cuisine facile" in await got.text()
        said = await a.types("/as alice organizer", '/edit 1 title="Cuisine du monde"')
        assert "Cuisine du monde" in said, said
        for url in urls:
            await shows(client, url, "Cuisine du monde")


# -- helpers -------------------------------------------------------------------------------------


async def shows(client: aiohttp.ClientSession, url: str, text: str) -> None:
    """`url` shows `text` within `SOON` seconds (the notice travels after A's commit)."""

    async def wait() -> None:
        while True:
            async with client.get(url) as got:
                if text in await got.text():
                    return
            await asyncio.sleep(0.05)

    await asyncio.wait_for(wait(), SOON)


async def until_cleared(feed: PgChangeFeed) -> None:
    for _ in range(500):
        if not feed.listening.is_set():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the listening connection was not seen to drop")


async def admin_fetch(server: Server, process: Process, query: str) -> Any:
    import asyncpg

    database = process.app.store.engine.url.database  # type: ignore[union-attr]
    conn = await asyncpg.connect(_dsn(server.admin, database))
    try:
        return await conn.fetchval(query, process.feed.application_name)
    finally:
        await conn.close()


@dataclass
class Notices:
    conn: Any
    payloads: list[str]

    async def stop(self) -> list[str]:
        await asyncio.sleep(0.2)  # the last ones in flight
        await self.conn.close()
        return self.payloads


async def listen_to(process: Process) -> Notices:
    import asyncpg

    url = process.app.store.engine.url  # type: ignore[union-attr]
    conn = await asyncpg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False)
    )
    payloads: list[str] = []
    await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, said: payloads.append(said))
    return Notices(conn, payloads)
