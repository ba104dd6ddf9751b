"""A small round-robin reverse proxy, as an operator puts in front of several webhook workers.

It behaves as nginx does with its defaults for a POST (`proxy_next_upstream error timeout`,
non-idempotent requests not passed on once sent): a worker that refuses the connection is
skipped and the request goes to the next one; a worker that takes the request and then fails
(dies, closes the connection) gets the caller a 502, one that does not answer within
`read_timeout` a 504. The caller (Telegram) then sends the update again. The request's path,
body and headers (the secret token among them) are passed on unchanged.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

_HOP_BY_HOP = frozenset(
    h.lower() for h in ("Connection", "Keep-Alive", "Transfer-Encoding", "Host", "Content-Length")
)


@dataclass
class RoundRobinProxy:
    backends: list[str]  # base URLs: http://127.0.0.1:PORT
    read_timeout: float = 60.0
    url: str = ""
    forwarded: Counter[str] = field(default_factory=Counter)  # requests passed to each backend
    in_flight: Counter[str] = field(default_factory=Counter)  # passed on, not answered yet
    statuses: Counter[int] = field(default_factory=Counter)  # what the callers got
    _turn: itertools.count[int] = field(default_factory=itertools.count)
    _runner: web.AppRunner | None = None
    _session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        # One connection per request: a dead worker's kept-alive connection would otherwise
        # turn a refused connection (skipped) into a failed one (502).
        connector = aiohttp.TCPConnector(force_close=True)
        self._session = aiohttp.ClientSession(connector=connector)
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        response = await self._pass_on(request)
        self.statuses[response.status] += 1
        return response

    async def _pass_on(self, request: web.Request) -> web.Response:
        assert self._session is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        start = next(self._turn)
        timeout = aiohttp.ClientTimeout(total=self.read_timeout)
        for i in range(len(self.backends)):
            backend = self.backends[(start + i) % len(self.backends)]
            self.in_flight[backend] += 1
            try:
                async with self._session.request(
                    request.method,
                    backend + request.path_qs,
                    data=body,
                    headers=headers,
                    timeout=timeout,
                ) as answer:
                    self.forwarded[backend] += 1
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectorError:
                continue  # refused, nothing sent: this worker is down, the next one gets it
            except TimeoutError:
                self.forwarded[backend] += 1
                return web.Response(status=504, text="upstream timed out")
            except aiohttp.ClientError:
                self.forwarded[backend] += 1
                return web.Response(status=502, text="upstream failed")
            finally:
                self.in_flight[backend] -= 1
        return web.Response(status=502, text="no upstream reachable")
