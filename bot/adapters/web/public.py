"""Public pages, written on the server as plain HTML: a community's schedule, one page per live,
a member's calendar page, and the short "not found".

Readable without script (a small shipped script only adds the time in the reader's own zone
and a copy button), nothing fetched from elsewhere, phone first. Open Graph and Twitter card
tags give a shared link its preview. Of people, only counts and the hosts' names are shown.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote
from zoneinfo import ZoneInfo

from aiohttp import web

from bot.adapters.web import pages
from bot.core import codec
from bot.core.calendar import links
from bot.core.calendar.public import Public
from bot.core.calendar.repositories import Shown
from bot.core.lives import views
from bot.core.messages import Param, Text
from bot.domain.model import LiveStatus, SeatCount
from bot.i18n.catalog import render
from bot.i18n.dates import format_when

HEADERS = {
    **pages.SECURITY,
    "Cache-Control": "public, max-age=60",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PRIVATE = {**pages.SECURITY, "Referrer-Policy": "no-referrer"}  # a token in the address
OG_LOCALE = {"fr": "fr_FR", "en": "en_US"}
OTHER = {"fr": "en", "en": "fr"}


@dataclass(frozen=True)
class Site:
    base: str  # the bot's public address
    telegram_bot: str | None  # its Telegram username, when it runs on Telegram


def _t(locale: str, key: str, count: int | None = None, **params: Param) -> str:
    """A catalog text as HTML: every parameter escaped."""
    return render(Text(locale, key, params, count), escape=html.escape)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _document(
    locale: str, title: str, body: str, *, meta: dict[str, str] | None = None, path: str = ""
) -> str:
    tags = "".join(
        f"<meta {'property' if name.startswith('og:') else 'name'}"
        f'="{_e(name)}" content="{_e(value)}">'
        for name, value in (meta or {}).items()
    )
    other = OTHER[locale]
    switch = (
        f'<nav class="lang" aria-label="{_t(locale, "web.public.language")}">'
        f'<a href="{_e(path)}?lang={other}" hreflang="{other}" lang="{other}">'
        f"{_t(other, 'web.public.this_language')}</a></nav>"
    )
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title>{tags}"
        f'<link rel="stylesheet" href="/static/public.css?v={pages.version()}">'
        f'<script src="/static/public.js?v={pages.version()}" defer></script></head>'
        f'<body data-local="{_e(render(Text(locale, "web.public.local_time", {"time": "{time}"})))}"'
        f' data-copied="{_t(locale, "web.public.copied")}">'
        f'<header class="top">{switch}</header><main id="main">{body}</main>'
        f"<footer><p>{_t(locale, 'web.public.footer')}</p></footer></body></html>"
    )


def _meta(locale: str, title: str, description: str, url: str) -> dict[str, str]:
    return {
        "description": description,
        "og:type": "website",
        "og:site_name": "Solidaire",
        "og:title": title,
        "og:description": description,
        "og:url": url,
        "og:locale": OG_LOCALE[locale],
        "twitter:card": "summary",
        "twitter:title": title,
        "twitter:description": description,
    }


def _when(locale: str, shown: Shown, zone: str) -> str:
    live = shown.live
    words = format_when(live.starts_at, ZoneInfo(zone), locale)
    return (
        f'<time datetime="{live.starts_at.isoformat()}" data-zone="{_e(zone)}">{_e(words)}</time>'
    )


def _state(locale: str, shown: Shown) -> str:
    live = shown.live
    if live.status is LiveStatus.CANCELLED:
        return f'<p class="state cancelled">{_t(locale, "web.public.cancelled")}</p>'
    if live.status is LiveStatus.ENDED:
        return f'<p class="state">{_t(locale, "web.public.ended")}</p>'
    seats = views.seats(locale, live, SeatCount(shown.confirmed, shown.waitlisted))
    on_air = live.status is LiveStatus.LIVE
    mark = f'<strong class="on-air">{_t(locale, "web.public.on_air")}</strong> ' if on_air else ""
    return f'<p class="state">{mark}{render(seats, escape=html.escape)}</p>'


def _joins(locale: str, found: Public, site: Site, live_id: int | None) -> str:
    """Where to join: the bot on Telegram in one tap (it signs up for that live), the
    community's Discord server by its invite."""
    buttons = []
    if site.telegram_bot and "telegram" in found.platforms:
        start = f"?start={codec.deep_link('join', live_id)}" if live_id is not None else ""
        url = f"https://t.me/{quote(site.telegram_bot)}{start}"
        key = "web.public.join_telegram" if live_id is not None else "web.public.open_telegram"
        buttons.append(f'<a class="button telegram" href="{_e(url)}">{_t(locale, key)}</a>')
    if found.community.invite:
        buttons.append(
            f'<a class="button discord" href="{_e(found.community.invite)}">'
            f"{_t(locale, 'web.public.join_discord')}</a>"
        )
    if not buttons:
        return ""
    return f'<div class="joins">{"".join(buttons)}</div>'


def _subscribe(locale: str, feed: str, label_key: str) -> str:
    webcal = "webcal://" + feed.split("://", 1)[1]
    google = "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe="")
    return (
        '<div class="subscribe">'
        f'<a class="button" href="{_e(webcal)}">{_t(locale, label_key)}</a>'
        f'<a class="button" href="{_e(google)}">{_t(locale, "web.public.google")}</a>'
        f'<label for="feed-url">{_t(locale, "web.public.copy_label")}</label>'
        f'<div class="copy"><input id="feed-url" type="url" readonly value="{_e(feed)}">'
        f'<button type="button" data-copy="feed-url" hidden>{_t(locale, "web.public.copy")}'
        "</button></div></div>"
    )


def schedule_page(locale: str, found: Public, site: Site) -> web.Response:
    community = found.community
    path = f"/c/{community.id}"
    title = render(Text(locale, "web.public.schedule_title", {"name": community.name}))
    about = render(Text(locale, "web.public.schedule_about", {"name": community.name}))
    items = []
    for shown in found.lives:
        live = shown.live
        hosts = ", ".join(shown.hosts)
        items.append(
            f'<li><article><h2><a href="{path}/{live.id}">{_e(live.title)}</a></h2>'
            f'<p class="when">{_when(locale, shown, community.timezone)}</p>'
            + (f'<p class="host">{_t(locale, "web.public.by", names=hosts)}</p>' if hosts else "")
            + _state(locale, shown)
            + "</article></li>"
        )
    lives = (
        f'<ol class="lives">{"".join(items)}</ol>'
        if items
        else f'<p class="empty">{_t(locale, "web.public.none")}</p>'
    )
    nav = []
    if found.page > 0:
        nav.append(
            f'<a rel="prev" href="{path}?page={found.page}">{_t(locale, "web.public.previous")}</a>'
        )
    if (found.page + 1) * 20 < found.total:
        nav.append(
            f'<a rel="next" href="{path}?page={found.page + 2}">{_t(locale, "web.public.more")}</a>'
        )
    body = (
        f"<h1>{_e(title)}</h1>"
        + _joins(locale, found, site, None)
        + lives
        + (f'<nav class="pages">{"".join(nav)}</nav>' if nav else "")
        + f'<h2 class="small">{_t(locale, "web.public.calendar_title")}</h2>'
        + _subscribe(locale, links.community_feed(site.base, community.id), "web.public.subscribe")
    )
    meta = _meta(locale, title, about, links.community_page(site.base, community.id))
    text = _document(locale, title, body, meta=meta, path=path)
    return web.Response(text=text, content_type="text/html", headers=HEADERS)


def live_page(locale: str, found: Public, site: Site) -> web.Response:
    community = found.community
    (shown,) = found.lives
    live = shown.live
    path = f"/c/{community.id}/{live.id}"
    hosts = ", ".join(shown.hosts)
    when = format_when(live.starts_at, ZoneInfo(community.timezone), locale)
    about = live.description[:200] or render(Text(locale, "web.public.live_about", {"when": when}))
    parts = [
        f'<p class="crumbs"><a href="/c/{community.id}">'
        f"{_t(locale, 'web.public.back', name=community.name)}</a></p>",
        f"<h1>{_e(live.title)}</h1>",
        f'<p class="when">{_when(locale, shown, community.timezone)}</p>',
    ]
    length = _t(locale, "web.public.duration", minutes=live.duration_min)
    by = f" · {_t(locale, 'web.public.by', names=hosts)}" if hosts else ""
    parts.append(f'<p class="host">{length}{by}</p>')
    parts.append(_state(locale, shown))
    if live.description:
        paragraphs = "".join(f"<p>{_e(p)}</p>" for p in live.description.split("\n") if p.strip())
        parts.append(f'<div class="description">{paragraphs}</div>')
    if live.status is LiveStatus.ENDED and live.replay:
        parts.append(
            f'<p><a class="button" href="{_e(live.replay)}">{_t(locale, "web.public.replay")}</a></p>'
        )
    if live.open_for_signup:
        parts.append(f'<p class="how">{_t(locale, "web.public.how_to_join")}</p>')
        parts.append(_joins(locale, found, site, live.id))
        parts.append(
            f'<p><a class="button quiet" href="{path}.ics">{_t(locale, "web.public.add_live")}</a></p>'
        )
    title = f"{live.title} · {community.name}"
    meta = _meta(locale, title, about, links.live_page(site.base, live))
    text = _document(locale, title, "".join(parts), meta=meta, path=path)
    return web.Response(text=text, content_type="text/html", headers=HEADERS)


def member_page(locale: str, site: Site, token: str) -> web.Response:
    """What a chat button opens (chat buttons take only https links): the subscription."""
    feed = links.personal_feed(site.base, token)
    body = (
        f"<h1>{_t(locale, 'web.public.my_calendar_title')}</h1>"
        f"<p>{_t(locale, 'web.public.my_calendar_intro')}</p>"
        + _subscribe(locale, feed, "web.public.apple")
        + f'<p class="note">{_t(locale, "web.public.keep_secret")}</p>'
    )
    title = render(Text(locale, "web.public.my_calendar_title"))
    meta = {"robots": "noindex"}
    text = _document(locale, title, body, meta=meta, path=f"/cal/{token}")
    return web.Response(text=text, content_type="text/html", headers=PRIVATE)


def not_found(locale: str) -> web.Response:
    """The same short page for anything not there, private, a draft or a wrong token."""
    body = f"<h1>{_t(locale, 'web.public.not_found_title')}</h1><p>{_t(locale, 'web.public.not_found')}</p>"
    text = _document(locale, render(Text(locale, "web.public.not_found_title")), body)
    return web.Response(text=text, content_type="text/html", status=404, headers=PRIVATE)
