"""Live updates for open consoles: one board per live being watched, refreshed when the core
says something changed (a question asked on Telegram, a decision on Discord, an action in
another console, a change another process on the same PostgreSQL made and told of), and every
few seconds in case of a change nobody told of; each page hears only what its view may see.

Refreshes are coalesced: a burst of questions costs one read of the live's questions every
`GAP` seconds, not one per question.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from bot.adapters.web.cards import card_json, decision_json, live_json
from bot.adapters.web.server import EventStream, WebServer
from bot.core.console.board import Board, Card, Changes, Decision
from bot.core.console.repositories import View
from bot.core.console.sessions import Access, Denied, check
from bot.core.console.tokens import Kind
from bot.core.dispatcher import Core
from bot.core.ports import SESSION, Change
from bot.domain.model import Live

log = logging.getLogger(__name__)
GAP = 0.1  # seconds between two refreshes of a live: coalesces bursts
POLL = 5.0  # seconds: a refresh even without news (a change nobody told of, a lost notice)
RECHECK = 15.0  # seconds between checks that each open page's session is still valid


@dataclass(eq=False)
class Subscriber:
    stream: EventStream
    view: View
    locale: str
    token: str
    session_id: str


@dataclass
class Watched:
    board: Board
    subscribers: set[Subscriber] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    def __init__(self, core: Core, server: WebServer) -> None:
        self.core, self.server = core, server
        self.watched: dict[int, Watched] = {}
        self._wake = asyncio.Event()
        self._recheck_soon = False
        self.poll = POLL
        self._task: asyncio.Task[None] | None = None
        core.watchers.append(self.poke)

    def poke(self, change: Change | None = None) -> None:
        if self.watched:
            # A session closed by another process: its pages here stop now, not at the
            # next periodic check (this process's own are closed by the route itself).
            if change is not None and change.kind == SESSION and change.elsewhere:
                self._recheck_soon = True
            self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for watched in self.watched.values():
            for sub in watched.subscribers:
                sub.stream.close()

    async def join(self, access: Access, locale: str, token: str) -> EventStream:
        """A page opens its stream: it hears the whole state first, then every change."""
        live_id = access.live.id
        watched = self.watched.setdefault(live_id, Watched(Board(live_id)))
        async with watched.lock:
            await self._refresh(watched)
            stream = self.server.stream()
            sub = Subscriber(stream, access.view, locale, token, access.session.id)
            board = watched.board
            state = {
                "live": live_json(board.live) if board.live else None,
                "cards": [card_json(c, locale) for c in board.cards(access.view)],
            }
            stream.push("state", state)
            watched.subscribers.add(sub)
        return stream

    def leave(self, live_id: int, stream: EventStream) -> None:
        watched = self.watched.get(live_id)
        if watched is None:
            return
        watched.subscribers = {s for s in watched.subscribers if s.stream is not stream}
        if not watched.subscribers and not watched.lock.locked():  # no page joining meanwhile
            del self.watched[live_id]

    def close_session(self, session_id: str) -> None:
        """A logout: that session's open pages are told at once, and their streams end."""
        for watched in self.watched.values():
            for sub in watched.subscribers:
                if sub.session_id == session_id:
                    sub.stream.push("ended", {"reason": "revoked"})
                    sub.stream.close()

    def close_view(self, live_id: int, view: View) -> None:
        """The overlay's link was turned off: its open pages stop at once."""
        watched = self.watched.get(live_id)
        for sub in watched.subscribers if watched else ():
            if sub.view is view:
                sub.stream.push("ended", {"reason": "revoked"})
                sub.stream.close()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_check = loop.time() + RECHECK
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            self._wake.clear()
            for watched in list(self.watched.values()):
                try:
                    async with watched.lock:
                        await self._refresh(watched)
                except Exception:
                    log.exception("console refresh of live %s failed", watched.board.live_id)
            if loop.time() >= next_check or self._recheck_soon:
                next_check, self._recheck_soon = loop.time() + RECHECK, False
                await self._recheck()
            await asyncio.sleep(GAP)

    async def _refresh(self, watched: Watched) -> None:
        changes = await watched.board.refresh(self.core.store)
        if watched.subscribers:
            self._fan_out(watched, changes)

    def _fan_out(self, watched: Watched, changes: Changes) -> None:
        by_view: dict[View, list[tuple[str, object]]] = {}
        for sub in watched.subscribers:
            events = by_view.get(sub.view)
            if events is None:
                events = by_view[sub.view] = changes.events(watched.board, sub.view)
            for kind, item in events:
                sub.stream.push(kind, _json(kind, item, sub.locale))

    async def _recheck(self) -> None:
        """Pages whose session was revoked or expired (or whose overlay's live ended) stop."""
        for live_id, watched in list(self.watched.items()):
            for sub in list(watched.subscribers):
                kinds = frozenset({Kind.OVERLAY if sub.view is View.OVERLAY else Kind.CONSOLE})
                found = await check(self.core.store, self.core.clock, sub.token, live_id, kinds)
                if isinstance(found, Denied):
                    sub.stream.push("ended", {"reason": found.reason})
                    sub.stream.close()


def _json(kind: str, item: object, locale: str) -> object:
    if isinstance(item, Card):
        return card_json(item, locale)
    if isinstance(item, Decision):
        return decision_json(item)
    if isinstance(item, Live):
        return live_json(item)
    return item
