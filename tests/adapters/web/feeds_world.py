"""A community whose bot serves its calendars and public pages on a real aiohttp server, with
the core on a fake clock (tests move time across a change of daylight saving time)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from icalendar import Calendar
from multidict import CIMultiDict

from bot.adapters.web.calendars import Calendars
from bot.adapters.web.console import Console
from bot.adapters.web.server import WebServer
from tests.adapters.web.conftest import free_port
from tests.chat import Chat, Said


@dataclass
class Site:
    chat: Chat
    server: WebServer
    calendars: Calendars
    client: aiohttp.ClientSession
    base: str

    async def get(self, path: str, **headers: str) -> tuple[int, str, CIMultiDict[str]]:
        url = path if path.startswith("http") else self.base + path
        async with self.client.get(url, headers=headers) as got:
            return got.status, await got.text(), got.headers.copy()  # any case

    async def calendar(self, path: str) -> Calendar:
        status, body, headers = await self.get(path)
        assert status == 200, (status, body)
        assert headers["Content-Type"].startswith("text/calendar")
        return Calendar.from_ical(body)


@asynccontextmanager
async def serving(folder: Path, *, public: bool = True) -> AsyncIterator[Site]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    chat = await Chat.open(folder, web=True, public_url=base)
    server = WebServer(("127.0.0.1", port))
    Console(chat.core, server)  # the shared static files
    calendars = Calendars(chat.core, server)
    await server.start()
    olga = chat.as_("olga", "organizer")
    said = await olga.says("/setup public=yes" if public else "/setup")
    assert said.ok, said.text
    try:
        async with aiohttp.ClientSession() as client:
            yield Site(chat, server, calendars, client, base)
    finally:
        await server.stop()
        await chat.close()


def url_button(said: Said) -> str:
    urls = [b.url for m in said.reply.messages for row in m.buttons for b in row if b.url]
    assert len(urls) == 1, (said.text, urls)
    return str(urls[0])


def events(calendar: Calendar) -> dict[str, object]:
    """Each VEVENT by its UID."""
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def live_of(uid: str) -> int:
    found = re.match(r"live-(\d+)@", uid)
    assert found, uid
    return int(found.group(1))
