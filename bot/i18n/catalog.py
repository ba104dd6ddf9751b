"""Gettext catalogs (fr, en) and the rendering of core `Text`s with a platform's escaper.

The `.po` files are the source of truth; Babel compiles them to `.mo` in memory at first use, so a
non-editable install never ships a stale compiled catalog. Each locale may hold several `.po` files
(one per area of the product), merged in name order.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.messages import Param, Raw, Text

LOCALES = ("fr", "en")
Escape = Callable[[str], str]


def _plain(text: str) -> str:
    return text


@cache
def catalog(locale: str) -> Catalog:
    """The merged source catalog of one locale (used by tests to check completeness)."""
    merged = Catalog(locale=locale, domain="solidaire")
    folder = files("bot.i18n").joinpath("locales", locale)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            part = read_po(fh, locale=locale)
        for message in part:
            if message.id:
                merged[message.id] = message
    return merged


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog(locale))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def supported(locale: str | None) -> str | None:
    """`fr-FR`, `fr_CA`, `FR` -> `fr`; anything we do not speak -> None."""
    if not locale:
        return None
    short = locale.replace("_", "-").split("-")[0].lower()
    return short if short in LOCALES else None


def render(text: Text, escape: Escape = _plain) -> str:
    """The text in its locale; every user-given string parameter goes through `escape`."""
    return _render(text, escape).rstrip()


def _render(text: Text, escape: Escape) -> str:
    tr = translations(text.locale)
    if text.count is None:
        template = tr.gettext(text.key)
    else:
        template = tr.ngettext(text.key, text.key, text.count)
    values = {name: _render_param(value, escape) for name, value in text.params.items()}
    if text.count is not None:
        values.setdefault("n", str(text.count))
    return template.format(**values)


def _render_param(value: Param, escape: Escape) -> str:
    if isinstance(value, Text):
        return _render(value, escape)
    if isinstance(value, Raw):
        return value.value
    if isinstance(value, tuple):
        return "\n".join(_render(item, escape) for item in value)
    if isinstance(value, int):
        return str(value)
    return escape(value)
