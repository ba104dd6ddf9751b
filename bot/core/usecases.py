"""Imports every use case module so their handlers bind to the declared commands (the
composition root calls it)."""

from __future__ import annotations

import importlib

MODULES = (
    "bot.core.help",
    "bot.core.lives.signups",
    "bot.core.lives.scheduling",
    "bot.core.lives.on_air",
    "bot.core.lives.browsing",
    "bot.core.community.setup",
    "bot.core.community.members",
    "bot.core.qa.questions",
    "bot.core.qa.moderation",
    "bot.core.lives.proposals",
    "bot.core.reports.stats",
    "bot.core.reports.export",
    "bot.core.console.sessions",
    "bot.core.calendar.personal",
)


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
