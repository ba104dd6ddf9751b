"""The bot's own web server: aiohttp in the bot's event loop, started and stopped by the
composition root like the platform adapters. Features add their routes before it starts.

Server-sent event streams are tracked here: each sends a heartbeat (a handler waiting on a
queue never notices a browser that left), and all are closed when the server stops, so that
stopping takes a moment and not aiohttp's default 60 s wait for open requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
from typing import Any, Protocol

from aiohttp import web

from bot.core.ports import StoreUnavailable

log = logging.getLogger(__name__)
HEARTBEAT = 15.0  # seconds between comment lines on an idle stream
SHUTDOWN_TIMEOUT = 2.0  # seconds open requests get at stop (aiohttp's default is 60)
QUEUE_MAX = 2000  # events waiting for one slow browser before its stream is dropped


class Part(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


class StartError(Exception):
    """The server cannot start as configured: one clear message for the operator."""


class EventStream:
    """One browser's stream of server-sent events; `push` never blocks (a browser too slow to
    keep up is dropped, and its page reconnects and starts afresh)."""

    def __init__(self, heartbeat: float = HEARTBEAT) -> None:
        self._queue: asyncio.Queue[str | None] = asyncio.Queue(QUEUE_MAX)
        self._heartbeat = heartbeat
        self.closed = False

    def push(self, kind: str, data: object) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(f"data: {json.dumps({'type': kind, 'data': data})}\n\n")
        except asyncio.QueueFull:
            log.info("an event stream fell %d events behind: dropped", QUEUE_MAX)
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(None)

    async def serve(self, request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # a proxy (nginx) must pass each event on at once
            }
        )
        await response.prepare(request)
        try:
            await response.write(b"retry: 2000\n\n")
            while True:
                try:
                    item = await asyncio.wait_for(self._queue.get(), self._heartbeat)
                except TimeoutError:
                    item = ": still here\n\n"
                if item is None:
                    break
                await response.write(item.encode())
        except (ConnectionResetError, ConnectionError):
            pass  # the browser left
        finally:
            self.closed = True
        return response


class WebServer:
    """Listens on `listen`; `fallback`: when that port is taken, take a free one (the shell)
    instead of stopping the start (a bot with tokens)."""

    def __init__(
        self,
        listen: tuple[str, int],
        *,
        fallback: bool = False,
        shutdown_timeout: float = SHUTDOWN_TIMEOUT,
    ) -> None:
        self.host, self.port = listen
        self.asked_port = self.port
        self.fallback = fallback
        # The console posts small JSON.
        self.app = web.Application(client_max_size=64 * 1024, middlewares=[_database_away])
        self.app.on_shutdown.append(self._close_streams)
        self.streams: set[EventStream] = set()
        self.parts: list[Part] = []  # features with a life of their own (the console's hub)
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=shutdown_timeout)

    @property
    def moved(self) -> bool:
        """The asked port was taken and another was chosen."""
        return self.asked_port not in (0, self.port)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stream(self, heartbeat: float = HEARTBEAT) -> EventStream:
        stream = EventStream(heartbeat)
        self.streams.add(stream)
        return stream

    async def serve(self, stream: EventStream, request: web.Request) -> web.StreamResponse:
        try:
            return await stream.serve(request)
        finally:
            self.streams.discard(stream)

    async def start(self) -> None:
        await self._runner.setup()
        try:
            await self._bind(self.port)
        except OSError as error:
            if error.errno != errno.EADDRINUSE:
                await self._runner.cleanup()
                raise StartError(
                    f"the web server cannot listen on {self.host}:{self.port}: {error.strerror}"
                    "; set SOLIDAIRE_WEB_LISTEN to another host:port, or to off"
                ) from None
            if not self.fallback:
                await self._runner.cleanup()
                raise StartError(
                    f"the web server cannot listen on {self.host}:{self.port}: that port is "
                    "already in use (another Solidaire?); set SOLIDAIRE_WEB_LISTEN to a free "
                    "host:port, or to off"
                ) from None
            await self._bind(0)
        for part in self.parts:
            await part.start()
        log.info("web server listening on %s", self.url)

    async def _bind(self, port: int) -> None:
        site = web.TCPSite(self._runner, self.host, port)
        await site.start()
        server = site._server  # the bound port, when 0 (any) was asked
        sockets = getattr(server, "sockets", None)
        if sockets:
            self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        await self._runner.cleanup()  # closes the event streams first (on_shutdown)
        for part in reversed(self.parts):
            await part.stop()

    async def _close_streams(self, _app: web.Application) -> None:
        for stream in list(self.streams):
            stream.close()


@web.middleware
async def _database_away(request: web.Request, handler: Any) -> web.StreamResponse:
    """A page or a console call that needs the database while it is away: 503 and a short
    retry hint (a browser or a proxy tries again), not an internal error with its traceback."""
    try:
        response: web.StreamResponse = await handler(request)
    except StoreUnavailable as down:
        log.warning(
            "%s %s: the database is unavailable (%s)", request.method, request.path, down.kind
        )
        return web.Response(
            status=503,
            text="The database is not responding right now: try again in a moment.\n",
            headers={"Retry-After": "5"},
        )
    return response
