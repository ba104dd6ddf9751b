"""Calendar feeds and public pages (issue 15), served by the bot's own web server.

    GET /c/{community}.ics             a public community's feed
    GET /c/{community}                 its public schedule (?page=, ?lang=)
    GET /c/{community}/{live}          one live's public page
    GET /c/{community}/{live}.ics      one live of a public community, as a file
    GET /cal/{token}                   a member's calendar page (webcal://, Google, the link)
    GET /cal/{token}.ics               a member's own feed
    GET /ics/{live}/{signature}.ics    one live as a file, from its Details in the chat

Whatever is not there, private, a draft or a wrong token gets the same short 404: nothing
about what exists is disclosed. Feeds answer ETag / If-None-Match with 304.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from aiohttp import web

from bot.adapters.web import public
from bot.adapters.web.feedcache import FeedCache, Written
from bot.adapters.web.server import WebServer
from bot.adapters.web.writer import Writer
from bot.core.calendar import feeds
from bot.core.calendar import public as schedule
from bot.core.calendar.feeds import Feed
from bot.core.calendar.links import TOKEN_PATTERN
from bot.core.dispatcher import Core
from bot.i18n.catalog import supported

log = logging.getLogger(__name__)
T = TypeVar("T")
FRESH = 30.0  # seconds a public page's data or a community feed's key is kept at most
KEPT_MAX = 5000
TOKEN = re.compile(TOKEN_PATTERN)
SIGNATURE = re.compile(r"[A-Za-z0-9_-]{16}\.ics")
ICS = "text/calendar"
MAX_PAGE = 10_000


class Calendars:
    def __init__(self, core: Core, server: WebServer) -> None:
        self.core = core
        self.cache = FeedCache()
        self.writer = Writer()
        server.parts.append(self)
        # Public pages and community feed keys, kept a little: a shared link brings a crowd.
        # Any change the core is told of (a sign-up, a move, here or in another process on the
        # same PostgreSQL) forgets them at once; what changes otherwise shows within `FRESH`
        # seconds.
        self._kept: dict[tuple[object, ...], tuple[float, object]] = {}
        core.watchers.append(lambda _change: self._kept.clear())
        # The Telegram bot's username, once its adapter knows it: the pages' one-tap links.
        self.telegram_bot: Callable[[], str | None] = lambda: None
        # Loose patterns, read here: a malformed address gets the same page as a missing one.
        part = "[^/]{1,100}"
        server.app.add_routes(
            [
                web.get(f"/c/{{community:{part}}}", self._community),
                web.get(f"/c/{{community:{part}}}/{{live:{part}}}", self._live),
                web.get(f"/cal/{{token:{part}}}", self._member),
                web.get(f"/ics/{{live:{part}}}/{{signature:{part}}}", self.live_file),
            ]
        )

    async def _community(self, request: web.Request) -> web.StreamResponse:
        name, ics = _split(request.match_info["community"])
        if _number(name) is None:
            return self._missing(request)
        return await (self.community_feed if ics else self.schedule_page)(request)

    async def _live(self, request: web.Request) -> web.StreamResponse:
        name, ics = _split(request.match_info["live"])
        if _number(request.match_info["community"]) is None or _number(name) is None:
            return self._missing(request)
        return await (self.public_live_file if ics else self.live_page)(request)

    async def _member(self, request: web.Request) -> web.StreamResponse:
        token, ics = _split(request.match_info["token"])
        if not TOKEN.fullmatch(token):
            return self._missing(request)
        return await (self.member_feed if ics else self.member_page)(request)

    async def start(self) -> None:
        pass  # the writer's process starts at the first writing

    async def stop(self) -> None:
        self.writer.stop()

    @property
    def base(self) -> str | None:
        return self.core.config.public_url

    # -- feeds -----------------------------------------------------------------------------------

    async def community_feed(self, request: web.Request) -> web.StreamResponse:
        community_id = _id(request, "community")
        store, clock = self.core.store, self.core.clock
        key = await self._keep(
            ("key", community_id), lambda: feeds.community_key(store, clock, community_id)
        )
        if key is None:
            return self._missing(request)
        written = await self.cache.obtain(
            f"c{community_id}", key,
            lambda: self._write(feeds.community_feed(store, clock, community_id), public=True),
        )  # fmt: skip
        return self._answer(request, written, f"community-{community_id}.ics")

    async def member_feed(self, request: web.Request) -> web.StreamResponse:
        store, clock, config = self.core.store, self.core.clock, self.core.config
        token = _split(request.match_info["token"])[0]
        # Kept like a community's key: `/calendar reset` and `/forgetme` go through the
        # dispatcher, whose watchers forget every kept key at once.
        found = await self._keep(
            ("member", token), lambda: feeds.member_key(store, clock, config, token)
        )
        if found is None:
            return self._missing(request)
        key, member_id = found
        written = await self.cache.obtain(
            f"m{member_id}", key,
            lambda: self._write(feeds.member_feed(store, clock, config, member_id), public=False),
        )  # fmt: skip
        answer = self._answer(request, written, "solidaire.ics")
        answer.headers["Cache-Control"] = "private, no-cache"
        answer.headers["Referrer-Policy"] = "no-referrer"
        return answer

    async def live_file(self, request: web.Request) -> web.StreamResponse:
        live_id = _number(request.match_info["live"])
        signature = request.match_info["signature"]
        if live_id is None or not SIGNATURE.fullmatch(signature):
            return self._missing(request)
        signature = signature.removesuffix(".ics")
        feed = await feeds.live_feed(self.core.store, self.core.clock, live_id, signature=signature)
        return await self._one(request, feed, f"l{live_id}", public=False)

    async def public_live_file(self, request: web.Request) -> web.StreamResponse:
        live_id = _id(request, "live")
        feed = await feeds.live_feed(self.core.store, self.core.clock, live_id)
        if feed is not None and feed.events[0].shown.live.community_id != _id(request, "community"):
            feed = None
        return await self._one(request, feed, f"p{live_id}", public=True)

    async def _one(
        self, request: web.Request, feed: Feed | None, name: str, *, public: bool
    ) -> web.StreamResponse:
        if feed is None:
            return self._missing(request)

        async def found() -> Feed:
            return feed

        written = await self.cache.obtain(
            name, feed.key, lambda: self._write(found(), public=public)
        )
        return self._answer(request, written, f"live-{feed.events[0].shown.live.id}.ics")

    async def _write(self, loading: Awaitable[Feed | None], *, public: bool) -> Written | None:
        feed = await loading
        if feed is None:
            return None
        stamp = self.core.clock.now()
        body = await self.writer.write(feed, base=self.base, stamp=stamp, public=public)
        return Written(feed.key, body)

    def _answer(
        self, request: web.Request, written: Written | None, filename: str
    ) -> web.StreamResponse:
        if written is None:
            return self._missing(request)
        headers = {
            "ETag": written.etag,
            "Cache-Control": "public, no-cache",  # may keep it, but asks each time (304)
            "X-Content-Type-Options": "nosniff",
        }
        if written.etag in _tags(request.headers.get("If-None-Match", "")):
            return web.Response(status=304, headers=headers)
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
        return web.Response(body=written.body, content_type=ICS, charset="utf-8", headers=headers)

    # -- pages -----------------------------------------------------------------------------------

    async def schedule_page(self, request: web.Request) -> web.Response:
        page = _page_number(request.query.get("page", "1"))
        community_id = _id(request, "community")
        if page is None:
            return self._missing(request)
        store, clock = self.core.store, self.core.clock
        found = await self._keep(
            ("schedule", community_id, page),
            lambda: schedule.schedule(store, clock, community_id, page),
        )
        if found is None or (page and not found.lives):
            return self._missing(request)
        locale, site = self._locale(request, found), self._site()
        return await self._written(
            ("html", community_id, page, locale, site),
            lambda: public.schedule_page(locale, found, site),
        )

    async def _written(
        self, name: tuple[object, ...], write: Callable[[], web.Response]
    ) -> web.Response:
        """A page as written less than `FRESH` seconds ago (and no change since)."""

        async def text() -> str:
            written = write().text
            assert written is not None
            return written

        return web.Response(
            text=await self._keep(name, text), content_type="text/html", headers=public.HEADERS
        )

    async def _keep(self, name: tuple[object, ...], read: Callable[[], Awaitable[T]]) -> T:
        """`read()`, or what it gave less than `FRESH` seconds ago (and no change since)."""
        kept = self._kept.get(name)
        now = time.monotonic()
        if kept is not None and now - kept[0] < FRESH:
            return cast(T, kept[1])
        value = await read()
        if len(self._kept) >= KEPT_MAX:
            self._kept.clear()
        self._kept[name] = (now, value)
        return value

    async def live_page(self, request: web.Request) -> web.Response:
        community_id, live_id = _id(request, "community"), _id(request, "live")
        found = await self._keep(
            ("live", community_id, live_id),
            lambda: schedule.one_live(self.core.store, community_id, live_id),
        )
        if found is None:
            return self._missing(request)
        locale, site = self._locale(request, found), self._site()
        return await self._written(
            ("html", community_id, live_id, locale, site),
            lambda: public.live_page(locale, found, site),
        )

    async def member_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        store, clock, config = self.core.store, self.core.clock, self.core.config
        found = await feeds.member_key(store, clock, config, token)
        if found is None:
            return self._missing(request)
        return public.member_page(self._locale(request, None), self._site(), token)

    def _site(self) -> public.Site:
        return public.Site(self.base or "", self.telegram_bot())

    def _missing(self, request: web.Request) -> web.Response:
        return public.not_found(self._locale(request, None))

    def _locale(self, request: web.Request, found: schedule.Public | None) -> str:
        """`?lang=en` if asked, else the browser's language, else the community's."""
        asked = supported(request.query.get("lang"))
        if asked:
            return asked
        for part in request.headers.get("Accept-Language", "").split(","):
            language = supported(part.split(";")[0].strip())
            if language:
                return language
        return found.community.language if found is not None else self.core.config.language


def _tags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def _page_number(raw: str) -> int | None:
    """`?page=2` -> 1 (pages count from 1 for people, from 0 here); None when not a page."""
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        return None
    return int(raw) - 1


def _split(part: str) -> tuple[str, bool]:
    """`12.ics` -> ("12", True); `12` -> ("12", False)."""
    return (part.removesuffix(".ics"), True) if part.endswith(".ics") else (part, False)


def _number(text: str) -> int | None:
    """An id: ASCII digits only (no `١٢`, no sign, no spaces), and not absurdly long."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 15 else None


def _id(request: web.Request, name: str) -> int:
    found = _number(_split(request.match_info[name])[0])
    assert found is not None  # checked by the route's dispatcher first
    return found
