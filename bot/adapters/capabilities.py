"""What each platform offers, declared once: the platforms carry these, and the composition root
hands the table to the core, which asks a capability, never a platform's name."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.ports import Capabilities

# The terminal: a persona's private lines by default; no threads, no calendar.
SHELL_CAPABILITIES = Capabilities()
# Private messages by default (unless the member never opened the chat or blocked the bot);
# announcements get no thread and a group keeps no calendar.
TELEGRAM_CAPABILITIES = Capabilities()
# Private messages only on opt-in; a thread on each announcement takes the live's later posts;
# each server keeps Scheduled Events.
DISCORD_CAPABILITIES = Capabilities(
    threads=True, dms_by_default=False, calendar=True, menus=True, text_limit=2000
)

# By platform name: members and spaces of a platform this process does not run are known by
# that name only.
DECLARED: Mapping[str, Capabilities] = {
    "shell": SHELL_CAPABILITIES,
    "telegram": TELEGRAM_CAPABILITIES,
    "discord": DISCORD_CAPABILITIES,
}
