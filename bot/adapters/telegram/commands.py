"""The command menus Telegram shows, read from the spec (`bot.domain.commands`): per language
(French names for French clients) and per scope (what a member sees; what the admins of a group,
our organizers, see)."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllChatAdministrators, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.adapters.telegram.render import plain
from bot.core.messages import Text
from bot.domain.commands import COMMANDS, word_for
from bot.domain.model import Role
from bot.domain.policy import shown_in_help
from bot.i18n.catalog import LOCALES

log = logging.getLogger(__name__)
MEMBER = frozenset({Role.MEMBER})
ADMIN = frozenset({Role.ORGANIZER})


def menu(locale: str, roles: frozenset[Role]) -> list[BotCommand]:
    """Commands a person with these roles may type, named as a reader of `locale` types them."""
    out = []
    for name, spec in COMMANDS.items():
        if spec.button_only or not shown_in_help(name, roles):
            continue
        about = plain(Text(locale, f"help.{name}"))[:256]
        out.append(BotCommand(word_for(name, locale), about))
    return out


async def register(bot: Bot, default_locale: str) -> int:
    """Sets every menu (each a single call); returns how many calls were made. A failure is
    logged, not fatal: the commands work typed even without a menu."""
    calls = 0
    for scope, roles in (
        (BotCommandScopeDefault(), MEMBER),
        (BotCommandScopeAllChatAdministrators(), ADMIN),
    ):
        for locale in (None, *LOCALES):
            try:
                await bot.set_my_commands(
                    menu(locale or default_locale, roles), scope=scope, language_code=locale
                )
                calls += 1
            except TelegramError as error:
                log.warning(
                    "could not set the command menu (%s, %s): %s", scope.type, locale, error
                )
    return calls
