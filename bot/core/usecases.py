"""Imports every use case module so their commands register (the composition root calls it)."""

from __future__ import annotations

import importlib

MODULES = (
    "bot.core.signups",
    "bot.core.lives",
    "bot.core.session",
    "bot.core.browse",
    "bot.core.community",
    "bot.core.members",
    "bot.core.questions",
    "bot.core.moderation",
    "bot.core.proposals",
    "bot.core.stats",
    "bot.core.export",
)


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(name)
