"""Who may do what: the roles each command of the spec (`commands`) declares, read as one table."""

from __future__ import annotations

from bot.domain.commands import COMMANDS, EVERYONE, HOST_OF_LIVE, HOSTS, MODERATORS, ORGANIZERS
from bot.domain.model import Role

__all__ = [
    "EVERYONE",
    "HELP_ROLES",
    "HOSTS",
    "HOST_OF_LIVE",
    "MODERATORS",
    "ORGANIZERS",
    "POLICY",
    "ROLE_BLIND",
    "effective_roles",
    "may",
    "shown_in_help",
]

POLICY: dict[str, frozenset[Role]] = {name: spec.roles for name, spec in COMMANDS.items()}


def may(command: str, roles: frozenset[Role]) -> bool:
    """True when one of `roles` is allowed to run `command`; unknown commands are refused."""
    allowed = POLICY.get(command)
    return allowed is not None and bool(allowed & effective_roles(roles))


def effective_roles(roles: frozenset[Role]) -> frozenset[Role]:
    """An organizer may do whatever a host or a moderator may do; everyone is a member."""
    out = set(roles) | {Role.MEMBER}
    if Role.ORGANIZER in out:
        out |= {Role.HOST, Role.MODERATOR}
    return frozenset(out)


# What `/help` lists: "host of that live" commands are shown to those who may host at all.
HELP_ROLES: dict[str, frozenset[Role]] = {
    name: spec.shown_to or spec.roles for name, spec in COMMANDS.items()
}


def shown_in_help(command: str, roles: frozenset[Role]) -> bool:
    return bool(HELP_ROLES.get(command, frozenset()) & effective_roles(roles))


# Commands whose outcome never depends on the caller's roles: an adapter that must ask the
# platform for roles (Telegram's getChatMember) need not ask for these.
ROLE_BLIND = frozenset(name for name, spec in COMMANDS.items() if spec.role_blind)
