"""The HTTP client of every Telegram call: aiohttp under python-telegram-bot's `Bot`.

Why not PTB's default (httpx): measured against the fake server, one call through httpx costs
about 1.7 ms of the event loop against 0.3 ms through aiohttp, and httpcore looks at every idle
connection of its pool (a few system calls each) on every request. Under a burst of presses that
CPU is the event loop's, shared with everything else: the answers, then the long poll and the
sends (30 a second during a fan-out) moved here. aiohttp is already a dependency (the webhook
endpoint). Form parameters, and files as multipart (a report's CSV, a chart).
"""

from __future__ import annotations

from urllib.parse import urlencode

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

Timeout = float | None
FORM = "application/x-www-form-urlencoded"


class AiohttpRequest(BaseRequest):
    """A `telegram.request.BaseRequest` over one aiohttp session of `connections` at most."""

    def __init__(
        self, *, connections: int = 16, read_timeout: float = 5.0, connect_timeout: float = 5.0
    ) -> None:
        self._connections = connections
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._session: aiohttp.ClientSession | None = None
        self._headers = {"User-Agent": self.USER_AGENT}
        self._form_headers = {**self._headers, "Content-Type": FORM}

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
        data: aiohttp.FormData | bytes | None = None
        headers = self._headers
        if request_data is not None and request_data.contains_files:
            data = _multipart(request_data)
        elif request_data is not None:
            # Encoded here: given a dict, aiohttp builds a `FormData`, whose constructor makes a
            # multipart writer (a uuid4 boundary) even for a form it then URL-encodes; that was
            # 7 % of the event loop's samples during a burst of presses and a fan-out.
            data = urlencode(request_data.json_parameters).encode()
            headers = self._form_headers
        timeout = aiohttp.ClientTimeout(
            sock_connect=_seconds(connect_timeout, self._connect_timeout),
            sock_read=_seconds(read_timeout, self._read_timeout),
        )
        try:
            async with self._session.request(
                method, url, data=data, timeout=timeout, headers=headers
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error


def _multipart(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, (filename, content, mime) in request_data.multipart_data.items():
        body = content if isinstance(content, bytes) else content.read()
        form.add_field(name, body, filename=filename, content_type=mime)
    return form


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
