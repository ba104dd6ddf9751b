"""A strict fake Discord (REST + gateway on 127.0.0.1) for the real discord.py 2.7.1.

Point discord.py at it with `discord.http.Route.BASE = fake.api_base` and
`discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)`.
Strict means: unknown routes 404, commands that were never synced cannot be run, interactions
answered after `ack_deadline` get Discord's 10062, and every call is recorded for assertions.
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from tests.fakes.discord_gateway import Gateway
from tests.fakes.discord_rest import Failure, Rest
from tests.fakes.discord_state import (
    ALL_PERMISSIONS,
    BOT_DEFAULT_PERMISSIONS,
    EMBED_LINKS,
    INTENT_GUILD_MEMBERS,
    INTENT_GUILDS,
    INTENT_MESSAGE_CONTENT,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    VIEW_CHANNEL,
    Call,
    ChannelRec,
    GuildRec,
    InteractionRec,
    MemberRec,
    Response,
    RoleRec,
    UserRec,
    World,
    iso,
)

# aiohttp honours proxy variables only with trust_env, httpx always: keep 127.0.0.1 direct anyway.
for _var in ("NO_PROXY", "no_proxy"):
    _hosts = [h for h in os.environ.get(_var, "").split(",") if h]
    os.environ[_var] = ",".join(_hosts + [h for h in ("127.0.0.1", "localhost") if h not in _hosts])

__all__ = ["Call", "FakeDiscord", "Response"]


class FakeDiscord:
    def __init__(
        self,
        *,
        token: str = "discord-test-token",
        application_id: int = 900,
        bot_id: int = 901,
        bot_name: str = "Solidaire",
        ack_deadline: float = 3.0,
        enforce_limits: bool = False,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_id = bot_id
        self.ack_deadline = ack_deadline
        self.enforce_limits = enforce_limits
        self.world = World(application_id=application_id, bot_id=bot_id, bot_name=bot_name)
        self.api_base = ""
        self.gateway_url = ""
        self.started_at = time.monotonic()
        # What went over the wire, and what Discord now holds.
        self.calls: list[Call] = []
        self.late_acks: list[str] = []
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_ids: dict[tuple[int | None, int, str], int] = {}
        self.sync_count = 0
        self.events: dict[int, dict[str, Any]] = {}
        self.invites: dict[str, dict[str, Any]] = {}  # code -> the channel and what was asked
        self.threads: dict[int, dict[str, Any]] = {}
        self.dms: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[str, InteractionRec] = {}
        # Called with each interaction as its first response arrives (tests and benchmarks
        # look at the bot's database at that moment).
        self.on_response: Callable[[InteractionRec], None] | None = None
        self.failures: list[Failure] = []
        self.latency = 0.0
        self.held_until = 0.0  # see `hold`
        self.request_count = 0
        self.too_many = 0
        self.invalid_count = 0
        self._dm_channels: dict[int, int] = {}
        self._submitted_modals: set[str] = set()
        self.gateway = Gateway(
            self.world,
            token=token,
            url=lambda: self.gateway_url,
            events_of=lambda gid: [e for e in self.events.values() if int(e["guild_id"]) == gid],
        )
        self.rest = Rest(self)
        # Exceptions inside the fake itself (not Discord errors): a test should assert it is empty.
        self.crashes: list[str] = self.gateway.crashes
        self._runner: web.AppRunner | None = None

    # -- lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/v10/{tail:.*}", self.rest.handle)
        app.router.add_get("/", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.api_base = f"http://127.0.0.1:{port}/api/v10"
        self.gateway_url = f"ws://127.0.0.1:{port}/"
        self.started_at = time.monotonic()

    async def stop(self) -> None:
        await self.gateway.close_all()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def identify_count(self) -> int:
        return self.gateway.identify_count

    @property
    def identified_intents(self) -> list[int]:
        return self.gateway.identified_intents

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send any gateway event to every connected (identified) client."""
        self.gateway.dispatch(event, data)

    # -- world ----------------------------------------------------------------------

    def add_guild(
        self,
        guild_id: int,
        name: str,
        *,
        owner_id: int,
        locale: str = "fr",
        everyone_permissions: int = 0,
    ) -> None:
        """A guild with @everyone (id == guild id) and the bot holding a managed "Solidaire" role.

        @everyone has no permissions by default so that `set_bot_permissions` alone decides what the
        bot may do; pass `everyone_permissions` for a more lifelike guild.
        """
        world = self.world
        guild = GuildRec(guild_id, name, owner_id, locale)
        guild.roles[guild_id] = RoleRec(guild_id, "@everyone", everyone_permissions, 0)
        bot_role = world.snowflake()
        bot_name = world.users[self.bot_id].name
        guild.roles[bot_role] = RoleRec(
            bot_role, bot_name, BOT_DEFAULT_PERMISSIONS, 1, bot_id=self.bot_id
        )
        guild.members[self.bot_id] = MemberRec(self.bot_id, [bot_role], iso())
        if owner_id not in world.users:
            world.users[owner_id] = UserRec(owner_id, f"owner-{owner_id}")
        guild.members.setdefault(owner_id, MemberRec(owner_id, [], iso()))
        world.guilds[guild_id] = guild
        self.gateway.dispatch_each(
            "GUILD_CREATE", lambda i: self.gateway.guild_create(guild_id, i), intent=INTENT_GUILDS
        )

    def add_channel(self, guild_id: int, channel_id: int, name: str, *, kind: int = 0) -> None:
        guild = self.world.guilds[guild_id]
        self.world.channels[channel_id] = ChannelRec(
            channel_id, kind, name, guild_id, position=len(guild.channel_ids)
        )
        guild.channel_ids.append(channel_id)
        self.gateway.dispatch(
            "CHANNEL_CREATE", self.world.channel_payload(channel_id), intent=INTENT_GUILDS
        )

    def add_role(
        self,
        guild_id: int,
        role_id: int,
        name: str,
        *,
        permissions: int = 0,
        mentionable: bool = False,
    ) -> None:
        guild = self.world.guilds[guild_id]
        guild.roles[role_id] = RoleRec(role_id, name, permissions, len(guild.roles), mentionable)
        payload = {"guild_id": str(guild_id), "role": self.world.role_payload(guild.roles[role_id])}
        self.gateway.dispatch("GUILD_ROLE_CREATE", payload, intent=INTENT_GUILDS)

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        name: str,
        *,
        roles: Iterable[int] = (),
        locale: str = "fr",
        accepts_dms: bool = False,
    ) -> None:
        guild = self.world.guilds[guild_id]
        roles = list(roles)
        unknown = [r for r in roles if r not in guild.roles]
        if unknown:
            raise AssertionError(f"roles {unknown} do not exist in guild {guild_id}")
        self.world.users[user_id] = UserRec(user_id, name, locale, accepts_dms)
        guild.members[user_id] = MemberRec(user_id, roles, iso())
        payload = self.world.member_payload(guild_id, user_id) | {"guild_id": str(guild_id)}
        self.gateway.dispatch("GUILD_MEMBER_ADD", payload, intent=INTENT_GUILD_MEMBERS)

    def set_bot_permissions(self, guild_id: int, permissions: int) -> None:
        guild = self.world.guilds[guild_id]
        role = next(r for r in guild.roles.values() if r.bot_id == self.bot_id)
        role.permissions = permissions
        payload = {"guild_id": str(guild_id), "role": self.world.role_payload(role)}
        self.gateway.dispatch("GUILD_ROLE_UPDATE", payload, intent=INTENT_GUILDS)

    def add_scheduled_event(
        self, guild_id: int, name: str, *, start: str | None = None, status: int = 1
    ) -> int:
        """Insert an external event directly (no HTTP), e.g. to fill a guild up to its limit."""
        event_id = self.world.snowflake()
        start = start or iso(time.time() + 86400)
        self.events[event_id] = {
            "id": str(event_id),
            "guild_id": str(guild_id),
            "channel_id": None,
            "creator_id": str(self.bot_id),
            "name": name,
            "description": None,
            "scheduled_start_time": start,
            "scheduled_end_time": iso(time.time() + 90000),
            "privacy_level": 2,
            "status": status,
            "entity_type": 3,
            "entity_id": None,
            "entity_metadata": {"location": "ailleurs"},
            "image": None,
        }
        return event_id

    def dm_channel(self, user_id: int, channel_id: int | None = None) -> int:
        """The bot's DM channel with a member (created on first use, like POST /users/@me/channels)."""
        known = self._dm_channels.get(user_id)
        if known is not None:
            if channel_id is not None and channel_id != known:
                raise AssertionError(f"user {user_id}'s DM channel is {known}, not {channel_id}")
            return known
        if channel_id is not None and channel_id in self.world.channels:
            raise AssertionError(f"channel {channel_id} is not a DM channel of user {user_id}")
        cid = channel_id or self.world.snowflake()
        self.world.channels[cid] = ChannelRec(cid, 1, "", None, recipient_id=user_id)
        self._dm_channels[user_id] = cid
        return cid

    def push_message(
        self,
        user_id: int,
        channel_id: int,
        content: str,
        *,
        allowed_mentions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A member writes in a channel: stored, then MESSAGE_CREATE to the bot."""
        body: dict[str, Any] = {"content": content, "allowed_mentions": allowed_mentions}
        msg = self.world.new_message(channel_id, user_id, body)
        self.world.keep(msg)
        self.rest.echo("MESSAGE_CREATE", msg)
        return msg

    def visible(self, msg: dict[str, Any], intents: int) -> dict[str, Any]:
        """A message as a connection with these intents sees it (content needs MESSAGE_CONTENT)."""
        wire = self.world.wire(msg)
        mentioned = any(int(u["id"]) == self.bot_id for u in msg.get("mentions", []))
        if intents & INTENT_MESSAGE_CONTENT or "guild_id" not in msg or mentioned:
            return wire
        if int(msg["author"]["id"]) == self.bot_id:
            return wire
        return wire | {"content": "", "embeds": [], "attachments": [], "components": []}

    # -- reading what happened ------------------------------------------------------

    def messages(self, channel_id: int) -> list[dict[str, Any]]:
        """Messages in a channel, oldest first, latest state (with "deleted"); ephemeral ones excluded."""
        return [self.world.store[m] for m in self.world.by_channel.get(channel_id, [])]

    def pings(self, message: dict[str, Any]) -> set[str]:
        return self.world.pings(message)

    def response(self, interaction_id: str) -> Response | None:
        return self.interactions[interaction_id].response

    async def wait_response(
        self,
        interaction_id: str,
        timeout: float = 5.0,  # noqa: ASYNC109 - the public API takes a timeout
        *,
        final: bool = True,
    ) -> Response:
        rec = self.interactions[interaction_id]

        def answered() -> bool:
            return rec.response is not None and (not final or rec.response.final)

        await self.wait_for(
            answered, timeout, what=f"a {'final ' if final else ''}response to {interaction_id}"
        )
        assert rec.response is not None
        return rec.response

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the public API takes a timeout
        *,
        what: str = "",
    ) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                last = [f"{c.method} {c.path}" for c in self.calls[-5:]]
                name = what or getattr(predicate, "__qualname__", repr(predicate))
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {name}; last calls: {last}"
                )
            await asyncio.sleep(0.01)

    # -- steering -------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        body: dict[str, Any],
        retry_after: float | None = None,
        is_global: bool = False,
        times: int = 1,
    ) -> None:
        self.failures.append(
            Failure(
                method.upper(),
                re.compile(path_pattern),
                status,
                body,
                retry_after,
                is_global,
                times,
            )
        )

    def set_latency(self, seconds: float) -> None:
        """Delay every REST request by this much before Discord "receives" it (acks count from then)."""
        self.latency = seconds

    def hold(self, seconds: float) -> None:
        """A hiccup on the way to Discord: every REST request sent within the next `seconds`
        reaches it (is counted, answered) only when they end, all together, while the bot
        goes on sending. Requests that left a second apart then land in one second."""
        self.held_until = time.monotonic() + seconds

    # -- interactions ----------------------------------------------------------------

    def _interact(
        self,
        itype: int,
        user_id: int,
        guild_id: int | None,
        channel_id: int,
        data: dict[str, Any],
        *,
        message: dict[str, Any] | None = None,
        at: float | None = None,
    ) -> str:
        world = self.world
        if not self.gateway.ready and not self.gateway.resumable:  # kept for a RESUME
            raise AssertionError(
                "no bot is connected to the gateway: nobody would receive this interaction"
            )
        if user_id not in world.users:
            raise AssertionError(f"unknown user {user_id}: add_member first")
        # `at` (monotonic): when Discord made the interaction, if earlier than now. The fake
        # runs on the bot's loop, so a press made while the loop was blocked is only sent once
        # it runs again; Discord would have made it at its time, and counts its 3 s from then
        # (the id's timestamp says when too). A backlog after a stall is sent at once.
        made = time.monotonic() if at is None else min(at, time.monotonic())
        iid = str(world.snowflake(time.time() - (time.monotonic() - made)))
        payload: dict[str, Any] = {
            "id": iid,
            "application_id": str(self.application_id),
            "type": itype,
            "data": data,
            "token": secrets.token_urlsafe(48),
            "version": 1,
            "locale": world.users[user_id].locale,
            "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(guild_id or 0)},
        }
        if guild_id is not None:
            guild = world.guilds.get(guild_id)
            if guild is None or user_id not in guild.members:
                raise AssertionError(f"user {user_id} is not a member of guild {guild_id}")
            ch = world.channels.get(channel_id)
            if ch is None or ch.guild_id != guild_id:
                raise AssertionError(f"channel {channel_id} is not in guild {guild_id}")
            payload |= {
                "guild_id": str(guild_id),
                "guild_locale": guild.locale,
                "guild": {"id": str(guild_id), "locale": guild.locale, "features": []},
                "member": world.member_payload(guild_id, user_id, with_permissions=True),
                "app_permissions": str(world.permissions(guild_id, self.bot_id)),
                "context": 0,
            }
        else:
            channel_id = self.dm_channel(user_id, channel_id)
            payload |= {
                "user": world.user_payload(user_id),
                "app_permissions": str(
                    VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | READ_MESSAGE_HISTORY
                ),
                "context": 1,
            }
        payload["channel_id"] = str(channel_id)
        payload["channel"] = world.channel_payload(channel_id, for_user=user_id)
        if message is not None:
            payload["message"] = world.wire(message)
        rec = InteractionRec(
            iid, payload["token"], itype, user_id, guild_id, channel_id, made, payload
        )
        if message is not None:
            rec.message_id = int(message["id"])
        self.interactions[iid] = rec
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return iid

    def _command(
        self, name: str, guild_id: int | None, user_id: int
    ) -> tuple[dict[str, Any], bool]:
        found = [
            (c, False) for c in self.commands.get(None, []) if c["name"] == name and c["type"] == 1
        ]
        if guild_id is not None:
            found = [
                (c, True)
                for c in self.commands.get(guild_id, [])
                if c["name"] == name and c["type"] == 1
            ] + found
        if not found:
            raise AssertionError(f"command /{name} was never synced")
        cmd, in_guild = found[0]
        contexts = cmd.get("contexts")
        if guild_id is None and (
            in_guild
            or (contexts is not None and 1 not in contexts)
            or cmd.get("dm_permission") is False
        ):
            raise AssertionError(f"/{name} is not available in DMs")
        if guild_id is not None and contexts is not None and 0 not in contexts:
            raise AssertionError(f"/{name} is not available in guilds")
        needed = cmd.get("default_member_permissions")
        if guild_id is not None and needed is not None:
            # "0" hides the command from everyone but administrators (and the owner).
            perms, bits = self.world.permissions(guild_id, user_id), int(needed)
            if perms != ALL_PERMISSIONS and (bits == 0 or perms & bits != bits):
                raise AssertionError(
                    f"user {user_id} cannot see /{name} (default_member_permissions {needed})"
                )
        return cmd, in_guild

    def _option(
        self,
        cmd: str,
        d: dict[str, Any],
        value: Any,
        guild_id: int | None,
        resolved: dict[str, dict[str, Any]],
    ) -> Any:
        kind, name = d["type"], d["name"]
        world = self.world
        if kind in (3, 4, 10):
            python_type: Any = {3: str, 4: int, 10: int | float}[kind]
            if not isinstance(value, python_type) or isinstance(value, bool):
                raise AssertionError(
                    f"/{cmd} {name}: {value!r} is not a valid option of type {kind}"
                )
            choices = d.get("choices")
            if choices and value not in [c["value"] for c in choices]:
                raise AssertionError(
                    f"/{cmd} {name}: {value!r} is not one of the choices {choices}"
                )
            size = len(value) if kind == 3 else value
            low, high = ("min_length", "max_length") if kind == 3 else ("min_value", "max_value")
            if (d.get(low) is not None and size < d[low]) or (
                d.get(high) is not None and size > d[high]
            ):
                raise AssertionError(
                    f"/{cmd} {name}: {value!r} is outside {d.get(low)}..{d.get(high)}"
                )
            return value
        if kind == 5:
            if not isinstance(value, bool):
                raise AssertionError(f"/{cmd} {name}: {value!r} is not a boolean")
            return value
        ident = int(getattr(value, "id", value))
        guild = world.guilds.get(guild_id) if guild_id is not None else None
        if kind in (6, 9) and ident in world.users:
            resolved.setdefault("users", {})[str(ident)] = world.user_payload(ident)
            if guild is not None and ident in guild.members:
                member = world.member_payload(
                    guild.id, ident, with_user=False, with_permissions=True
                )
                resolved.setdefault("members", {})[str(ident)] = member
            return str(ident)
        if kind in (8, 9) and guild is not None and ident in guild.roles:
            resolved.setdefault("roles", {})[str(ident)] = world.role_payload(guild.roles[ident])
            return str(ident)
        if kind == 7 and ident in world.channels and world.channels[ident].guild_id == guild_id:
            types = d.get("channel_types")
            if types and world.channels[ident].type not in types:
                raise AssertionError(f"/{cmd} {name}: channel {ident} is not of types {types}")
            resolved.setdefault("channels", {})[str(ident)] = world.channel_payload(
                ident, for_user=self.bot_id
            )
            return str(ident)
        raise AssertionError(f"/{cmd} {name}: {value!r} does not resolve to a {kind} option here")

    def _build_data(
        self,
        user_id: int,
        name: str,
        options: dict[str, Any],
        guild_id: int | None,
        subcommand: str | None,
        focused: str | None = None,
    ) -> dict[str, Any]:
        cmd, in_guild = self._command(name, guild_id, user_id)
        defs: list[dict[str, Any]] = cmd.get("options") or []
        path: list[dict[str, Any]] = []
        for part in (subcommand or "").split():
            sub = next((d for d in defs if d["name"] == part and d["type"] in (1, 2)), None)
            if sub is None:
                raise AssertionError(f"/{name} has no subcommand {part!r}")
            path.append({"type": sub["type"], "name": part, "options": []})
            defs = sub.get("options") or []
        if any(d["type"] in (1, 2) for d in defs):
            raise AssertionError(
                f"/{name} {subcommand or ''}: pick a subcommand among {[d['name'] for d in defs]}"
            )
        unknown = set(options) - {d["name"] for d in defs}
        if unknown:
            raise AssertionError(
                f"/{name} has no option(s) {sorted(unknown)}; synced: {[d['name'] for d in defs]}"
            )
        resolved: dict[str, dict[str, Any]] = {}
        built: list[dict[str, Any]] = []
        for d in defs:
            if d["name"] not in options:
                if d.get("required") and focused is None:
                    raise AssertionError(f"/{name}: option {d['name']!r} is required")
                continue
            if focused is not None and d["name"] == focused:
                if not d.get("autocomplete"):
                    raise AssertionError(f"/{name}: option {focused!r} has no autocomplete")
                built.append(
                    {
                        "type": d["type"],
                        "name": focused,
                        "value": str(options[focused]),
                        "focused": True,
                    }
                )
                continue
            value = self._option(name, d, options[d["name"]], guild_id, resolved)
            built.append({"type": d["type"], "name": d["name"], "value": value})
        if focused is not None and focused not in options:
            raise AssertionError(f"/{name}: the focused option {focused!r} needs a (partial) value")
        for level in reversed(path):
            level["options"] = built
            built = [level]
        data: dict[str, Any] = {"id": cmd["id"], "name": cmd["name"], "type": 1, "options": built}
        if resolved:
            data["resolved"] = resolved
        if in_guild:
            data["guild_id"] = str(guild_id)
        return data

    def slash(
        self,
        user_id: int,
        name: str,
        options: dict[str, Any] | None = None,
        *,
        guild_id: int | None,
        channel_id: int,
        subcommand: str | None = None,
    ) -> str:
        data = self._build_data(user_id, name, options or {}, guild_id, subcommand)
        return self._interact(2, user_id, guild_id, channel_id, data)

    def autocomplete(
        self,
        user_id: int,
        name: str,
        options: dict[str, Any],
        focused: str,
        *,
        guild_id: int | None,
        channel_id: int,
        subcommand: str | None = None,
    ) -> str:
        data = self._build_data(user_id, name, options, guild_id, subcommand, focused)
        return self._interact(4, user_id, guild_id, channel_id, data)

    def press(
        self,
        user_id: int,
        channel_id: int,
        message_id: int,
        custom_id: str,
        *,
        guild_id: int | None,
        at: float | None = None,
    ) -> str:
        """A member presses a button; `at` (monotonic): when, if it was earlier than now (a
        press made while the loop was blocked, see `_interact`)."""
        msg = self.world.store.get(message_id)
        if msg is None or msg["deleted"] or int(msg["channel_id"]) != channel_id:
            raise AssertionError(f"no message {message_id} in channel {channel_id}")
        only = self.world.ephemeral_for.get(message_id)
        if only is not None and only != user_id:
            raise AssertionError(f"message {message_id} is ephemeral: only user {only} sees it")
        comp = self.world.find_component(msg["components"], custom_id)
        if comp is None or comp.get("type") != 2 or comp.get("style") == 5:
            ids = re.findall(r"'custom_id': '([^']*)'", repr(msg["components"]))
            raise AssertionError(
                f"message {message_id} has no button with custom_id {custom_id!r} (has {ids})"
            )
        if comp.get("disabled"):
            raise AssertionError(f"button {custom_id!r} is disabled")
        data = {"custom_id": custom_id, "component_type": 2}
        if "id" in comp:
            data["id"] = comp["id"]
        msg_guild = int(msg["guild_id"]) if msg.get("guild_id") else None
        if msg_guild != guild_id:
            raise AssertionError(f"message {message_id} is in guild {msg_guild}, not {guild_id}")
        return self._interact(3, user_id, guild_id, channel_id, data, message=msg, at=at)

    def choose(
        self,
        user_id: int,
        channel_id: int,
        message_id: int,
        custom_id: str,
        values: list[str],
        *,
        guild_id: int | None,
    ) -> str:
        """A member picks `values` in a message's select menu (component type 3), as Discord
        sends it: refused here when the menu has no such options or takes fewer values."""
        msg = self.world.store.get(message_id)
        if msg is None or msg["deleted"] or int(msg["channel_id"]) != channel_id:
            raise AssertionError(f"no message {message_id} in channel {channel_id}")
        comp = self.world.find_component(msg["components"], custom_id)
        if comp is None or comp.get("type") != 3:
            raise AssertionError(f"message {message_id} has no select menu {custom_id!r}")
        offered = {str(option["value"]) for option in comp.get("options") or []}
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not set(values) <= offered or not low <= len(values) <= high:
            raise AssertionError(
                f"select {custom_id!r} offers {sorted(offered)} ({low}..{high} of them), "
                f"not {values}"
            )
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3, "values": values}
        msg_guild = int(msg["guild_id"]) if msg.get("guild_id") else None
        if msg_guild != guild_id:
            raise AssertionError(f"message {message_id} is in guild {msg_guild}, not {guild_id}")
        return self._interact(3, user_id, guild_id, channel_id, data, message=msg)

    def submit_modal(
        self,
        user_id: int,
        custom_id: str,
        values: dict[str, str],
        *,
        guild_id: int | None,
        channel_id: int,
    ) -> str:
        shown = [
            r
            for r in self.interactions.values()
            if r.user_id == user_id
            and r.response is not None
            and r.response.kind == 9
            and r.response.data.get("custom_id") == custom_id
            and r.id not in self._submitted_modals
        ]
        if not shown:
            raise AssertionError(f"no modal {custom_id!r} is open for user {user_id}")
        origin = shown[-1]
        assert origin.response is not None
        self._submitted_modals.add(origin.id)
        left = dict(values)

        def answer(comp: dict[str, Any]) -> dict[str, Any]:
            cid = comp.get("custom_id", "")
            if comp.get("type") != 4:
                picked: Any = left.pop(cid, [])
                return {
                    "type": comp.get("type"),
                    "custom_id": cid,
                    "values": [picked] if isinstance(picked, str) else list(picked),
                }
            value = left.pop(cid, comp.get("value") or "")
            if comp.get("required", True) and not value:
                raise AssertionError(f"modal {custom_id!r}: {cid!r} is required")
            low, high = comp.get("min_length") or 0, comp.get("max_length") or 4000
            if value and not low <= len(value) <= high:
                raise AssertionError(
                    f"modal {custom_id!r}: {cid!r} must be {low}..{high} characters"
                )
            return {"type": 4, "custom_id": cid, "value": value}

        comps: list[dict[str, Any]] = []
        for top in origin.response.data.get("components") or []:
            if top.get("type") == 1:
                comps.append(
                    {"type": 1, "components": [answer(c) for c in top.get("components") or []]}
                )
            elif top.get("type") == 18 and isinstance(top.get("component"), dict):
                comps.append({"type": 18, "component": answer(top["component"])})
        if left:
            raise AssertionError(f"modal {custom_id!r} has no input(s) {sorted(left)}")
        message = self.world.store.get(origin.message_id) if origin.message_id else None
        data = {"custom_id": custom_id, "components": comps}
        return self._interact(5, user_id, guild_id, channel_id, data, message=message)
