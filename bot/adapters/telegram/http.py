"""The HTTP client that answers button presses: aiohttp under python-telegram-bot's `Bot`.

Why not PTB's default (httpx): measured against the fake server, one call through httpx costs
about 1.7 ms of the event loop against 0.3 ms through aiohttp, and httpcore looks at every idle
connection of its pool (a few system calls each) on every request. Under a burst of presses that
CPU is the event loop's, shared with everything else. aiohttp is already a dependency (the
webhook endpoint). Only what an answer needs is supported: form parameters, no files.
"""

from __future__ import annotations

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Timeout = float | None


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` over one aiohttp session of `connections` at most."""

    def __init__(
        self, *, connections: int = 16, read_timeout: float = 5.0, connect_timeout: float = 5.0
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._connections)
            self._session = aiohttp.ClientSession(connector=connector)

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(  # type: ignore[override]  # PTB's timeouts are DefaultValue-typed
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("AiohttpRequest is not initialized")
        if request_data is not None and request_data.contains_files:
            raise NetworkError("AiohttpRequest sends no files")
        data = request_data.json_parameters if request_data is not None else None
        timeout = aiohttp.ClientTimeout(
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers={"User-Agent": self.USER_AGENT}
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


class Form:
    """Form parameters already as text, standing for PTB's `RequestData` where only
    `AiohttpRequest` reads them (the long poll: its own raw `getUpdates`)."""

    contains_files = False

    def __init__(self, parameters: dict[str, str]) -> None:
        self.json_parameters = parameters


def _seconds(given: object, default: float) -> Timeout:
    """PTB passes `DEFAULT_NONE` when the caller set nothing: our default then."""
    if isinstance(given, int | float) or given is None:
        return None if given is None else float(given)
    return default
