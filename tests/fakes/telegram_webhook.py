"""Telegram's side of a webhook, for the fake Bot API server: updates POSTed to the URL that
`setWebhook` gave, as Telegram delivers them, and sent again until they are taken.

What the Bot API documents: an HTTPS POST of the JSON-serialized Update to the URL, with the
`X-Telegram-Bot-Api-Secret-Token` header when a secret was set; "in case of an unsuccessful
request" (any status but 2xx) Telegram tries again, and "gives up after a reasonable amount of
attempts"; at most `max_connections` (1-100, default 40) requests at once. How it does so follows
the reference Bot API server (tdlib/telegram-bot-api, WebhookActor): updates wait in queues, one
per chat (a button press: one per member who pressed); a queue has one request in flight at a
time and keeps its order, so an update is not sent before the one before it in its queue was
taken; a failed update is retried at once the first time, then after 2, 4, 8 ... seconds (a
`Retry-After` header is honoured); an answer that never comes counts as a failure once
`timeout` has passed. Delays are multiplied by `delay_scale` (tests run faster than Telegram's
clock); attempts past the update's day of life are not modelled (tests are short).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_RESEND_DELAY = 60.0  # seconds between two attempts at most (before the scale)


@dataclass(frozen=True)
class Attempt:
    """One POST of an update: its status (0: no answer, the connection failed or timed out)."""

    update_id: int
    status: int
    at: float


@dataclass
class _Retry:
    fails: int = 0
    delay: float = 1.0
    wake_at: float = 0.0


@dataclass
class WebhookTarget:
    """What setWebhook set: where, with which secret, how many requests at once."""

    url: str
    secret: str | None
    max_connections: int = 40


def queue_of(update: dict[str, Any]) -> tuple[str, int]:
    """The delivery queue an update waits in: its chat, or for a press the member who pressed
    (the reference server's `webhook_queue_id`); anything else waits alone."""
    for kind in ("message", "edited_message", "channel_post", "my_chat_member", "chat_member"):
        if kind in update:
            return ("chat", int(update[kind]["chat"]["id"]))
    if "callback_query" in update:
        return ("user", int(update["callback_query"]["from"]["id"]))
    return ("update", int(update["update_id"]))


@dataclass
class WebhookDelivery:
    """Delivers the fake's pending updates to the webhook until stopped.

    `pending()` returns the updates waiting, oldest first (allowed types only), `taken(id)`
    removes one once a 2xx answer came, `target()` the current webhook (None: none set)."""

    pending: Callable[[], list[dict[str, Any]]]
    taken: Callable[[int], None]
    target: Callable[[], WebhookTarget | None]
    delay_scale: float = 1.0
    timeout: float = 60.0  # seconds Telegram waits for an answer
    attempts: list[Attempt] = field(default_factory=list)
    last_error: tuple[int, str] | None = None  # (unix time, message), as getWebhookInfo says
    _retry: dict[int, _Retry] = field(default_factory=dict)
    _busy: set[tuple[str, int]] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _requests: set[asyncio.Task[None]] = field(default_factory=set)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="fake telegram webhook")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._requests) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None

    @property
    def running(self) -> bool:
        return self._task is not None

    def wake(self) -> None:
        self._wake.set()

    def in_flight(self) -> int:
        return len(self._busy)

    async def _run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while True:
                self._wake.clear()
                next_at = self._send_ready(session)
                wait = None if next_at is None else max(next_at - time.monotonic(), 0.001)
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass

    def _send_ready(self, session: aiohttp.ClientSession) -> float | None:
        """Starts a request for the head of every queue that is free and due; returns when the
        earliest update held back by its retry delay falls due (None: none is)."""
        target = self.target()
        if target is None:
            return None
        now = time.monotonic()
        seen: set[tuple[str, int]] = set()
        next_at: float | None = None
        for update in self.pending():
            queue = queue_of(update)
            if queue in seen:
                continue  # not the head of its queue: it waits for the one before it
            seen.add(queue)
            if queue in self._busy:
                continue
            retry = self._retry.get(update["update_id"])
            if retry is not None and retry.wake_at > now:
                next_at = retry.wake_at if next_at is None else min(next_at, retry.wake_at)
                continue
            if len(self._busy) >= target.max_connections:
                break
            self._busy.add(queue)
            task = asyncio.create_task(self._post(session, target, update, queue))
            self._requests.add(task)
            task.add_done_callback(self._requests.discard)
        return next_at

    async def _post(
        self,
        session: aiohttp.ClientSession,
        target: WebhookTarget,
        update: dict[str, Any],
        queue: tuple[str, int],
    ) -> None:
        headers = {"Content-Type": "application/json"}
        if target.secret is not None:
            headers[SECRET_HEADER] = target.secret
        update_id = int(update["update_id"])
        retry_after = 0.0
        try:
            async with session.post(target.url, data=json.dumps(update), headers=headers) as got:
                status = got.status
                await got.read()
                if got.headers.get("Retry-After", "").isdigit():
                    retry_after = float(got.headers["Retry-After"])
            error = f"Wrong response from the webhook: {status} {got.reason or ''}".strip()
        except (aiohttp.ClientError, TimeoutError) as failure:
            status = 0
            error = f"Connection failed: {type(failure).__name__}"
        self.attempts.append(Attempt(update_id, status, time.monotonic()))
        try:
            if 200 <= status < 300:
                self._retry.pop(update_id, None)
                self.taken(update_id)
            else:
                self.last_error = (int(time.time()), error)
                self._failed(update_id, retry_after)
        finally:
            self._busy.discard(queue)
            self._wake.set()

    def _failed(self, update_id: int, retry_after: float) -> None:
        """At once after a first failure, then twice the last delay each time (the reference
        server's `on_update_error`), or what the receiver's Retry-After asked."""
        retry = self._retry.setdefault(update_id, _Retry())
        wait = retry_after
        if retry_after == 0 and retry.fails > 0:
            retry.delay = min(MAX_RESEND_DELAY, retry.delay * 2)
            wait = retry.delay
        retry.fails += 1
        retry.wake_at = time.monotonic() + wait * self.delay_scale
