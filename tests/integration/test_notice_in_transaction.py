"""The notice that tells the other processes on one PostgreSQL what a unit changed is sent in
the unit's own transaction: delivered when, and only if, the unit commits.

A whole bot process (the composition root, its shell) commits a `/schedule` and is killed at
once, before it could do anything else: the others still heard of it. A refused command (rolled
back) and a command that only reads tell nobody. Before, the notice left after the commit, from
a task of its own: the killed process's was lost, and `/lives` was told too.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.ports import Change
from bot.storage.database import AsyncEngineStore, open_store
from bot.storage.notices import CHANNEL
from tests.postgres import Server, _dsn, drop_database, fresh_database

ROOT = Path(__file__).resolve().parents[2]
# The process: a bot built as `solidaire` builds it, its shell typing three commands; it dies
# (os._exit: nothing more runs, not even the event loop) right after the last one committed.
CHILD = """
import asyncio, io, os, sys
from bot.adapters.shell.seed import ensure_community
from bot.app import build
from bot.settings import Settings, WebSettings

async def main(url):
    settings = Settings(database_url=url, process_name="dies", web=WebSettings(None))
    app = await build(settings, stdin=io.StringIO(), out=io.StringIO())
    await app.start()
    shell = app.shell
    await ensure_community(shell)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for line in ("/lives", "/join 99", '/schedule title="Cuisine facile" when="demain 18h"'):
        reply = await shell.core.handle_text(shell.request(line))
        print(line.split()[0], reply.ok, flush=True)
    os._exit(0)

asyncio.run(main(sys.argv[1]))
"""


@pytest.fixture
async def database(postgres_server: Server) -> AsyncIterator[str]:
    name = await fresh_database(postgres_server)
    try:
        yield name
    finally:
        await drop_database(postgres_server, name)


async def listening(postgres_server: Server, database: str) -> tuple[object, list[str]]:
    """Another process's listening connection, and what it hears."""
    import asyncpg

    conn = await asyncpg.connect(_dsn(postgres_server.admin, database))
    heard: list[str] = []
    await conn.add_listener(CHANNEL, lambda _c, _pid, _ch, said: heard.append(said))
    return conn, heard


async def test_a_process_killed_just_after_its_commit_has_told_the_others(
    postgres_server: Server, database: str
) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        postgres_server.url_of(database),
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    assert child.stdin is not None and child.stdout is not None
    conn, heard = None, []
    try:
        ready = await asyncio.wait_for(child.stdout.readline(), 30)
        assert ready == b"ready\n", ready
        conn, heard = await listening(postgres_server, database)
        child.stdin.write(b"go\n")
        await child.stdin.drain()
        said = [(await asyncio.wait_for(child.stdout.readline(), 30)).decode() for _ in range(3)]
        assert said == ["/lives True\n", "/join False\n", "/schedule True\n"], said
        assert await asyncio.wait_for(child.wait(), 10) == 0
        await asyncio.sleep(0.3)  # anything still on its way
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        if conn is not None:
            await conn.close()  # type: ignore[attr-defined]
    kinds = [json.loads(said)["k"] for said in heard]
    # The schedule, although the process died right after; not the listing, not the refusal.
    assert kinds == ["schedule"], heard


async def test_a_unit_rolled_back_tells_nothing_and_one_committed_tells_once(
    postgres_server: Server, database: str
) -> None:
    store = await open_store(postgres_server.url_of(database))
    assert isinstance(store, AsyncEngineStore)
    store.notices = "me"
    conn, heard = await listening(postgres_server, database)
    try:
        with pytest.raises(LookupError):
            async with store.unit() as uow:
                await uow.changes.tell(Change("approve", 1, 2))
                raise LookupError("the use case failed after telling")
        async with store.unit() as uow:
            await uow.changes.tell(Change("approve", 1, 3))
            await uow.changes.tell(Change("approve", 1, 3))  # the same change: told once
            await uow.changes.tell(Change("catch_up", elsewhere=True))  # heard, never told back
        await asyncio.sleep(0.3)
    finally:
        await conn.close()  # type: ignore[attr-defined]
        await store.close()
    assert [json.loads(said) for said in heard] == [{"o": "me", "k": "approve", "c": 1, "l": 3}]
