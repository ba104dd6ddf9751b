"""What an operator's tools read on the bot's web server: `/healthz` for a load balancer or a
container's healthcheck, `/metrics` for Prometheus.

`/healthz` answers 200 `ready` only when the database answers and every platform adapter is up
(Telegram polling or its webhook listening, Discord's gateway connected); otherwise 503 with a
short JSON body naming what is not ready, so the one reading it knows where to look.

The metrics live in a registry of this server's own (never prometheus-client's global one): two
bots in one process (the tests) count apart. Counters are fed as things happen (the outbox and
the core tell them); the figures read from the database (ledger lag, queue and inbox depth) and
the platforms' 429 counts are read at each scrape, so they cost nothing between scrapes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Mapping
from functools import partial
from typing import Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from bot.adapters.limits import RateLimitedPlatform
from bot.adapters.web.server import WebServer
from bot.core.delivery.outbox import Outbox
from bot.core.dispatcher import Core
from bot.core.messages import SendResult
from bot.core.ports import StoreUnavailable
from bot.domain.commands import COMMANDS
from bot.storage.database import SqlStore
from bot.storage.health import Backlog, backlog, ping

log = logging.getLogger(__name__)
DATABASE_WITHIN = 2.0  # seconds the database gets to answer a health check
# Command latency buckets, in seconds: a command answers in milliseconds; a platform waits 3 s
# (Discord) to 15 s (Telegram) for a press's answer.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)


class Adapter(Protocol):
    """A platform adapter (its life, as the composition root sees it) and what the health
    check and the metrics read of it."""

    limited: RateLimitedPlatform

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def problem(self) -> str | None: ...


class _RateLimits(Collector):
    """429s each platform answered, as counted by its limiter (sends, edits, answers alike)."""

    def __init__(self, adapters: Mapping[str, Adapter]) -> None:
        self._adapters = adapters

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "solidaire_rate_limited",
            "Requests a platform refused with 429 (too many requests)",
            labels=["platform"],
        )
        for name, adapter in self._adapters.items():
            family.add_metric([name], adapter.limited.stats().rate_limited)
        yield family


class Operations:
    """Adds `/healthz` and `/metrics` to the web server and feeds the metrics."""

    def __init__(
        self,
        server: WebServer,
        store: SqlStore,
        core: Core,
        outbox: Outbox,
        adapters: Mapping[str, Adapter],
    ) -> None:
        self._store, self._core, self._adapters = store, core, adapters
        self.registry = registry = CollectorRegistry()
        self.sends = Counter(
            "solidaire_sends",
            "Platform calls made by the outbox: sends, edits and calendar events, by outcome",
            ["platform", "kind", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "solidaire_command_seconds",
            "Time from a command's arrival at the core to its answer",
            ["command"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.lag = Gauge(
            "solidaire_ledger_lag_seconds",
            "Age of the oldest ledger row due and not sent yet (0 when none)",
            registry=registry,
        )
        self.queue = Gauge(
            "solidaire_queue_depth",
            "Ledger rows due now and not sent yet (what the outbox still owes)",
            registry=registry,
        )
        self.inbox = Gauge(
            "solidaire_inbox_depth",
            "Platform updates stored and not handled yet",
            ["platform"],
            registry=registry,
        )
        registry.register(_RateLimits(adapters))
        outbox.on_sent = self._sent
        core.timers.append(self._timed)
        server.app.router.add_get("/healthz", self.healthz)
        server.app.router.add_get("/metrics", self.metrics)

    def _sent(self, platform: str, kind: str, result: SendResult) -> None:
        outcome = (
            "delivered"
            if result.delivered
            else "rate_limited"
            if result.retry_after is not None
            else "failed"
        )
        self.sends.labels(platform, str(kind), outcome).inc()

    def _timed(self, command: str, seconds: float, _ok: bool) -> None:
        # Only the spec's names: a label per word someone typed would grow without end.
        self.latency.labels(command if command in COMMANDS else "other").observe(seconds)

    async def healthz(self, _request: web.Request) -> web.Response:
        problems: dict[str, str] = {}
        try:
            await asyncio.wait_for(self._store.run_sync(ping), DATABASE_WITHIN)
        except TimeoutError:
            problems["database"] = f"no answer within {DATABASE_WITHIN:.0f} s"
        except StoreUnavailable as down:  # its kind is a fixed phrase, safe to show
            problems["database"] = f"unavailable: {down.kind}"
        except Exception as error:  # whatever the driver raises: said, not raised
            # The kind only in the answer (anyone who reaches the server reads it), the detail
            # in the log.
            log.warning("health check: the database failed (%s)", _short(error))
            problems["database"] = f"failed ({type(error).__name__})"
        for name, adapter in self._adapters.items():
            if (problem := adapter.problem()) is not None:
                problems[name] = problem
        if problems:
            return web.json_response({"ready": False, "problems": problems}, status=503)
        return web.Response(text="ready")

    async def metrics(self, _request: web.Request) -> web.Response:
        now = self._core.clock.now()
        try:
            figures: Backlog | None = await asyncio.wait_for(
                self._store.run_sync(partial(backlog, now=now)), DATABASE_WITHIN
            )
        except Exception as error:
            log.warning("metrics: the database did not answer (%s)", _short(error))
            figures = None  # the counters are still worth scraping
        if figures is not None:
            self.queue.set(figures.due)
            lag = (now - figures.oldest_due).total_seconds() if figures.oldest_due else 0.0
            self.lag.set(max(lag, 0.0))
            self.inbox.clear()
            for platform in {*self._adapters, *figures.inbox}:
                self.inbox.labels(platform).set(figures.inbox.get(platform, 0))
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def _short(error: BaseException) -> str:
    first = str(error).strip().splitlines()
    return f"{type(error).__name__}: {first[0]}" if first else type(error).__name__
