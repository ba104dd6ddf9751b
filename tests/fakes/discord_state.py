"""The world a fake Discord keeps: users, guilds, channels, messages, and the rules Discord applies.

Everything here is plain data and pure checks; `discord_rest` and `discord_gateway` put it on the wire.
Payload shapes follow what discord.py 2.7.1 reads (its `_from_data`/`__init__` methods), so the real
library builds its objects from them without falling back on defaults.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
MANAGE_EVENTS = 1 << 33
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_EVENTS = 1 << 44
ALL_PERMISSIONS = (1 << 51) - 1
BOT_DEFAULT_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
    | MANAGE_EVENTS
    | READ_MESSAGE_HISTORY
)

# Gateway intents that gate which events a connection receives.
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15
INTENT_GUILD_SCHEDULED_EVENTS = 1 << 16
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EPHEMERAL = 1 << 6
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15

LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el bg "
    "ru uk hi th zh-CN ja zh-TW ko".split()
)

THREAD_TYPES = (10, 11, 12)


def iso(at: float | None = None) -> str:
    """Discord's timestamp format (ISO 8601 with microseconds and an explicit UTC offset)."""
    return datetime.fromtimestamp(time.time() if at is None else at, UTC).isoformat()


class ApiError(Exception):
    """An HTTP error answer; the REST layer turns it into a JSON response."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def error(status: int, code: int, message: str) -> ApiError:
    return ApiError(status, {"message": message, "code": code})


def form_error(path: Sequence[str | int], code: str, message: str) -> ApiError:
    """Discord's 50035 shape: errors nested along the field path, leaf `_errors`."""
    errors: dict[str, Any] = {"_errors": [{"code": code, "message": message}]}
    for part in reversed(path):
        errors = {str(part): errors}
    return ApiError(400, {"code": 50035, "errors": errors, "message": "Invalid Form Body"})


@dataclass
class Call:
    method: str
    path: str
    json: Any
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Response:
    """What the bot answered to one interaction."""

    kind: int
    data: dict[str, Any]
    at: float
    ephemeral: bool
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits_to_original: list[dict[str, Any]] = field(default_factory=list)

    @property
    def final(self) -> bool:
        """Whether the member sees something by now (not only a loading state)."""
        if self.kind in (4, 7, 8, 9):
            return True
        return self.kind in (5, 6) and bool(self.edits_to_original or self.followups)


@dataclass
class InteractionRec:
    id: str
    token: str
    type: int
    user_id: int
    guild_id: int | None
    channel_id: int
    dispatched_at: float
    payload: dict[str, Any]
    message_id: int | None = None  # the message a component sits on
    response: Response | None = None
    original_id: int | None = None  # the message created by the response (type 4, or 5 then edit)


@dataclass
class UserRec:
    id: int
    name: str
    locale: str = "fr"
    accepts_dms: bool = False
    bot: bool = False


@dataclass
class RoleRec:
    id: int
    name: str
    permissions: int
    position: int
    mentionable: bool = False
    bot_id: int | None = None


@dataclass
class MemberRec:
    user_id: int
    roles: list[int]
    joined_at: str


@dataclass
class ChannelRec:
    id: int
    type: int
    name: str
    guild_id: int | None
    position: int = 0
    parent_id: int | None = None
    owner_id: int | None = None
    recipient_id: int | None = None


@dataclass
class GuildRec:
    id: int
    name: str
    owner_id: int
    locale: str
    roles: dict[int, RoleRec] = field(default_factory=dict)
    members: dict[int, MemberRec] = field(default_factory=dict)
    channel_ids: list[int] = field(default_factory=list)
    joined_at: str = field(default_factory=iso)


class World:
    """Users, guilds, channels and messages, with the payloads discord.py expects for them."""

    def __init__(self, *, application_id: int, bot_id: int, bot_name: str) -> None:
        self.application_id = application_id
        self.bot_id = bot_id
        self.users: dict[int, UserRec] = {bot_id: UserRec(bot_id, bot_name, "en-US", False, True)}
        self.guilds: dict[int, GuildRec] = {}
        self.channels: dict[int, ChannelRec] = {}
        self.store: dict[int, dict[str, Any]] = {}  # every message by id
        self.by_channel: dict[int, list[int]] = {}
        self.ephemeral_for: dict[
            int, int
        ] = {}  # ephemeral message id -> the only member who sees it
        self._counter = itertools.count()

    def snowflake(self, at: float | None = None) -> int:
        """A real-looking id: discord.py derives created_at from it. `at`: the wall-clock time
        it was made at, when not now."""
        ms = int((time.time() if at is None else at) * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._counter) & 0x3FFFFF)

    # -- permissions and mentions -------------------------------------------------

    def permissions(self, guild_id: int, user_id: int) -> int:
        """Guild-level permissions (channels carry no overwrites in this fake)."""
        guild = self.guilds[guild_id]
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        if member is None:
            return 0
        perms = guild.roles[guild_id].permissions
        for role_id in member.roles:
            perms |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def pings(self, message: dict[str, Any]) -> set[str]:
        """Who Discord notifies for this message, following its allowed_mentions rules."""
        if int(message.get("flags", 0)) & SUPPRESS_NOTIFICATIONS:
            return set()  # @silent: mentions are highlighted but nobody is notified
        content = message.get("content") or ""
        allowed = message.get("allowed_mentions")
        parse = {"everyone", "users", "roles"} if allowed is None else set(allowed.get("parse", []))
        users = {int(u) for u in (allowed or {}).get("users", [])}
        roles = {int(r) for r in (allowed or {}).get("roles", [])}
        guild_id = int(message["guild_id"]) if message.get("guild_id") else None
        author = int(message["author"]["id"])
        may_mention_all = guild_id is not None and bool(
            self.permissions(guild_id, author) & MENTION_EVERYONE
        )
        out: set[str] = set()
        if guild_id is not None and "everyone" in parse and may_mention_all:
            if "@everyone" in content:
                out.add("everyone")
            if "@here" in content:
                out.add("here")
        for raw in re.findall(r"<@!?(\d+)>", content):
            if "users" in parse or int(raw) in users:
                out.add(f"user:{int(raw)}")
        if guild_id is not None:
            guild = self.guilds[guild_id]
            for raw in re.findall(r"<@&(\d+)>", content):
                role = guild.roles.get(int(raw))
                if role is None or not (role.mentionable or may_mention_all):
                    continue
                if "roles" in parse or role.id in roles:
                    out.add(f"role:{role.id}")
        ref = message.get("message_reference")
        if ref and (allowed is None or allowed.get("replied_user")):
            replied = self.store.get(int(ref.get("message_id", 0)))
            if replied is not None and int(replied["author"]["id"]) != author:
                out.add(f"user:{int(replied['author']['id'])}")
        return out

    # -- payloads ---------------------------------------------------------------

    def user_payload(self, user_id: int) -> dict[str, Any]:
        user = self.users[user_id]
        return {
            "id": str(user.id),
            "username": user.name.lower().replace(" ", "_"),
            "global_name": user.name,
            "discriminator": "0",
            "avatar": None,
            "bot": user.bot,
            "public_flags": 0,
        }

    def member_payload(
        self, guild_id: int, user_id: int, *, with_user: bool = True, with_permissions: bool = False
    ) -> dict[str, Any]:
        member = self.guilds[guild_id].members[user_id]
        out: dict[str, Any] = {
            "roles": [str(r) for r in member.roles],
            "joined_at": member.joined_at,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            out["user"] = self.user_payload(user_id)
        if with_permissions:
            out["permissions"] = str(self.permissions(guild_id, user_id))
        return out

    @staticmethod
    def role_payload(role: RoleRec) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": str(role.id),
            "name": role.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": role.position,
            "permissions": str(role.permissions),
            "managed": role.bot_id is not None,
            "mentionable": role.mentionable,
            "flags": 0,
        }
        if role.bot_id is not None:
            out["tags"] = {"bot_id": str(role.bot_id)}
        return out

    def channel_payload(self, channel_id: int, *, for_user: int | None = None) -> dict[str, Any]:
        ch = self.channels[channel_id]
        if ch.type == 1:
            assert ch.recipient_id is not None
            return {
                "id": str(ch.id),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self.user_payload(ch.recipient_id)],
            }
        out: dict[str, Any] = {
            "id": str(ch.id),
            "type": ch.type,
            "guild_id": str(ch.guild_id),
            "name": ch.name,
            "position": ch.position,
            "permission_overwrites": [],
            "parent_id": None if ch.parent_id is None else str(ch.parent_id),
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if ch.type in THREAD_TYPES:
            del out["position"], out["permission_overwrites"]
            out |= {
                "owner_id": str(ch.owner_id),
                "message_count": len(self.by_channel.get(ch.id, [])),
                "member_count": 1,
                "total_message_sent": len(self.by_channel.get(ch.id, [])),
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": iso(),
                    "locked": False,
                    "create_timestamp": iso(),
                },
            }
        else:
            out["topic"] = None
        if for_user is not None and ch.guild_id is not None:
            out["permissions"] = str(self.permissions(ch.guild_id, for_user))
        return out

    def guild_payload(
        self, guild_id: int, *, with_members: bool, events: Iterable[dict[str, Any]] = ()
    ) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        # Without the GUILD_MEMBERS intent Discord sends only the bot itself in GUILD_CREATE.
        member_ids = list(guild.members) if with_members else [self.bot_id]
        channels = [self.channels[c] for c in guild.channel_ids]
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "application_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
            "preferred_locale": guild.locale,
            "features": [],
            "emojis": [],
            "stickers": [],
            "roles": [self.role_payload(r) for r in guild.roles.values()],
            "joined_at": guild.joined_at,
            "large": False,
            "unavailable": False,
            "lazy": True,
            "member_count": len(guild.members),
            "members": [self.member_payload(guild_id, uid) for uid in member_ids],
            "channels": [
                self.channel_payload(c.id) for c in channels if c.type not in THREAD_TYPES
            ],
            "threads": [self.channel_payload(c.id) for c in channels if c.type in THREAD_TYPES],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": list(events),
            "soundboard_sounds": [],
        }

    @staticmethod
    def wire(message: dict[str, Any]) -> dict[str, Any]:
        """A stored message as Discord returns it (without the fake's bookkeeping keys)."""
        return {k: v for k, v in message.items() if k not in ("deleted", "allowed_mentions")}

    def new_message(
        self,
        channel_id: int,
        author_id: int,
        payload: dict[str, Any],
        *,
        message_id: int | None = None,
        webhook_id: int | None = None,
        interaction: InteractionRec | None = None,
    ) -> dict[str, Any]:
        """Build (not store) a message the way Discord echoes it, pings resolved."""
        ch = self.channels[channel_id]
        msg: dict[str, Any] = {
            "id": str(message_id or self.snowflake()),
            "channel_id": str(channel_id),
            "author": self.user_payload(author_id),
            "content": payload.get("content") or "",
            "timestamp": iso(),
            "edited_timestamp": None,
            "tts": bool(payload.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": payload.get("attachments_out", []),
            "embeds": payload.get("embeds") or [],
            "components": payload.get("components") or [],
            "pinned": False,
            "type": 0 if interaction is None or interaction.type != 2 else 20,
            "flags": int(payload.get("flags") or 0),
            "deleted": False,
            "allowed_mentions": payload.get("allowed_mentions"),
        }
        if ch.guild_id is not None:
            msg["guild_id"] = str(ch.guild_id)
            if author_id in self.guilds[ch.guild_id].members:
                msg["member"] = self.member_payload(ch.guild_id, author_id, with_user=False)
        if payload.get("nonce") is not None:
            msg["nonce"] = payload["nonce"]
        if payload.get("message_reference"):
            ref = dict(payload["message_reference"])
            ref.setdefault("channel_id", str(channel_id))
            msg["message_reference"] = ref
            msg["type"] = 19
        if webhook_id is not None:
            msg["webhook_id"] = str(webhook_id)
            msg["application_id"] = str(self.application_id)
        if interaction is not None:
            msg["interaction_metadata"] = {
                "id": interaction.id,
                "type": interaction.type,
                "user": self.user_payload(interaction.user_id),
                "authorizing_integration_owners": {},
            }
        self.resolve_mentions(msg)
        return msg

    def resolve_mentions(self, msg: dict[str, Any]) -> None:
        pinged = self.pings(msg)
        msg["mention_everyone"] = bool(pinged & {"everyone", "here"})
        msg["mentions"] = [
            self.user_payload(int(p[5:]))
            for p in sorted(pinged)
            if p.startswith("user:") and int(p[5:]) in self.users
        ]
        msg["mention_roles"] = [p[5:] for p in sorted(pinged) if p.startswith("role:")]

    def keep(self, msg: dict[str, Any], *, ephemeral_for: int | None = None) -> None:
        mid = int(msg["id"])
        self.store[mid] = msg
        if ephemeral_for is not None:
            self.ephemeral_for[mid] = ephemeral_for
        else:
            self.by_channel.setdefault(int(msg["channel_id"]), []).append(mid)

    def find_component(
        self, components: list[dict[str, Any]], custom_id: str
    ) -> dict[str, Any] | None:
        for comp in components:
            if comp.get("custom_id") == custom_id:
                return comp
            for key in ("components", "accessory", "component"):
                inner = comp.get(key)
                inner_list = inner if isinstance(inner, list) else [inner] if inner else []
                found = self.find_component(inner_list, custom_id)
                if found is not None:
                    return found
        return None
