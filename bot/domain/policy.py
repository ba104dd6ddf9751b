"""Who may do what: one table for every command and button of the spec."""

from __future__ import annotations

from bot.domain.model import Role

EVERYONE = frozenset({Role.MEMBER, Role.HOST, Role.MODERATOR, Role.ORGANIZER})
HOSTS = frozenset({Role.HOST, Role.ORGANIZER})
MODERATORS = frozenset({Role.MODERATOR, Role.ORGANIZER})
ORGANIZERS = frozenset({Role.ORGANIZER})

# "Host of that live" commands are open to everyone here and checked by the use case against the
# live's hosts (its creator, its co-hosts, organizers): a member whose proposal was accepted hosts
# that live without holding the host role.
HOST_OF_LIVE = EVERYONE
POLICY: dict[str, frozenset[Role]] = {
    "lives": EVERYONE,
    "live": EVERYONE,
    "questions": EVERYONE,
    "join": EVERYONE,
    "leave": EVERYONE,
    "ask": EVERYONE,
    "vote": EVERYONE,
    "here": EVERYONE,
    "rate": EVERYONE,
    "myschedule": EVERYONE,
    "settings": EVERYONE,
    "propose": EVERYONE,
    "forgetme": EVERYONE,
    "help": EVERYONE,
    "stop": EVERYONE,
    "schedule": HOSTS,
    "publish": HOST_OF_LIVE,
    "edit": HOST_OF_LIVE,
    "cancel": HOST_OF_LIVE,
    "golive": HOST_OF_LIVE,
    "end": HOST_OF_LIVE,
    "next": HOST_OF_LIVE,  # or a moderator: checked by the use case
    "console": HOST_OF_LIVE,  # or a moderator: checked by the use case
    "queue": MODERATORS,
    "approve": MODERATORS,
    "reject": MODERATORS,
    "merge": MODERATORS,
    "mute": MODERATORS,
    "unmute": MODERATORS,
    "modlog": MODERATORS,
    "proposals": MODERATORS,
    "accept": MODERATORS,
    "decline": MODERATORS,
    "setup": ORGANIZERS,
    "link": ORGANIZERS,
    "unlink": ORGANIZERS,
    "host": ORGANIZERS,
    "unhost": ORGANIZERS,
    "stats": ORGANIZERS,
    "export": ORGANIZERS,
}


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
    **POLICY,
    **{name: HOSTS for name in ("publish", "edit", "cancel", "golive", "end")},
    "next": HOSTS | MODERATORS,
    "console": HOSTS | MODERATORS,
}


def shown_in_help(command: str, roles: frozenset[Role]) -> bool:
    return bool(HELP_ROLES.get(command, frozenset()) & effective_roles(roles))


# Commands whose outcome never depends on the caller's roles: an adapter that must ask the
# platform for roles (Telegram's getChatMember) need not ask for these.
ROLE_BLIND = frozenset(
    {
        "join", "leave", "live", "lives", "questions", "vote", "here", "rate",
        "myschedule", "settings", "forgetme", "stop", "ask", "propose",
    }
)  # fmt: skip
