"""The console's pages: HTML shells filled in on the server (the page's words in the viewer's
language, its token, its view), a plain script and a style sheet shipped in the package, and
the refusal page. Nothing is fetched from anywhere else at run time."""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from importlib.resources import files

from aiohttp import web

from bot.core.messages import Text
from bot.i18n.catalog import catalog, render

STATIC = {
    "console.js": "text/javascript",
    "console.css": "text/css",
    "overlay.js": "text/javascript",
    "overlay.css": "text/css",
    "public.js": "text/javascript",
    "public.css": "text/css",
}
# Words the scripts show, by their short name (`web.ui.approve` -> `approve`); placeholders in
# braces are filled by the script.
UI_PREFIX = "web.ui."
SECURITY = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the token in the address never leaks to another site
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}


@cache
def asset(name: str) -> bytes:
    return files("bot.adapters.web").joinpath("static", name).read_bytes()


@cache
def version() -> str:
    """Changes when the scripts change: a page loaded before an upgrade is told to reload."""
    digest = hashlib.sha256()
    for name in sorted(STATIC):
        digest.update(asset(name))
    return digest.hexdigest()[:12]


@cache
def ui_words(locale: str) -> str:
    """The scripts' words in one language, as JSON."""
    words = {
        str(message.id)[len(UI_PREFIX) :]: str(message.string)
        for message in catalog(locale)
        if isinstance(message.id, str) and message.id.startswith(UI_PREFIX)
    }
    return json.dumps(words, ensure_ascii=False, sort_keys=True)


async def static_file(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in STATIC:
        raise web.HTTPNotFound()
    return web.Response(
        body=asset(name),
        content_type=STATIC[name],
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


def _fill(template: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        template = template.replace("{{" + name + "}}", html.escape(value, quote=True))
    return template


def page(
    name: str, locale: str, title: Text, data: dict[str, str], status: int = 200
) -> web.Response:
    """`name`.html with its title, the page's data (token, live, view) and words filled in."""
    template = asset(f"{name}.html").decode("utf-8")
    values = {
        "lang": locale,
        "title": render(title),
        "version": version(),
        "words": ui_words(locale),
        "data": json.dumps(data),
    }
    return web.Response(
        text=_fill(template, values), content_type="text/html", status=status, headers=SECURITY
    )


def refusal(locale: str, key: str, status: int) -> web.Response:
    """A refused link: a short page that says why and what to do."""
    message = render(Text(locale, key))
    body = (
        f'<!doctype html><html lang="{html.escape(locale)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>Solidaire</title></head><body><main><p role="alert">{html.escape(message)}'
        "</p></main></body></html>"
    )
    return web.Response(text=body, content_type="text/html", status=status, headers=SECURITY)
