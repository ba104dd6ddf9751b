"""The fake Discord REST API under /api/v10: routing, auth, limits, injected failures, and the rules
Discord applies to message, command, interaction and scheduled-event bodies.

discord.py parses a body as JSON only when Content-Type is exactly `application/json`, and treats a
429 without a `Via` header as a Cloudflare ban: every answer here is shaped for those checks.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.fakes.discord_state import (
    CREATE_EVENTS,
    CREATE_INSTANT_INVITE,
    CREATE_PUBLIC_THREADS,
    EPHEMERAL,
    INTENT_DIRECT_MESSAGES,
    INTENT_GUILD_MESSAGES,
    INTENT_GUILD_SCHEDULED_EVENTS,
    INTENT_GUILDS,
    IS_COMPONENTS_V2,
    LOCALES,
    MANAGE_EVENTS,
    MANAGE_MESSAGES,
    READ_MESSAGE_HISTORY,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    THREAD_TYPES,
    VIEW_CHANNEL,
    ApiError,
    Call,
    ChannelRec,
    InteractionRec,
    Response,
    error,
    form_error,
    iso,
)

if TYPE_CHECKING:
    from tests.fakes.discord_api import FakeDiscord

API_PREFIX = "/api/v10"
NAME_RE = re.compile(r"^[-_\w]{1,32}$")
NONCE_WINDOW = 300.0  # Discord remembers a nonce for "a few minutes"
TOKEN_LIFETIME = 15 * 60.0
LOADING = 1 << 7
HAS_THREAD = 1 << 5


@dataclass
class Req:
    method: str
    path: str
    json: Any
    query: dict[str, str]
    files: list[dict[str, Any]]
    args: tuple[str, ...] = ()
    arrived: float = 0.0


@dataclass
class Failure:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    retry_after: float | None
    is_global: bool
    times: int


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Req], Awaitable[Reply]]


def _text_len(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _check_len(path: list[str | int], value: Any, low: int, high: int, *, required: bool) -> None:
    if value is None:
        if required:
            raise form_error(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        raise form_error(path, "BASE_TYPE_STRING", "Must be a string.")
    if len(value) < low:
        raise form_error(path, "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length.")
    if len(value) > high:
        raise form_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")


def _walk(
    comps: list[dict[str, Any]], path: list[str | int]
) -> list[tuple[list[str | int], dict[str, Any]]]:
    out: list[tuple[list[str | int], dict[str, Any]]] = []
    for i, comp in enumerate(comps):
        out.append(([*path, i], comp))
        if isinstance(comp.get("components"), list):
            out += _walk(comp["components"], [*path, i, "components"])
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                out += _walk([comp[key]], [*path, i, key])
    return out


def validate_components(comps: list[dict[str, Any]], flags: int) -> None:
    if not flags & IS_COMPONENTS_V2:
        if len(comps) > 5:
            raise form_error(
                ["components"], "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."
            )
        for i, row in enumerate(comps):
            if row.get("type") != 1:
                raise form_error(
                    ["components", i, "type"], "UNION_TYPE_CHOICES", "Value must be one of (1,)."
                )
            children = row.get("components") or []
            if not children:
                raise form_error(
                    ["components", i, "components"],
                    "BASE_TYPE_MIN_LENGTH",
                    "Must be 1 or more in length.",
                )
            selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
            if len(children) > 5 or (selects and len(children) > 1):
                raise form_error(
                    ["components", i, "components"],
                    "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                    "The specified component exceeds the maximum width",
                )
    walked = _walk(comps, ["components"])
    if len(walked) > 40:
        raise form_error(
            ["components"],
            "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
            "Maximum number of components exceeded (40).",
        )
    seen: set[str] = set()
    for path, comp in walked:
        kind = comp.get("type")
        if kind == 2:
            style = comp.get("style")
            if style not in (1, 2, 3, 4, 5, 6):
                raise form_error(
                    [*path, "style"],
                    "BASE_TYPE_CHOICES",
                    "Value must be one of (1, 2, 3, 4, 5, 6).",
                )
            _check_len([*path, "label"], comp.get("label"), 0, 80, required=False)
            if style == 5:
                if not comp.get("url") or comp.get("custom_id"):
                    raise form_error(
                        [*path, "url"],
                        "BUTTON_COMPONENT_INVALID_URL",
                        "A link button needs a url and no custom_id.",
                    )
                continue
            if style == 6:
                continue
            if comp.get("url"):
                raise form_error(
                    [*path, "url"],
                    "BUTTON_COMPONENT_URL_NOT_ALLOWED",
                    "A non-link button cannot have a url.",
                )
        if kind in (2, 3, 4, 5, 6, 7, 8):
            custom_id = str(comp.get("custom_id"))
            _check_len([*path, "custom_id"], comp.get("custom_id"), 1, 100, required=True)
            if custom_id in seen:
                raise form_error(
                    [*path, "custom_id"],
                    "COMPONENT_CUSTOM_ID_DUPLICATED",
                    "Component custom id cannot be duplicated",
                )
            seen.add(custom_id)
        if kind == 3:
            options = comp.get("options") or []
            if not 1 <= len(options) <= 25:
                raise form_error(
                    [*path, "options"],
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 25 in length.",
                )


def validate_message(body: dict[str, Any], *, edit: bool, has_files: bool = False) -> None:
    flags = int(body.get("flags") or 0)
    content = body.get("content")
    _check_len(["content"], content, 0, 2000, required=False)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        _check_len(["embeds", i, "title"], embed.get("title"), 0, 256, required=False)
        _check_len(["embeds", i, "description"], embed.get("description"), 0, 4096, required=False)
        fields = embed.get("fields") or []
        if len(fields) > 25:
            raise form_error(
                ["embeds", i, "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for j, fld in enumerate(fields):
            _check_len(["embeds", i, "fields", j, "name"], fld.get("name"), 1, 256, required=True)
            _check_len(
                ["embeds", i, "fields", j, "value"], fld.get("value"), 1, 1024, required=True
            )
            total += _text_len(fld.get("name")) + _text_len(fld.get("value"))
        footer = (embed.get("footer") or {}).get("text")
        author = (embed.get("author") or {}).get("name")
        _check_len(["embeds", i, "footer", "text"], footer, 0, 2048, required=False)
        _check_len(["embeds", i, "author", "name"], author, 0, 256, required=False)
        total += sum(map(_text_len, (embed.get("title"), embed.get("description"), footer, author)))
    if total > 6000:
        raise form_error(
            ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )
    components = body.get("components") or []
    validate_components(components, flags)
    if flags & IS_COMPONENTS_V2 and (content or embeds):
        raise form_error(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using MessageFlags.IS_COMPONENTS_V2",
        )
    allowed = body.get("allowed_mentions")
    if allowed is not None:
        parse = allowed.get("parse") or []
        if any(p not in ("everyone", "users", "roles") for p in parse):
            raise form_error(
                ["allowed_mentions", "parse"],
                "BASE_TYPE_CHOICES",
                "Value must be one of ('everyone', 'users', 'roles').",
            )
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                raise form_error(
                    ["allowed_mentions", "parse"],
                    "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                    f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                )
            if len(allowed.get(kind) or []) > 100:
                raise form_error(
                    ["allowed_mentions", kind],
                    "BASE_TYPE_MAX_LENGTH",
                    "Must be 100 or fewer in length.",
                )
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > 25:
        raise form_error(["nonce"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if not edit and not (
        content or embeds or components or has_files or body.get("sticker_ids") or body.get("poll")
    ):
        raise error(400, 50006, "Cannot send an empty message")


def _check_name(path: list[str | int], name: Any, *, chat: bool) -> None:
    if chat:
        if not isinstance(name, str) or not NAME_RE.match(name) or name != name.lower():
            raise form_error(path, "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    else:
        _check_len(path, name, 1, 32, required=True)


def _check_localized(path: list[str | int], cmd: dict[str, Any], *, chat: bool) -> None:
    for key in ("name_localizations", "description_localizations"):
        for loc, value in (cmd.get(key) or {}).items():
            if loc not in LOCALES:
                raise form_error([*path, key, loc], "LOCALE_INVALID", f"Invalid locale {loc}")
            if key == "name_localizations":
                _check_name([*path, key, loc], value, chat=chat)
            else:
                _check_len([*path, key, loc], value, 1, 100, required=True)


def _validate_options(path: list[str | int], options: list[dict[str, Any]], depth: int) -> None:
    if len(options) > 25:
        raise form_error(path, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    kinds = [o.get("type") for o in options]
    if any(k in (1, 2) for k in kinds) and not all(k in (1, 2) for k in kinds):
        raise form_error(
            path,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other types",
        )
    names: set[str] = set()
    optional_seen = False
    for j, opt in enumerate(options):
        p = [*path, j]
        kind = opt.get("type")
        if kind not in range(1, 12) or (kind in (1, 2) and depth >= (1 if kind == 2 else 2)):
            raise form_error(
                [*p, "type"], "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Invalid option type"
            )
        _check_name([*p, "name"], opt.get("name"), chat=True)
        _check_len([*p, "description"], opt.get("description"), 1, 100, required=True)
        _check_localized(p, opt, chat=True)
        if opt["name"] in names:
            raise form_error(
                [*p, "name"],
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(opt["name"])
        if kind not in (1, 2):
            if opt.get("required") and optional_seen:
                raise form_error(
                    [*p, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
            optional_seen = optional_seen or not opt.get("required")
        choices = opt.get("choices") or []
        if len(choices) > 25:
            raise form_error(
                [*p, "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        if choices and opt.get("autocomplete"):
            raise form_error(
                [*p, "autocomplete"],
                "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_WITH_CHOICES",
                "Autocomplete cannot be set with choices",
            )
        for k, choice in enumerate(choices):
            _check_len([*p, "choices", k, "name"], choice.get("name"), 1, 100, required=True)
            if isinstance(choice.get("value"), str):
                _check_len([*p, "choices", k, "value"], choice["value"], 1, 100, required=True)
        if kind in (1, 2):
            _validate_options([*p, "options"], opt.get("options") or [], depth + 1)


def _command_size(node: dict[str, Any]) -> int:
    """Discord's size: names, descriptions and choice values, the longest localization counting."""
    size = 0
    for key in ("name", "description"):
        variants = [node.get(key) or "", *(node.get(f"{key}_localizations") or {}).values()]
        size += max(len(str(v)) for v in variants)
    for choice in node.get("choices") or []:
        size += _command_size(choice) + len(str(choice.get("value", "")))
    return size + sum(_command_size(opt) for opt in node.get("options") or [])


def validate_commands(commands: Any) -> None:
    if not isinstance(commands, list):
        raise form_error([], "BASE_TYPE_ARRAY", "Must be an array.")
    per_type: dict[int, set[str]] = {1: set(), 2: set(), 3: set(), 4: set()}
    for i, cmd in enumerate(commands):
        kind = cmd.get("type", 1)
        if kind not in per_type:
            raise form_error([i, "type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3, 4).")
        chat = kind == 1
        _check_name([i, "name"], cmd.get("name"), chat=chat)
        _check_localized([i], cmd, chat=chat)
        if chat:
            _check_len([i, "description"], cmd.get("description"), 1, 100, required=True)
            _validate_options([i, "options"], cmd.get("options") or [], 0)
        elif cmd.get("description"):
            raise form_error(
                [i, "description"],
                "APPLICATION_COMMAND_DESCRIPTION_NOT_ALLOWED",
                "Context menu commands cannot have a description",
            )
        if cmd["name"] in per_type[kind]:
            raise form_error(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            )
        per_type[kind].add(cmd["name"])
        if _command_size(cmd) > 8000:
            raise form_error(
                [i], "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)"
            )
    for kind, limit in ((1, 100), (2, 15), (3, 15)):
        if len(per_type[kind]) > limit:
            raise error(400, 30032, "Maximum number of application commands reached (100)")


def validate_modal(data: dict[str, Any]) -> None:
    _check_len(["data", "title"], data.get("title"), 1, 45, required=True)
    _check_len(["data", "custom_id"], data.get("custom_id"), 1, 100, required=True)
    comps = data.get("components") or []
    if not 1 <= len(comps) <= 5:
        raise form_error(
            ["data", "components"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."
        )
    for path, comp in _walk(comps, ["data", "components"]):
        if comp.get("type") == 4:
            _check_len([*path, "custom_id"], comp.get("custom_id"), 1, 100, required=True)
            _check_len([*path, "value"], comp.get("value"), 0, 4000, required=False)
            _check_len([*path, "placeholder"], comp.get("placeholder"), 0, 100, required=False)
            if comp.get("style") not in (1, 2):
                raise form_error(
                    [*path, "style"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2)."
                )
            if comp.get("label") is not None:
                _check_len([*path, "label"], comp.get("label"), 1, 45, required=True)
        elif comp.get("type") == 18:
            _check_len([*path, "label"], comp.get("label"), 1, 45, required=True)


def validate_choices(data: dict[str, Any]) -> None:
    choices = data.get("choices")
    if not isinstance(choices, list):
        raise form_error(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
    if len(choices) > 25:
        raise form_error(
            ["data", "choices"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
        )
    for k, choice in enumerate(choices):
        _check_len(["data", "choices", k, "name"], choice.get("name"), 1, 100, required=True)
        if isinstance(choice.get("value"), str):
            _check_len(["data", "choices", k, "value"], choice["value"], 0, 100, required=True)


def _parse_time(path: list[str | int], value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise form_error(
            path, "DATE_TIME_TYPE_PARSE", "Could not parse value. Should be ISO8601."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# Callback types each interaction type accepts (1 ping, 2 command, 3 component, 4 autocomplete, 5 modal).
ALLOWED_CALLBACKS = {1: {1}, 2: {4, 5, 9}, 3: {4, 5, 6, 7, 9}, 4: {8}, 5: {4, 5, 6, 7}}


class Rest:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake
        self.world = fake.world
        self._global_window: deque[float] = deque()
        self._channel_windows: dict[int, deque[float]] = {}
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}
        # (method, path regex, handler, needs bot auth, exempt from the global limit)
        self.routes: list[tuple[str, re.Pattern[str], Handler, bool, bool]] = []
        for method, pattern, handler, auth in (
            ("GET", r"/users/@me", self.get_me, True),
            ("GET", r"/oauth2/applications/@me", self.get_application, True),
            ("GET", r"/gateway", self.get_gateway, False),
            ("GET", r"/gateway/bot", self.get_gateway_bot, True),
            ("GET", r"/applications/(\d+)/commands", self.get_commands, True),
            ("PUT", r"/applications/(\d+)/commands", self.put_commands, True),
            ("GET", r"/applications/(\d+)/guilds/(\d+)/commands", self.get_commands, True),
            ("PUT", r"/applications/(\d+)/guilds/(\d+)/commands", self.put_commands, True),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self.callback, False),
            ("POST", r"/webhooks/(\d+)/([^/]+)", self.followup, False),
            ("GET", r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)", self.webhook_get, False),
            (
                "PATCH",
                r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)",
                self.webhook_edit,
                False,
            ),
            (
                "DELETE",
                r"/webhooks/(\d+)/([^/]+)/messages/(@original|\d+)",
                self.webhook_delete,
                False,
            ),
            ("GET", r"/channels/(\d+)", self.get_channel, True),
            ("GET", r"/channels/(\d+)/messages", self.get_history, True),
            ("POST", r"/channels/(\d+)/messages", self.post_message, True),
            ("GET", r"/channels/(\d+)/messages/(\d+)", self.get_message, True),
            ("PATCH", r"/channels/(\d+)/messages/(\d+)", self.edit_message, True),
            ("DELETE", r"/channels/(\d+)/messages/(\d+)", self.delete_message, True),
            ("POST", r"/channels/(\d+)/messages/(\d+)/threads", self.start_thread, True),
            ("POST", r"/channels/(\d+)/invites", self.create_invite, True),
            ("POST", r"/users/@me/channels", self.open_dm, True),
            ("GET", r"/guilds/(\d+)", self.get_guild, True),
            ("GET", r"/guilds/(\d+)/members/(\d+)", self.get_member, True),
            ("GET", r"/guilds/(\d+)/roles", self.get_roles, True),
            ("GET", r"/guilds/(\d+)/channels", self.get_channels, True),
            ("GET", r"/guilds/(\d+)/scheduled-events", self.list_events, True),
            ("POST", r"/guilds/(\d+)/scheduled-events", self.create_event, True),
            ("GET", r"/guilds/(\d+)/scheduled-events/(\d+)", self.get_event, True),
            ("PATCH", r"/guilds/(\d+)/scheduled-events/(\d+)", self.edit_event, True),
            ("DELETE", r"/guilds/(\d+)/scheduled-events/(\d+)", self.delete_event, True),
        ):
            exempt = pattern.startswith(("/interactions", "/webhooks"))
            self.routes.append((method, re.compile(pattern + "$"), handler, auth, exempt))

    # -- plumbing ---------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        fake = self.fake
        if fake.latency:
            await asyncio.sleep(fake.latency)  # the request reaches "Discord" this much later
        held = fake.held_until - time.monotonic()
        if held > 0:  # a hiccup on the way (`FakeDiscord.hold`): it arrives when that ends
            await asyncio.sleep(held)
        path = request.path[len(API_PREFIX) :]
        arrived = time.monotonic()
        fake.request_count += 1
        reply: Reply | None
        try:
            body, files = await self._read_body(request)
        except ApiError as exc:
            body, files, reply = None, [], Reply(exc.status, exc.body, exc.headers)
        else:
            reply = None
        req = Req(request.method, path, body, dict(request.query), files, arrived=arrived)
        call = Call(
            req.method, path, body, req.query, dict(request.headers), arrived - fake.started_at
        )
        fake.calls.append(call)
        if reply is None:
            try:
                reply = await self._route(req, request.headers.get("Authorization"))
            except ApiError as exc:
                reply = Reply(exc.status, exc.body, exc.headers)
            except Exception as exc:
                # A bug in the fake: answer fast (a 500 would make discord.py retry for seconds)
                # and keep it for the test to fail on.
                fake.crashes.append(f"{req.method} {path}: {exc!r}")
                reply = Reply(400, {"code": -1, "message": f"FakeDiscord crashed: {exc!r}"})
        if reply.status in (401, 403, 429):
            fake.invalid_count += 1  # Discord bans after 10,000 of these in 10 minutes
        if reply.status == 429:
            fake.too_many += 1
        if reply.body is None:
            return web.Response(status=reply.status, headers=reply.headers)
        headers = {"Content-Type": "application/json", **reply.headers}
        return web.Response(
            status=reply.status, body=json.dumps(reply.body).encode(), headers=headers
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, list[dict[str, Any]]]:
        ctype = request.content_type
        if ctype == "multipart/form-data":
            form = await request.post()
            files = [
                {
                    "field": k,
                    "filename": v.filename,
                    "size": len(v.file.read()),
                    "content_type": v.content_type,
                }
                for k, v in form.items()
                if isinstance(v, web.FileField)
            ]
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else None), files
        text = await request.text()
        if not text:
            return None, []
        try:
            if ctype != "application/json":
                raise ValueError(ctype)
            return json.loads(text), []
        except ValueError:
            raise error(400, 50109, "The request body contains invalid JSON.") from None

    async def _route(self, req: Req, auth: str | None) -> Reply:
        fake = self.fake
        methods_seen = False
        for method, pattern, handler, needs_auth, exempt in self.routes:
            match = pattern.match(req.path)
            if match is None:
                continue
            methods_seen = True
            if method != req.method:
                continue
            if needs_auth and auth != f"Bot {fake.token}":
                raise error(401, 0, "401: Unauthorized")
            self._injected(req)
            if fake.enforce_limits and not exempt:
                self._limit_global()
            req.args = match.groups()
            return await handler(req)
        if methods_seen:
            raise error(405, 0, "405: Method Not Allowed")
        raise error(404, 0, "404: Not Found")

    @staticmethod
    def rate_limited(retry_after: float, *, is_global: bool, bucket: str, limit: int) -> ApiError:
        headers = {
            "Retry-After": str(max(1, math.ceil(retry_after))),
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": bucket,
            "X-RateLimit-Scope": "global" if is_global else "user",
            "Via": "1.1 google",
        }
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": is_global,
        }
        return ApiError(429, body, headers)

    def _injected(self, req: Req) -> None:
        for failure in self.fake.failures:
            if (
                failure.method == req.method
                and failure.pattern.search(req.path)
                and failure.times > 0
            ):
                failure.times -= 1
                if failure.status == 429:
                    ra = (
                        failure.retry_after
                        if failure.retry_after is not None
                        else float(failure.body.get("retry_after", 0.05))
                    )
                    exc = self.rate_limited(
                        ra, is_global=failure.is_global, bucket="injected", limit=5
                    )
                    exc.body |= failure.body | {"retry_after": ra, "global": failure.is_global}
                    raise exc
                raise ApiError(failure.status, failure.body)

    def _limit_global(self) -> None:
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= 50:
            raise self.rate_limited(
                window[0] + 1.0 - now, is_global=True, bucket="global", limit=50
            )
        window.append(now)

    def _limit_channel(self, channel_id: int) -> dict[str, str]:
        """5 messages per 5 s per channel; headers let discord.py pace itself as with real Discord."""
        if not self.fake.enforce_limits:
            return {}
        now = time.monotonic()
        window = self._channel_windows.setdefault(channel_id, deque())
        while window and window[0] <= now - 5.0:
            window.popleft()
        if len(window) >= 5:
            raise self.rate_limited(
                window[0] + 5.0 - now, is_global=False, bucket=f"msg-{channel_id}", limit=5
            )
        window.append(now)
        reset_after = window[0] + 5.0 - now
        return {
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": str(5 - len(window)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": f"msg-{channel_id}",
        }

    # -- lookups ------------------------------------------------------------------

    def _channel(self, channel_id: str | int) -> ChannelRec:
        ch = self.world.channels.get(int(channel_id))
        if ch is None:
            raise error(404, 10003, "Unknown Channel")
        if (
            ch.guild_id is not None
            and not self.world.permissions(ch.guild_id, self.world.bot_id) & VIEW_CHANNEL
        ):
            raise error(403, 50001, "Missing Access")
        return ch

    def _need(self, guild_id: int, bits: int, *, any_of: bool = False) -> None:
        perms = self.world.permissions(guild_id, self.world.bot_id)
        if not (perms & bits if any_of else perms & bits == bits):
            raise error(403, 50013, "Missing Permissions")

    def _guild(self, guild_id: str) -> int:
        gid = int(guild_id)
        if gid not in self.world.guilds:
            raise error(404, 10004, "Unknown Guild")
        return gid

    def _message(self, ch: ChannelRec, message_id: str) -> dict[str, Any]:
        msg = self.world.store.get(int(message_id))
        if (
            msg is None
            or msg["deleted"]
            or int(msg["channel_id"]) != ch.id
            or int(message_id) in self.world.ephemeral_for
        ):
            raise error(404, 10008, "Unknown Message")
        return msg

    # -- gateway echo ---------------------------------------------------------------

    def echo(self, event: str, msg: dict[str, Any]) -> None:
        """MESSAGE_* events for channel messages, filtered by intents as Discord does."""
        ch = self.world.channels[int(msg["channel_id"])]
        intent = INTENT_DIRECT_MESSAGES if ch.guild_id is None else INTENT_GUILD_MESSAGES
        if event == "MESSAGE_DELETE":
            data: dict[str, Any] = {"id": msg["id"], "channel_id": msg["channel_id"]}
            if ch.guild_id is not None:
                data["guild_id"] = str(ch.guild_id)
            self.fake.gateway.dispatch(event, data, intent=intent)
            return
        self.fake.gateway.dispatch_each(
            event, lambda intents: self.fake.visible(msg, intents), intent=intent
        )

    # -- identity -------------------------------------------------------------------

    async def get_me(self, req: Req) -> Reply:
        me = self.world.user_payload(self.world.bot_id)
        return Reply(
            body=me
            | {"verified": True, "mfa_enabled": False, "flags": 0, "locale": "en-US", "email": None}
        )

    async def get_application(self, req: Req) -> Reply:
        owner_id = next((g.owner_id for g in self.world.guilds.values()), self.world.bot_id)
        owner = (
            self.world.user_payload(owner_id)
            if owner_id in self.world.users
            else self.world.user_payload(self.world.bot_id)
        )
        return Reply(
            body={
                "id": str(self.fake.application_id),
                "name": self.world.users[self.world.bot_id].name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner,
                "flags": 0,
                "bot": self.world.user_payload(self.world.bot_id),
                "redirect_uris": [],
                "interactions_endpoint_url": None,  # set, discord.py warns that the gateway gets no interactions
                "approximate_guild_count": len(self.world.guilds),
            }
        )

    async def get_gateway(self, req: Req) -> Reply:
        return Reply(body={"url": self.fake.gateway_url.rstrip("/")})

    async def get_gateway_bot(self, req: Req) -> Reply:
        limit = {
            "total": 1000,
            "remaining": 1000 - self.fake.gateway.identify_count,
            "reset_after": 86400000,
            "max_concurrency": 1,
        }
        return Reply(
            body={
                "url": self.fake.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": limit,
            }
        )

    # -- application commands -------------------------------------------------------------

    def _command_scope(self, req: Req) -> int | None:
        if int(req.args[0]) != self.fake.application_id:
            raise error(403, 50001, "Missing Access")
        if len(req.args) == 1:
            return None
        gid = int(req.args[1])
        if gid not in self.world.guilds:
            raise error(
                403, 50001, "Missing Access"
            )  # the bot was not added with applications.commands
        return gid

    async def get_commands(self, req: Req) -> Reply:
        return Reply(body=self.fake.commands.get(self._command_scope(req), []))

    async def put_commands(self, req: Req) -> Reply:
        scope = self._command_scope(req)
        validate_commands(req.json)
        self.fake.sync_count += 1
        stored = []
        for cmd in req.json:
            kind = cmd.get("type", 1)
            # Discord keeps a command's id when a bulk overwrite keeps its name and type.
            cid = self.fake.command_ids.setdefault(
                (scope, kind, cmd["name"]), self.world.snowflake()
            )
            out = {
                "type": 1,
                "default_member_permissions": None,
                "nsfw": False,
                "contexts": None,
                "integration_types": [0],
                "description": "",
                "options": [],
            } | cmd
            out |= {
                "id": str(cid),
                "application_id": str(self.fake.application_id),
                "version": str(self.world.snowflake()),
            }
            if scope is not None:
                out["guild_id"] = str(scope)
            stored.append(out)
        self.fake.commands[scope] = stored
        return Reply(body=stored)

    # -- interactions ---------------------------------------------------------------

    async def callback(self, req: Req) -> Reply:
        fake = self.fake
        rec = fake.interactions.get(req.args[0])
        if rec is None:
            raise error(404, 10062, "Unknown interaction")
        if req.args[1] != rec.token:
            raise error(401, 50027, "Invalid Webhook Token")
        elapsed = req.arrived - rec.dispatched_at
        if elapsed > fake.ack_deadline:
            fake.late_acks.append(rec.id)
            raise error(404, 10062, "Unknown interaction")
        if rec.response is not None:
            raise error(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        kind = body.get("type")
        if kind not in ALLOWED_CALLBACKS[rec.type]:
            raise form_error(
                ["type"],
                "INTERACTION_RESPONSE_TYPE_INVALID",
                f"Interaction response type {kind} is invalid for interaction type {rec.type}",
            )
        data: dict[str, Any] = body.get("data") or {}
        flags = int(data.get("flags") or 0)
        message: dict[str, Any] | None = None
        if kind == 4:
            validate_message(data, edit=False, has_files=bool(req.files))
            message = self._interaction_message(rec, data, req)
            rec.original_id = int(message["id"])
        elif kind == 5:
            message = self._interaction_message(rec, {"flags": (flags & EPHEMERAL) | LOADING}, req)
            rec.original_id = int(message["id"])
        elif kind in (6, 7):
            if rec.message_id is None:
                raise form_error(
                    ["type"], "INTERACTION_RESPONSE_TYPE_INVALID", "No message to update"
                )
            rec.original_id = rec.message_id
            if kind == 7:
                validate_message(data, edit=True, has_files=bool(req.files))
                message = self._apply_edit(rec.message_id, data, req)
        elif kind == 8:
            validate_choices(data)
        elif kind == 9:
            validate_modal(data)
        rec.response = Response(kind, data, elapsed, bool(flags & EPHEMERAL))
        if fake.on_response is not None:
            fake.on_response(rec)
        if req.query.get("with_response", "").lower() not in ("true", "1"):
            return Reply(204)
        # The shape InteractionCallbackResponse._update reads in discord.py 2.7.
        info: dict[str, Any] = {"id": rec.id, "type": rec.type}
        if rec.original_id is not None:
            info |= {
                "response_message_id": str(rec.original_id),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            }
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 7) and message is not None:
            resource["message"] = self.world.wire(message)
        return Reply(200, {"interaction": info, "resource": resource})

    def _interaction_message(
        self, rec: InteractionRec, data: dict[str, Any], req: Req
    ) -> dict[str, Any]:
        body = data | {"attachments_out": self._attachments(data, req)}
        msg = self.world.new_message(
            rec.channel_id,
            self.world.bot_id,
            body,
            webhook_id=self.fake.application_id,
            interaction=rec,
        )
        ephemeral = bool(int(data.get("flags") or 0) & EPHEMERAL)
        self.world.keep(msg, ephemeral_for=rec.user_id if ephemeral else None)
        if not ephemeral:
            self.echo("MESSAGE_CREATE", msg)
        return msg

    def _attachments(self, body: dict[str, Any], req: Req) -> list[dict[str, Any]]:
        out = []
        for i, file in enumerate(req.files):
            aid = self.world.snowflake()
            url = f"https://cdn.discordapp.com/attachments/0/{aid}/{file['filename']}"
            out.append(
                {
                    "id": str(aid),
                    "filename": file["filename"],
                    "size": file["size"],
                    "url": url,
                    "proxy_url": url,
                    "content_type": file["content_type"],
                }
            )
            described = [a for a in body.get("attachments") or [] if str(a.get("id")) == str(i)]
            if described and described[0].get("description"):
                out[-1]["description"] = described[0]["description"]
        return out

    def _apply_edit(self, message_id: int, body: dict[str, Any], req: Req) -> dict[str, Any]:
        msg = self.world.store[message_id]
        for key in ("content", "embeds", "components"):
            if key in body:
                msg[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "flags" in body and body["flags"] is not None:
            msg["flags"] = (msg["flags"] & EPHEMERAL) | (int(body["flags"]) & ~EPHEMERAL)
        msg["flags"] &= ~LOADING
        if "allowed_mentions" in body:
            msg["allowed_mentions"] = body["allowed_mentions"]
        if req.files or "attachments" in body:
            kept = {str(a.get("id")) for a in body.get("attachments") or []}
            msg["attachments"] = [
                a for a in msg["attachments"] if a["id"] in kept
            ] + self._attachments(body, req)
        msg["edited_timestamp"] = iso()
        self.world.resolve_mentions(msg)
        if message_id not in self.world.ephemeral_for:
            self.echo("MESSAGE_UPDATE", msg)
        return msg

    def _webhook_interaction(self, req: Req) -> InteractionRec:
        if int(req.args[0]) != self.fake.application_id:
            raise error(404, 10015, "Unknown Webhook")
        rec = next((r for r in self.fake.interactions.values() if r.token == req.args[1]), None)
        if rec is None or time.monotonic() - rec.dispatched_at > TOKEN_LIFETIME:
            raise error(401, 50027, "Invalid Webhook Token")
        if rec.response is None or rec.response.kind in (8, 9):
            raise error(404, 10015, "Unknown Webhook")  # nothing was acknowledged with a message
        return rec

    def _webhook_target(self, rec: InteractionRec, which: str) -> int:
        if which == "@original":
            if rec.original_id is None:
                raise error(404, 10008, "Unknown Message")
            return rec.original_id
        mid = int(which)
        assert rec.response is not None
        if mid != rec.original_id and mid not in {int(f["id"]) for f in rec.response.followups}:
            raise error(404, 10008, "Unknown Message")
        return mid

    async def followup(self, req: Req) -> Reply:
        rec = self._webhook_interaction(req)
        assert rec.response is not None
        body = req.json or {}
        validate_message(body, edit=False, has_files=bool(req.files))
        resp = rec.response
        if (
            resp.kind == 5
            and not resp.edits_to_original
            and not resp.followups
            and rec.original_id is not None
        ):
            # The first followup after a "thinking" defer replaces the loading message, and keeps the
            # defer's visibility: a public defer makes an "ephemeral" followup public.
            msg = self._apply_edit(
                rec.original_id, {k: v for k, v in body.items() if k != "flags"}, req
            )
        else:
            msg = self._interaction_message(rec, body, req)
        resp.followups.append(msg)
        wait = req.query.get("wait", "").lower() in ("true", "1")
        return Reply(200, self.world.wire(msg)) if wait else Reply(204)

    async def webhook_get(self, req: Req) -> Reply:
        rec = self._webhook_interaction(req)
        return Reply(body=self.world.wire(self.world.store[self._webhook_target(rec, req.args[2])]))

    async def webhook_edit(self, req: Req) -> Reply:
        rec = self._webhook_interaction(req)
        target = self._webhook_target(rec, req.args[2])
        body = req.json or {}
        validate_message(body, edit=True, has_files=bool(req.files))
        msg = self._apply_edit(target, body, req)
        if req.args[2] == "@original":
            assert rec.response is not None
            rec.response.edits_to_original.append(body)
        return Reply(body=self.world.wire(msg))

    async def webhook_delete(self, req: Req) -> Reply:
        rec = self._webhook_interaction(req)
        msg = self.world.store[self._webhook_target(rec, req.args[2])]
        msg["deleted"] = True
        if int(msg["id"]) not in self.world.ephemeral_for:
            self.echo("MESSAGE_DELETE", msg)
        return Reply(204)

    # -- channels and messages ------------------------------------------------------

    async def get_channel(self, req: Req) -> Reply:
        return Reply(body=self.world.channel_payload(self._channel(req.args[0]).id))

    async def get_history(self, req: Req) -> Reply:
        ch = self._channel(req.args[0])
        if ch.guild_id is not None:
            self._need(ch.guild_id, READ_MESSAGE_HISTORY)
        limit = int(req.query.get("limit", 50))
        msgs = [self.world.store[m] for m in reversed(self.world.by_channel.get(ch.id, []))]
        msgs = [m for m in msgs if not m["deleted"]]
        if "before" in req.query:
            msgs = [m for m in msgs if int(m["id"]) < int(req.query["before"])]
        if "after" in req.query:
            msgs = [m for m in msgs if int(m["id"]) > int(req.query["after"])]
        return Reply(body=[self.world.wire(m) for m in msgs[:limit]])

    async def post_message(self, req: Req) -> Reply:
        fake, world = self.fake, self.world
        ch = self._channel(req.args[0])
        body = req.json or {}
        if ch.type == 1:
            assert ch.recipient_id is not None
            if not world.users[ch.recipient_id].accepts_dms:
                raise error(403, 50007, "Cannot send messages to this user")
        else:
            assert ch.guild_id is not None
            self._need(
                ch.guild_id, SEND_MESSAGES_IN_THREADS if ch.type in THREAD_TYPES else SEND_MESSAGES
            )
        headers = self._limit_channel(ch.id)
        validate_message(body, edit=False, has_files=bool(req.files))
        ref = body.get("message_reference")
        if (
            ref
            and int(ref.get("message_id", 0)) not in world.store
            and ref.get("fail_if_not_exists", True)
        ):
            raise form_error(
                ["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message"
            )
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            key = (world.bot_id, str(nonce))
            seen = self._nonces.get(key)
            if seen is not None and req.arrived - seen[1] < NONCE_WINDOW:
                return Reply(200, world.wire(world.store[seen[0]]), headers)
        msg = world.new_message(
            ch.id, world.bot_id, body | {"attachments_out": self._attachments(body, req)}
        )
        world.keep(msg)
        if nonce is not None and body.get("enforce_nonce"):
            self._nonces[(world.bot_id, str(nonce))] = (int(msg["id"]), req.arrived)
        if ch.type == 1:
            assert ch.recipient_id is not None
            fake.dms.setdefault(ch.recipient_id, []).append(msg)
        self.echo("MESSAGE_CREATE", msg)
        return Reply(200, world.wire(msg), headers)

    async def get_message(self, req: Req) -> Reply:
        ch = self._channel(req.args[0])
        if ch.guild_id is not None:
            self._need(ch.guild_id, READ_MESSAGE_HISTORY)
        return Reply(body=self.world.wire(self._message(ch, req.args[1])))

    async def edit_message(self, req: Req) -> Reply:
        ch = self._channel(req.args[0])
        msg = self._message(ch, req.args[1])
        if int(msg["author"]["id"]) != self.world.bot_id:
            raise error(403, 50005, "Cannot edit a message authored by another user")
        body = req.json or {}
        validate_message(body, edit=True, has_files=bool(req.files))
        return Reply(body=self.world.wire(self._apply_edit(int(msg["id"]), body, req)))

    async def delete_message(self, req: Req) -> Reply:
        ch = self._channel(req.args[0])
        msg = self._message(ch, req.args[1])
        if int(msg["author"]["id"]) != self.world.bot_id:
            if ch.guild_id is None:
                raise error(403, 50003, "Cannot execute action on a DM channel")
            self._need(ch.guild_id, MANAGE_MESSAGES)
        msg["deleted"] = True
        self.echo("MESSAGE_DELETE", msg)
        return Reply(204)

    async def create_invite(self, req: Req) -> Reply:
        """An invite to a server's channel (Create Instant Invite); kept in `fake.invites`."""
        ch = self._channel(req.args[0])
        assert ch.guild_id is not None
        self._need(ch.guild_id, CREATE_INSTANT_INVITE)
        code = f"inv{len(self.fake.invites) + 1}{ch.id % 10_000}"
        body = req.json or {}
        self.fake.invites[code] = {"channel_id": ch.id, **body}
        return Reply(
            body={
                "code": code, "type": 0, "expires_at": None,
                "guild": {"id": str(ch.guild_id), "name": self.world.guilds[ch.guild_id].name},
                "channel": {"id": str(ch.id), "name": ch.name, "type": ch.type},
                "uses": 0, "max_uses": body.get("max_uses", 0),
                "max_age": body.get("max_age", 86400), "temporary": False,
                "created_at": "2026-11-22T13:00:00+00:00",
            }
        )  # fmt: skip

    async def start_thread(self, req: Req) -> Reply:
        world = self.world
        ch = self._channel(req.args[0])
        if ch.type not in (0, 5) or ch.guild_id is None:
            raise error(400, 50024, "Cannot execute action on this channel type")
        self._need(ch.guild_id, CREATE_PUBLIC_THREADS)
        msg = self._message(ch, req.args[1])
        if int(msg["id"]) in world.channels:
            raise error(400, 160004, "A thread has already been created for this message")
        body = req.json or {}
        _check_len(["name"], body.get("name"), 1, 100, required=True)
        if body.get("auto_archive_duration", 1440) not in (60, 1440, 4320, 10080):
            raise form_error(
                ["auto_archive_duration"],
                "BASE_TYPE_CHOICES",
                "Value must be one of (60, 1440, 4320, 10080).",
            )
        # A thread started from a message takes the message's id.
        tid = int(msg["id"])
        kind = 10 if ch.type == 5 else 11
        world.channels[tid] = ChannelRec(
            tid, kind, body["name"], ch.guild_id, parent_id=ch.id, owner_id=world.bot_id
        )
        world.guilds[ch.guild_id].channel_ids.append(tid)
        self.fake.threads[tid] = {"parent_id": ch.id, "message_id": tid, "name": body["name"]}
        thread = world.channel_payload(tid)
        msg["flags"] |= HAS_THREAD
        msg["thread"] = thread
        self.fake.gateway.dispatch(
            "THREAD_CREATE", thread | {"newly_created": True}, intent=INTENT_GUILDS
        )
        return Reply(201, thread)

    async def open_dm(self, req: Req) -> Reply:
        recipient = int((req.json or {}).get("recipient_id", 0))
        if recipient not in self.world.users or recipient == self.world.bot_id:
            raise error(400, 50033, "Invalid Recipient(s)")
        return Reply(body=self.world.channel_payload(self.fake.dm_channel(recipient)))

    # -- guilds -----------------------------------------------------------------------

    async def get_guild(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        payload = self.world.guild_payload(gid, with_members=False)
        for key in (
            "members",
            "channels",
            "threads",
            "voice_states",
            "presences",
            "joined_at",
            "large",
            "member_count",
        ):
            payload.pop(key, None)
        return Reply(body=payload)

    async def get_member(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        if int(req.args[1]) not in self.world.guilds[gid].members:
            raise error(404, 10007, "Unknown Member")
        return Reply(body=self.world.member_payload(gid, int(req.args[1])))

    async def get_roles(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        return Reply(
            body=[self.world.role_payload(r) for r in self.world.guilds[gid].roles.values()]
        )

    async def get_channels(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        ids = [
            c
            for c in self.world.guilds[gid].channel_ids
            if self.world.channels[c].type not in THREAD_TYPES
        ]
        return Reply(body=[self.world.channel_payload(c) for c in ids])

    # -- scheduled events -------------------------------------------------------------

    def _event(self, gid: int, event_id: str) -> dict[str, Any]:
        ev = self.fake.events.get(int(event_id))
        if ev is None or int(ev["guild_id"]) != gid:
            raise error(404, 10070, "Unknown Guild Scheduled Event")
        return ev

    def _validate_event(self, gid: int, ev: dict[str, Any], *, start_changed: bool) -> None:
        _check_len(["name"], ev.get("name"), 1, 100, required=True)
        _check_len(["description"], ev.get("description"), 0, 1000, required=False)
        if ev.get("privacy_level") != 2:
            raise form_error(["privacy_level"], "BASE_TYPE_CHOICES", "Value must be one of (2,).")
        if ev.get("entity_type") not in (1, 2, 3):
            raise form_error(
                ["entity_type"], "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3)."
            )
        start = _parse_time(["scheduled_start_time"], ev.get("scheduled_start_time"))
        if start_changed and ev.get("status") == 1 and start < datetime.now(UTC):
            raise form_error(
                ["scheduled_start_time"],
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                "Cannot schedule event in the past.",
            )
        end = ev.get("scheduled_end_time")
        if end is not None and _parse_time(["scheduled_end_time"], end) <= start:
            raise form_error(
                ["scheduled_end_time"],
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Cannot schedule event to end before starting.",
            )
        if ev["entity_type"] == 3:
            if ev.get("channel_id") is not None:
                raise form_error(
                    ["channel_id"],
                    "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_ALLOWED",
                    "External events cannot have a channel.",
                )
            location = (ev.get("entity_metadata") or {}).get("location")
            _check_len(["entity_metadata", "location"], location, 1, 100, required=True)
            if end is None:
                raise form_error(
                    ["scheduled_end_time"], "BASE_TYPE_REQUIRED", "This field is required"
                )
        else:
            channel = self.world.channels.get(int(ev.get("channel_id") or 0))
            if channel is None or channel.guild_id != gid:
                raise form_error(["channel_id"], "BASE_TYPE_REQUIRED", "This field is required")

    async def list_events(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        count = req.query.get("with_user_count", "").lower() in ("true", "1")
        evs = [
            e | ({"user_count": 0} if count else {})
            for e in self.fake.events.values()
            if int(e["guild_id"]) == gid
        ]
        return Reply(body=evs)

    async def get_event(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        count = req.query.get("with_user_count", "").lower() in ("true", "1")
        return Reply(body=self._event(gid, req.args[1]) | ({"user_count": 0} if count else {}))

    async def create_event(self, req: Req) -> Reply:
        fake = self.fake
        gid = self._guild(req.args[0])
        self._need(gid, MANAGE_EVENTS | CREATE_EVENTS, any_of=True)
        body = req.json or {}
        ev: dict[str, Any] = {
            "id": str(self.world.snowflake()),
            "guild_id": str(gid),
            "channel_id": body.get("channel_id"),
            "creator_id": str(self.world.bot_id),
            "creator": self.world.user_payload(self.world.bot_id),
            "name": body.get("name"),
            "description": body.get("description"),
            "scheduled_start_time": body.get("scheduled_start_time"),
            "scheduled_end_time": body.get("scheduled_end_time"),
            "privacy_level": body.get("privacy_level"),
            "status": 1,
            "entity_type": body.get("entity_type"),
            "entity_id": None,
            "entity_metadata": body.get("entity_metadata"),
            "image": None,
            "recurrence_rule": None,
        }
        self._validate_event(gid, ev, start_changed=True)
        live = [
            e for e in fake.events.values() if int(e["guild_id"]) == gid and e["status"] in (1, 2)
        ]
        if len(live) >= 100:
            raise error(400, 30038, "Maximum number of guild scheduled events reached (100)")
        fake.events[int(ev["id"])] = ev
        fake.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_CREATE", ev, intent=INTENT_GUILD_SCHEDULED_EVENTS
        )
        return Reply(body=ev)

    async def edit_event(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        self._need(gid, MANAGE_EVENTS)
        ev = self._event(gid, req.args[1])
        body = req.json or {}
        old, new = ev["status"], body.get("status", ev["status"])
        if old in (3, 4):
            raise error(400, 180000, "Cannot update a finished event")
        if new != old and (old, new) not in ((1, 2), (2, 3), (1, 4)):
            raise form_error(
                ["status"],
                "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                f"Cannot change event status from {old} to {new}.",
            )
        merged = ev | {k: v for k, v in body.items() if k != "image"}
        if merged.get("entity_type") == 3 and "channel_id" not in body:
            merged["channel_id"] = None
        start_changed = (
            body.get("scheduled_start_time", ev["scheduled_start_time"])
            != ev["scheduled_start_time"]
        )
        self._validate_event(gid, merged, start_changed=start_changed)
        ev.clear()
        ev.update(merged)
        self.fake.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_UPDATE", ev, intent=INTENT_GUILD_SCHEDULED_EVENTS
        )
        return Reply(body=ev)

    async def delete_event(self, req: Req) -> Reply:
        gid = self._guild(req.args[0])
        self._need(gid, MANAGE_EVENTS)
        ev = self._event(gid, req.args[1])
        del self.fake.events[int(ev["id"])]
        self.fake.gateway.dispatch(
            "GUILD_SCHEDULED_EVENT_DELETE", ev, intent=INTENT_GUILD_SCHEDULED_EVENTS
        )
        return Reply(204)
