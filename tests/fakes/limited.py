"""Chat platforms that enforce the published send limits strictly, as a server would.

Each limit is a strict sliding window ("at most N requests in any W seconds") on this fake's own
clock (`time.monotonic`), stricter than the real services (which tolerate short bursts): a
limiter that never gets a 429 here is safe there. The numbers are written out again here, not
taken from `bot.adapters.limits`, so a wrong profile fails the tests instead of agreeing with
itself. `time_scale` shrinks every window alike (0.1: ten times faster) to keep tests short.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from bot.adapters.capabilities import DECLARED
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import Capabilities


@dataclass(frozen=True)
class Window:
    count: int
    seconds: float


@dataclass(frozen=True)
class Accepted:
    key: str
    chat_id: str
    at: float


class StrictPlatform:
    """A `ChatPlatform` answering 429 (`retry_after`, `reason` "global" or "chat") when a send
    would exceed a window, and a 5xx-like transient failure on a seeded fraction of sends.

    Every request that passes the windows counts in them, failed or not (the server saw it).
    A 429 injected with `inject_429` also bans that chat (or everything, for "global") until its
    `retry_after` is over, as the real services keep answering 429 until then.
    """

    def __init__(
        self,
        name: str,
        overall: Window,
        per_chat: Window,
        per_group: Window | None = None,
        thread_is_chat: bool = False,
        *,
        time_scale: float = 1.0,
        fail_rate: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
        delays: Sequence[float] = (),
    ) -> None:
        self.name = name
        self.capabilities = DECLARED.get(name, Capabilities())
        self._overall = Window(overall.count, overall.seconds * time_scale)
        self._per_chat = Window(per_chat.count, per_chat.seconds * time_scale)
        self._per_group = (
            None if per_group is None else Window(per_group.count, per_group.seconds * time_scale)
        )
        self._thread_is_chat = thread_is_chat
        self._fail_rate = fail_rate
        self._random = random.Random(seed)
        self.latency = latency
        # The i-th request's way to the server takes `delays[i % len(delays)]` seconds: the
        # time between a limiter letting it go and the server counting it, which a busy event
        # loop or the network stretches unevenly (two requests may even arrive swapped).
        self._delays = itertools.cycle(delays) if delays else None
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._banned: dict[str, float] = {}
        self._injected: dict[str, list[tuple[float, str]]] = {}
        self.accepted: list[Accepted] = []
        self.edited: list[Accepted] = []
        self.rate_limited = 0
        self.refusals: list[tuple[str, str, float]] = []  # (reason, chat, when) of each 429
        self.failed = 0

    def inject_429(self, chat_id: str | None, retry_after: float, reason: str = "chat") -> None:
        """The next send to `chat_id` (None: any chat) gets a 429 and is banned for a while."""
        self._injected.setdefault(chat_id or "*", []).append((retry_after, reason))

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        return await self._request(dest, key, self.accepted)

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        """Counts in the same windows as a send; recorded in `edited`."""
        return await self._request(dest, key, self.edited)

    async def _request(self, dest: Destination, key: str, record: list[Accepted]) -> SendResult:
        if self._delays is not None:
            await asyncio.sleep(next(self._delays))
        arrived = time.monotonic()
        result = self._admit(dest, arrived)
        if result is None:
            if self._fail_rate and self._random.random() < self._fail_rate:
                self.failed += 1
                result = SendResult(False, reason="5xx")
            else:
                record.append(Accepted(key, dest.chat_id, arrived))
                result = SendResult(True, message_id=str(len(record)))
        if self.latency:
            await asyncio.sleep(
                self.latency
            )  # the answer's way back; the request counted on arrival
        return result

    def sent_keys(self) -> list[str]:
        return [a.key for a in self.accepted]

    def _admit(self, dest: Destination, now: float) -> SendResult | None:
        """None when the request passes every ban and window (and then counts in them)."""
        chat = dest.chat_id
        if self._thread_is_chat and dest.thread_id:
            chat = f"{dest.chat_id}/{dest.thread_id}"
        for scope, reason in (("*", "global"), (chat, "chat")):
            until = self._banned.get(scope, 0.0)
            if until > now:
                return self._refuse(until - now, reason, chat, now)
        for scope in (chat, "*"):
            pending = self._injected.get(scope)
            if pending:
                retry_after, reason = pending.pop(0)
                self._banned["*" if reason == "global" else chat] = now + retry_after
                return self._refuse(retry_after, reason, chat, now)
        windows: list[tuple[tuple[str, str], Window, str]] = [
            (("overall", ""), self._overall, "global"),
            (("chat", chat), self._per_chat, "chat"),
        ]
        if self._per_group is not None and dest.chat_id.startswith("-"):
            windows.append((("group", chat), self._per_group, "chat"))
        for scope_key, window, reason in windows:
            seen = self._seen.setdefault(scope_key, deque())
            while seen and seen[0] <= now - window.seconds:
                seen.popleft()
            if len(seen) >= window.count:
                return self._refuse(seen[0] + window.seconds - now, reason, chat, now)
        for scope_key, _, _ in windows:
            self._seen[scope_key].append(now)
        return None

    def _refuse(self, retry_after: float, reason: str, chat: str, now: float) -> SendResult:
        self.rate_limited += 1
        self.refusals.append((reason, chat, now))
        return SendResult(False, retry_after=retry_after, reason=reason)


class StrictTelegram(StrictPlatform):
    """30 messages in any second overall, 1 in any second per chat, 20 in any minute per group
    (a chat id starting with `-`)."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        fail_rate: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
        delays: Sequence[float] = (),
    ) -> None:
        super().__init__(
            "telegram",
            Window(30, 1.0),
            Window(1, 1.0),
            Window(20, 60.0),
            time_scale=time_scale,
            fail_rate=fail_rate,
            seed=seed,
            latency=latency,
            delays=delays,
        )


class StrictDiscord(StrictPlatform):
    """50 requests in any second overall; 5 in any 5 seconds per channel (a thread is a channel)."""

    def __init__(
        self,
        *,
        time_scale: float = 1.0,
        fail_rate: float = 0.0,
        seed: int = 0,
        latency: float = 0.0,
    ) -> None:
        super().__init__(
            "discord",
            Window(50, 1.0),
            Window(5, 5.0),
            None,
            True,
            time_scale=time_scale,
            fail_rate=fail_rate,
            seed=seed,
            latency=latency,
        )
