"""Discord's global limit kept at the wire: every request discord.py makes takes its slot.

Why: a send is not always one request. A member's first DM opens the DM channel first
(`POST /users/@me/channels`), and discord.py waits out a 429 and sends the request again on its
own; neither passes through a limiter that gates the send as a whole. Measured with
`bench/fanout.py --via discord` (2,000 first DMs, fake latency 0): 260 429s, 248 of them on DM
openings. Gating each HTTP request just before it leaves (aiohttp's request-start signal, which
discord.py lets a client install with `http_trace`) counts both requests of a first DM and every
retry, after discord.py's own per-route waits. Each request holds its place in the platform's
window until its answer is back (`window.py`): the server counts it in between, so requests
delayed unevenly on their way (those that left just before a stall of our loop reach the fake,
or Discord, with those leaving as it ends) never put 51 in one of its seconds. A global 429
seen on the way back pauses our limiter for its `Retry-After`, the same pause discord.py
observes, so the sends queued meanwhile do not all leave together when it ends.

Interaction callbacks and webhooks (answers to presses and commands) are outside Discord's
global limit: they never wait here, so a press's answer never queues behind a fan-out.
"""

from __future__ import annotations

import logging
import math
import time
from types import SimpleNamespace

import aiohttp
import discord

from bot.adapters.limits import RateLimitedPlatform, WireSlot

log = logging.getLogger(__name__)
_EXEMPT = ("/interactions/", "/webhooks/")  # not bound to the bot's global rate limit


def counted(url: str) -> bool:
    """A request to the REST API that counts toward the bot's global limit."""
    path = url.split("?", 1)[0]
    return "/api/" in path and not any(part in path for part in _EXEMPT)


class WireGate:
    """An aiohttp trace for discord.py's session, gating its REST requests on `limited`
    (set once the limiter exists: the client is built first)."""

    def __init__(self) -> None:
        self.limited: RateLimitedPlatform | None = None
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._start)
        self.trace.on_request_end.append(self._end)
        self.trace.on_request_exception.append(self._failed)

    async def _start(
        self,
        _session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if self.limited is not None and counted(str(params.url)):
            # Held until the answer (or the failure) comes back: see `wire_slot`.
            ctx.slot = await self.limited.wire_slot()

    async def _failed(
        self,
        _session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        _params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        _give_back(ctx)

    async def _end(
        self,
        _session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        _give_back(ctx)
        response = params.response
        if self.limited is None or response.status != 429 or not counted(str(params.url)):
            return
        headers = response.headers
        try:
            retry_after = float(headers.get("Retry-After", "1"))
        except ValueError:
            retry_after = 1.0
        is_global = (
            headers.get("X-RateLimit-Global", "").lower() == "true"
            or headers.get("X-RateLimit-Scope") == "global"
        )
        self.limited.refused_at_wire(retry_after, is_global=is_global)


def _give_back(ctx: SimpleNamespace) -> None:
    """The request's window slot, once: it may have reached the server (aiohttp ends every
    request it started with one of `end` or `exception`)."""
    slot: WireSlot | None = getattr(ctx, "slot", None)
    if slot is not None:
        ctx.slot = None
        slot.release(sent=True)


SWEEP_EVERY = 60.0  # seconds between two sweeps of discord.py's idle rate-limit buckets


def sweep_buckets_seldom(http: discord.http.HTTPClient, every: float = SWEEP_EVERY) -> None:
    """discord.py keeps a rate-limit bucket per route and channel (so one per DM channel) and,
    once it holds 256, scans them all for idle ones each time it makes a new one: under a DM
    fan-out that is a scan of every DM channel so far for every new DM, on the event loop,
    quadratic (2,000 first DMs: ~2 million checks, each new one a scan of ~1,000 buckets, ~0.5 ms
    taken from the presses in the same loop). The same sweep, at most every `every` seconds: a
    bucket is idle only after 300 s unused, so nothing is forgotten later than it would be."""
    sweep = getattr(http, "_try_clear_expired_ratelimits", None)
    if sweep is None:  # a discord.py that no longer sweeps this way: nothing to slow down
        log.info("discord.py has no bucket sweep to space out: left as it is")
        return
    last = -math.inf

    def seldom() -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= every:
            last = now
            sweep()

    http._try_clear_expired_ratelimits = seldom  # type: ignore[method-assign]
