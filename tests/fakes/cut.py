"""A TCP proxy the tests can cut: the bot's engine talks to PostgreSQL through it, and a test
makes the database "go away" as a network failure or a managed database's failover would.

`cut()` stops listening (a new connection is refused at once, as by a host that is down) and
aborts every connection under way (the server's side and the bot's alike: the bot's next read
or write fails, as after a reset). `blackhole()` is a partition without a reset: connections
are still accepted, and nothing goes through any of them any more, either way (what is sent is
dropped, nobody is told: the bot waits for answers that never come). `restore()` listens again
on the same port, and ends the connections the blackhole swallowed (the reset that comes once
the network is back: their streams lost bytes, and the server rolls their transactions back).
PostgreSQL itself keeps running for the other tests and helpers on the machine.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from sqlalchemy.engine import make_url

from tests.postgres import Server, drop_database, fresh_database


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.port = 0
        self.accepted = 0  # connections taken since the start (a test reads reconnections)
        self.swallowing = False  # a blackhole: bytes are dropped, nobody is told
        self._swallowed: set[asyncio.StreamWriter] = set()  # connections it took bytes from

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._accept, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    @property
    def open(self) -> bool:
        return self._server is not None

    async def cut(self) -> None:
        """No more connections, and those open are dropped."""
        server, self._server = self._server, None
        if server is not None:
            server.close()  # stops listening; wait_closed would wait for the pipes
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()
        await asyncio.sleep(0)  # let the pipes' tasks see their end

    async def blackhole(self) -> None:
        """Accepts connections, and drops every byte of every connection, silently."""
        if self._server is None:
            await self.start()
        self.swallowing = True

    async def restore(self) -> None:
        if self.swallowing:
            self.swallowing = False
            for writer in list(self._swallowed):
                writer.transport.abort()
            self._swallowed.clear()
        if self._server is None:
            await self.start()

    async def stop(self) -> None:
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def __aenter__(self) -> CuttableProxy:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._server is None:  # accepted just as the cut came
            writer.transport.abort()
            return
        if self.swallowing:  # accepted, then never answered
            self._pipes.add(writer)
            self._swallowed.add(writer)
            task = asyncio.create_task(_drop(reader, self))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        if self._server is None:
            writer.transport.abort()
            up_writer.transport.abort()
            return
        self.accepted += 1
        self._pipes.update((writer, up_writer))
        for source, sink in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(_copy(source, sink, (writer, up_writer), self))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)


async def _drop(source: asyncio.StreamReader, proxy: CuttableProxy) -> None:
    """Reads and drops what a connection accepted during a blackhole sends."""
    with contextlib.suppress(ConnectionError, OSError):
        while await source.read(65536):
            pass


async def _copy(
    source: asyncio.StreamReader,
    sink: asyncio.StreamWriter,
    both: tuple[asyncio.StreamWriter, asyncio.StreamWriter],
    proxy: CuttableProxy,
) -> None:
    """Copies one direction until either side ends (then both ends are closed); drops what
    comes during a blackhole, and marks the connection to be ended when it is over."""
    try:
        while data := await source.read(65536):
            if proxy.swallowing:
                proxy._swallowed.update(both)
                continue
            sink.write(data)
            await sink.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        if proxy.swallowing:  # its end does not go through either: `restore` ends it
            proxy._swallowed.update(both)
        else:
            for writer in both:
                with contextlib.suppress(Exception):
                    writer.close()


@dataclass
class CutDatabase:
    """A fresh PostgreSQL database and the proxy in front of it: `url` goes through `proxy`."""

    url: str
    proxy: CuttableProxy
    direct: str  # the same database, not through the proxy (what the test itself reads)


@pytest.fixture
async def cut_database(postgres_server: Server) -> AsyncIterator[CutDatabase]:
    """A fresh database behind a proxy the test cuts (skips without PostgreSQL, fails in CI)."""
    name = await fresh_database(postgres_server)
    direct = make_url(postgres_server.url_of(name))
    try:
        async with CuttableProxy(direct.host or "127.0.0.1", direct.port or 5432) as proxy:
            through = direct.set(host="127.0.0.1", port=proxy.port)
            yield CutDatabase(
                through.render_as_string(hide_password=False),
                proxy,
                direct.render_as_string(hide_password=False),
            )
    finally:
        await drop_database(postgres_server, name)
