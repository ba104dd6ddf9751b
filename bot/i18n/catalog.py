"""Gettext catalogs (fr, en) and the rendering of core `Text`s with a platform's escaper.

The `.po` files are the source of truth; Babel compiles them to `.mo` in memory at first use, so a
non-editable install never ships a stale compiled catalog. Each locale may hold several `.po` files
(one per area of the product), merged in name order.

The plural rule is the catalogs' own `Plural-Forms` header, never Babel's CLDR data: Babel 2.19
gave French a third form ("many", for 1,000,000) that our `.po` files do not fill, and a catalog
built from the locale's data then rendered every such plural as its key.

Commands are named in the catalogs as `{/join}` (or passed as a `CommandRef`): the renderer asks
the platform's `CommandWriter` how to write them; by default as its reader types it (`/participer`).
"""

from __future__ import annotations

import gettext
import io
import logging
import string
from collections.abc import Callable
from functools import cache
from importlib.resources import files

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.core.messages import CommandRef, Param, Raw, Text
from bot.domain.commands import word_for

LOCALES = ("fr", "en")
Escape = Callable[[str], str]
# (command name, reader's locale) -> the command as the platform shows it
CommandWriter = Callable[[str, str], str]
log = logging.getLogger(__name__)


class CatalogError(Exception):
    """The `.po` files of a locale disagree on their plural rule, or declare none."""


def _plain(text: str) -> str:
    return text


def typed(name: str, locale: str) -> str:
    """The command as a reader of `locale` types it: `/participer`, `/join`."""
    return "/" + word_for(name, locale)


@cache
def catalog(locale: str) -> Catalog:
    """The merged source catalog of one locale, its plural rule read from the files' header."""
    merged = Catalog(locale=locale, domain="solidaire")
    rule: str | None = None
    folder = files("bot.i18n").joinpath("locales", locale)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".po"):
            continue
        with entry.open("rb") as fh:
            part = read_po(fh, locale=locale)
        declared = _declared_plural_forms(part)
        if rule is not None and declared != rule:
            raise CatalogError(f"{locale}/{entry.name} declares {declared!r}, others {rule!r}")
        rule = declared
        for message in part:
            if message.id:
                merged[message.id] = message
    if rule is None:
        raise CatalogError(f"no catalog for {locale!r}")
    # Setting the header is Babel's public way to fix the rule; `write_mo` then writes it out.
    merged.mime_headers = [("Plural-Forms", rule)]
    return merged


def _declared_plural_forms(part: Catalog) -> str:
    header = dict(part.mime_headers).get("Plural-Forms")
    if not header or "nplurals" not in header:
        raise CatalogError(f"a {part.locale} catalog declares no Plural-Forms")
    return header.strip()


def plural_forms(locale: str) -> str:
    """The rule our `.po` files declare, e.g. `nplurals=2; plural=(n > 1);` for French."""
    return catalog(locale).plural_forms


@cache
def translations(locale: str) -> gettext.GNUTranslations:
    buffer = io.BytesIO()
    write_mo(buffer, catalog(locale))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def _known(locale: str) -> frozenset[str]:
    keys: set[str] = set()
    for message in catalog(locale):
        if message.id and message.string:
            keys.add(message.id if isinstance(message.id, str) else message.id[0])
    return frozenset(keys)


def has_key(locale: str, key: str) -> bool:
    return key in _known(locale)


def supported(locale: str | None) -> str | None:
    """`fr-FR`, `fr_CA`, `FR` -> `fr`; anything we do not speak -> None."""
    if not locale:
        return None
    short = locale.replace("_", "-").split("-")[0].lower()
    return short if short in LOCALES else None


def render(text: Text, escape: Escape = _plain, command: CommandWriter = typed) -> str:
    """The text in its locale; every user-given string parameter goes through `escape`, every
    command named goes through `command`."""
    return _render(text, escape, command).rstrip()


@cache
def _commands_named(template: str) -> tuple[str, ...]:
    """The commands a template names as `{/join}`."""
    fields = (name for _, name, _, _ in string.Formatter().parse(template) if name)
    return tuple(name for name in fields if name.startswith("/"))


def _render(text: Text, escape: Escape, command: CommandWriter) -> str:
    locale = _locale_holding(text)
    if locale is None:
        log.error("message %r is in no catalog", text.key)
        return translations(text.locale).gettext("error.internal")
    tr = translations(locale)
    if text.count is None:
        template = tr.gettext(text.key)
    else:
        template = tr.ngettext(text.key, text.key, text.count)
    values = {
        name: _render_param(value, escape, command, text.locale)
        for name, value in text.params.items()
    }
    for name in _commands_named(template):
        values.setdefault(name, command(name[1:], text.locale))
    if text.count is not None:
        values.setdefault("n", str(text.count))
    return template.format(**values)


def _locale_holding(text: Text) -> str | None:
    """The text's own locale, else the other one: a key must never reach a member.

    A missing key is a bug that tests catch through the ERROR record; in production the member
    reads the other language rather than `live.seats.left`."""
    if has_key(text.locale, text.key):
        return text.locale
    log.error("message %r is missing in the %r catalog", text.key, text.locale)
    return next((other for other in LOCALES if has_key(other, text.key)), None)


def _render_param(value: Param, escape: Escape, command: CommandWriter, locale: str) -> str:
    if isinstance(value, Text):
        return _render(value, escape, command)
    if isinstance(value, Raw):
        return value.value
    if isinstance(value, CommandRef):
        return command(value.name, locale)
    if isinstance(value, tuple):
        return "\n".join(_render(item, escape, command) for item in value)
    if isinstance(value, int):
        return str(value)
    return escape(value)
