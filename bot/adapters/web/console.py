"""The live console's routes. The console is one more adapter of the same core: what it shows
comes from the core's board, and every action is a `Request` to the same dispatcher (checked by
the same policy table, written through the same use cases and ledger); it changes nothing else
but its own sessions (logout, the overlay's link).

    GET  /console/{live}/{token}     the page (the chat's link, or the page's own token)
    GET  /console/{live}/events?t=   its server-sent events
    POST /console/{live}/act         approve | reject | merge | mute | next (Bearer token)
    POST /console/{live}/logout      POST /console/{live}/overlay[/revoke]
    GET  /overlay/{live}/{token}     the on-air page   GET /overlay/{live}/events?t=
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot.adapters.web import pages
from bot.adapters.web.hub import Hub
from bot.adapters.web.server import WebServer
from bot.core.console import sessions
from bot.core.console.board import decision_on
from bot.core.console.repositories import View
from bot.core.console.sessions import Access, Denied
from bot.core.console.tokens import Kind
from bot.core.context import locale_for
from bot.core.dispatcher import Core
from bot.core.messages import Request, Text
from bot.i18n.catalog import render, supported

log = logging.getLogger(__name__)
TOKEN = r"{token:[A-Za-z0-9_-]{1,300}\.[A-Za-z0-9_-]{1,100}}"
LIVE = r"{live:[0-9]{1,15}}"
PAGE = frozenset({Kind.LINK, Kind.CONSOLE})
API = frozenset({Kind.CONSOLE})
OVERLAY = frozenset({Kind.OVERLAY})
STATUS = {"forged": 403, "other_live": 403, "expired": 401, "revoked": 401, "ended": 410}
ACTIONS = {  # what the page may ask, and the fields each takes
    "approve": ("question",),
    "reject": ("question", "reason"),
    "merge": ("question", "into"),
    "mute": ("question", "length"),
    "next": (),
}
TEXT_MAX = 300


class Console:
    def __init__(self, core: Core, server: WebServer) -> None:
        self.core, self.server = core, server
        self.hub = Hub(core, server)
        server.app.add_routes(
            [
                web.get("/static/{name}", pages.static_file),
                web.get(f"/console/{LIVE}/events", self.events),
                web.post(f"/console/{LIVE}/act", self.act),
                web.post(f"/console/{LIVE}/logout", self.logout),
                web.post(f"/console/{LIVE}/overlay", self.overlay),
                web.post(f"/console/{LIVE}/overlay/revoke", self.revoke_overlay),
                web.get(f"/console/{LIVE}/{TOKEN}", self.page),
                web.get(f"/overlay/{LIVE}/events", self.events),
                web.get(f"/overlay/{LIVE}/{TOKEN}", self.overlay_page),
            ]
        )
        server.parts.append(self)

    async def start(self) -> None:
        await sessions.ensure_key(self.core.store, self.core.clock)  # made at the first start
        self.hub.start()

    async def stop(self) -> None:
        await self.hub.stop()

    # -- pages ----------------------------------------------------------------------------------

    async def page(self, request: web.Request) -> web.Response:
        found = await self._check(request, request.match_info["token"], PAGE, html=True)
        if isinstance(found, web.Response):
            return found
        token = await sessions.page_token(self.core.store, self.core.clock, found)
        locale = self._locale(request, found)
        title = Text(locale, "web.page.console", {"id": found.live.id, "title": found.live.title})
        data = {"token": token, "live": str(found.live.id), "view": found.view.value}
        return pages.page("console", locale, title, data)

    async def overlay_page(self, request: web.Request) -> web.Response:
        found = await self._check(request, request.match_info["token"], OVERLAY, html=True)
        if isinstance(found, web.Response):
            return found
        locale = self._locale(request, found)
        title = Text(locale, "web.page.overlay", {"id": found.live.id})
        data = {"token": request.match_info["token"], "live": str(found.live.id), "view": "overlay"}
        return pages.page("overlay", locale, title, data)

    async def events(self, request: web.Request) -> web.StreamResponse:
        kinds = OVERLAY if request.path.startswith("/overlay/") else API
        token = request.query.get("t", "")
        found = await self._check(request, token, kinds)
        if isinstance(found, web.Response):
            return found
        stream = await self.hub.join(found, self._locale(request, found), token)
        try:
            return await self.server.serve(stream, request)
        finally:
            self.hub.leave(found.live.id, stream)

    # -- actions ----------------------------------------------------------------------------------

    async def act(self, request: web.Request) -> web.Response:
        found = await self._bearer(request)
        if isinstance(found, web.Response):
            return found
        locale = self._locale(request, found)
        if request.headers.get("X-Console-Version", pages.version()) != pages.version():
            return _said(locale, "web.stale_page", 409)
        try:
            body = await request.json()
        except ValueError:
            return _said(locale, "web.bad_request", 400)
        command = _command(body, found.live.id)
        if command is None:
            return _said(locale, "web.bad_request", 400)
        name, args = command
        member = found.member
        req = Request(
            actor=member.ref,
            command=name,
            args=args,
            display_name=member.display_name,
            username=member.username,
            # The platform's word on this member's roles when the link was made: the same
            # policy table decides with them, through the same dispatcher.
            community_facts={found.community.id: found.session.roles},
        )
        reply = await self.core.handle(req)
        message = "\n".join(render(m.text) for m in reply.messages)
        if reply.text.key == "moderation.already_decided" and "question" in args:
            message += await self._who_decided(found, args["question"], locale)
        return web.json_response(
            {"ok": reply.ok, "message": message}, status=200 if reply.ok else 409
        )

    async def _who_decided(self, access: Access, question: str, locale: str) -> str:
        """Two moderators decided at once: the one who lost is told who won, and how."""
        decision = await decision_on(self.core.store, access.live.id, int(question[1:]))
        if decision is None or decision.status.value not in ("approved", "rejected", "merged"):
            return ""
        by = decision.by or render(Text(locale, "web.ui.someone"))
        key = f"web.ui.decided.{decision.status.value}"
        params = {"id": decision.id, "by": by, "into": decision.into or ""}
        return " " + render(Text(locale, key, params))

    async def logout(self, request: web.Request) -> web.Response:
        found = await self._bearer(request)
        if isinstance(found, web.Response):
            return found
        await sessions.logout(self.core.store, self.core.clock, found)
        self.hub.close_session(found.session.id)
        self.core.changed(sessions.closed_session(found))
        return _said(self._locale(request, found), "web.logged_out", 200, ok=True)

    async def overlay(self, request: web.Request) -> web.Response:
        found = await self._bearer(request)
        if isinstance(found, web.Response):
            return found
        token = await sessions.new_overlay(self.core.store, self.core.clock, found)
        base = self.core.config.public_url or str(request.url.origin())
        url = f"{base}/overlay/{found.live.id}/{token}"
        return web.json_response({"ok": True, "url": url})

    async def revoke_overlay(self, request: web.Request) -> web.Response:
        found = await self._bearer(request)
        if isinstance(found, web.Response):
            return found
        await sessions.revoke_overlays(self.core.store, self.core.clock, found)
        self.hub.close_view(found.live.id, View.OVERLAY)
        self.core.changed(sessions.closed_session(found))
        return _said(self._locale(request, found), "web.overlay_revoked", 200, ok=True)

    # -- who is asking ------------------------------------------------------------------------------

    async def _bearer(self, request: web.Request) -> Access | web.Response:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return await self._check(request, token.strip() if scheme == "Bearer" else "", API)

    async def _check(
        self, request: web.Request, token: str, kinds: frozenset[Kind], *, html: bool = False
    ) -> Access | web.Response:
        live_id = int(request.match_info["live"])
        found = await sessions.check(self.core.store, self.core.clock, token, live_id, kinds)
        if not isinstance(found, Denied):
            return found
        locale = self._locale(request, None)
        status = STATUS.get(found.reason, 403)
        key = f"web.denied.{found.reason}"
        if html:
            return pages.refusal(locale, key, status)
        return _said(locale, key, status, reason=found.reason)

    def _locale(self, request: web.Request, access: Access | None) -> str:
        """`?lang=en` if asked, else the member's language, else the browser's, else the bot's."""
        asked = supported(request.query.get("lang"))
        if asked:
            return asked
        if access is not None:
            return locale_for(access.member, access.community, self.core.config)
        for part in request.headers.get("Accept-Language", "").split(","):
            found = supported(part.split(";")[0].strip())
            if found:
                return found
        return self.core.config.language


def _said(locale: str, key: str, status: int, *, ok: bool = False, **extra: Any) -> web.Response:
    body = {"ok": ok, "message": render(Text(locale, key)), **extra}
    return web.json_response(body, status=status)


def _command(body: object, live_id: int) -> tuple[str, dict[str, str]] | None:
    """The request the page asked for, as the core's fields; None when it is malformed."""
    if not isinstance(body, dict) or body.get("action") not in ACTIONS:
        return None
    name = str(body["action"])
    args = {"live": str(live_id)}
    for field in ACTIONS[name]:
        value = body.get(field)
        if field in ("question", "into"):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 10**15:
                return None
            args[field] = f"Q{value}"
        elif value is not None:
            if not isinstance(value, str) or len(value) > TEXT_MAX:
                return None
            args[field] = value
    if name == "mute":
        args["member"] = args.pop("question")  # `/mute Q45`: the question's author
    return name, args
