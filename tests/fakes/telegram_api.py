"""A strict fake Telegram Bot API server that the real python-telegram-bot talks to over HTTP.

`FakeTelegram` listens on 127.0.0.1 (port 0) and answers `/bot<token>/<method>` as Telegram
does: `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters"}` with the same HTTP status. Tests push updates (messages, button presses, member
changes) and read back what went over the wire (`calls`, `chat_log`, `answers`).

It is stricter than it needs to be to serve a working bot, so that an adapter's mistakes fail
here rather than in a community: HTML is parsed (see `telegram_html`), text and button limits
are checked, private chats need the member to have started the bot, callback queries expire,
and `enforce_limits` turns the published send rates into strict sliding windows.

Two behaviours worth knowing when writing tests:
- As on Telegram, updates of a type outside the `allowed_updates` setting are never delivered
  (dropped when a delivery would include them). The default setting leaves out `chat_member`,
  `message_reaction` and `message_reaction_count`: an adapter must ask for them.
- As on Telegram, `editMessageText` without `reply_markup` removes the inline keyboard.
- `sendDocument` and `sendPhoto` take an upload only (multipart), never a file id or URL; the
  file's name and bytes are kept (`files`, and `file` in `chat_log`). An empty upload is refused,
  a photo must be a PNG or JPEG within Telegram's dimensions, a caption within 1024 characters.
- Webhook mode: `deliver_webhook()` makes one pass over the pending updates (a test's step);
  `start_delivering()` delivers them as Telegram does, in the background, retrying each until a
  2xx answer (see `telegram_webhook`). As bots running several instances report, a second
  `setWebhook` within a second is refused with 429 "retry after 1".
Deliberate departures from Telegram: a concurrent `getUpdates` is refused (409) while the first
one still waits (Telegram ends the older one instead); `setWebhook` accepts `http://` URLs (for a
receiver on 127.0.0.1); only `parse_mode` "HTML" is understood (others get 400).
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import math
import os
import re
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from tests.fakes.telegram_html import HtmlError, parse_html
from tests.fakes.telegram_webhook import WebhookDelivery, WebhookTarget

# httpx (under python-telegram-bot) honours proxy variables; a proxy must never see 127.0.0.1.
# Both spellings: urllib lets the lowercase one win when both exist.
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"

STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
# Telegram's default `allowed_updates`: everything but these three.
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
# Fields that are strings in the Bot API: never JSON-decoded, so a text "12" stays "12".
_STRING_FIELDS = frozenset(
    "text parse_mode callback_query_id url secret_token language_code inline_message_id "
    "ip_address caption description short_description name title".split()
)
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_DEEP_LINK_PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "login_url",
    "web_app",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_CONFLICT_POLL = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
CAPTION_LIMIT = 1024  # characters once entities are parsed
PHOTO_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024
_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query id is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)


@dataclass(frozen=True)
class Call:
    """One request as the server decoded it; `at` is `time.monotonic()` on arrival."""

    method: str
    params: dict[str, Any]
    at: float


class ApiError(Exception):
    """Raised inside a method handler; becomes Telegram's error answer."""

    def __init__(
        self, code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class _Stored:
    """A message in a chat, as the API returns it, plus what `chat_log` reports."""

    message: dict[str, Any]
    by_bot: bool
    html: str = ""
    format_key: tuple[str, str | None] = ("", None)  # (raw text, parse_mode): "not modified" check
    deleted: bool = False
    edits: int = 0
    file: dict[str, Any] | None = None  # an upload: kind, name, content type and bytes


@dataclass
class _Chat:
    id: int
    type: str  # "private" or "supergroup"
    title: str | None = None
    statuses: dict[int, str] = field(default_factory=dict)
    messages: dict[int, _Stored] = field(default_factory=dict)
    next_message_id: int = 1


@dataclass
class _Failure:
    method: str  # lowercased
    error_code: int
    description: str
    retry_after: int | None
    chat_id: int | None
    remaining: int


@dataclass
class _Poll:
    """A parked getUpdates; `request` tells whether its client has gone away."""

    wake: asyncio.Event
    request: web.Request
    released: bool = False

    def abandoned(self) -> bool:
        transport = self.request.transport
        return transport is None or transport.is_closing()


@dataclass
class _CallbackQuery:
    created: float
    user_id: int = 0
    answered: bool = False


class _SendWindows:
    """Strict sliding windows: at most `count` sends in any `seconds`, per key."""

    def __init__(self, time_scale: float) -> None:
        self._scale = time_scale
        self._stamps: dict[tuple[str, int], deque[float]] = {}

    def _rules(self, chat_id: int) -> list[tuple[tuple[str, int], int, float]]:
        rules = [(("overall", 0), 30, 1.0)]
        if chat_id < 0:
            rules.append((("group", chat_id), 20, 60.0))
        else:
            rules.append((("private", chat_id), 1, 1.0))
        return [(key, count, seconds * self._scale) for key, count, seconds in rules]

    def wait(self, chat_id: int, now: float) -> float:
        """Seconds until one more send to `chat_id` fits in every window (0 when it fits now)."""
        longest = 0.0
        for key, count, seconds in self._rules(chat_id):
            stamps = self._stamps.setdefault(key, deque())
            while stamps and stamps[0] <= now - seconds:
                stamps.popleft()
            if len(stamps) >= count:
                longest = max(longest, stamps[-count] + seconds - now)
        return longest

    def full(self, chat_id: int, now: float) -> list[str]:
        """The windows that refuse one more send to `chat_id` now ("overall", "private"...)."""
        full = []
        for key, count, seconds in self._rules(chat_id):
            stamps = [t for t in self._stamps.get(key, ()) if t > now - seconds]
            if len(stamps) >= count:
                full.append(key[0])
        return full

    def record(self, chat_id: int, now: float) -> None:
        for key, _, _ in self._rules(chat_id):
            self._stamps.setdefault(key, deque()).append(now)


Handler = Callable[[dict[str, Any], web.Request], Awaitable[Any]]


class FakeTelegram:
    """The fake server; see the module docstring. All helpers run on the test's event loop."""

    def __init__(
        self,
        *,
        token: str = "123456:TEST",
        bot_id: int = 123456,
        bot_username: str = "solidaire_bot",
        enforce_limits: bool = False,
        time_scale: float = 1.0,
        callback_timeout: float = 15.0,
    ) -> None:
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.enforce_limits = enforce_limits
        self.time_scale = time_scale
        self.callback_timeout = callback_timeout
        self.base_url = ""
        self.base_file_url = ""
        self.calls: list[Call] = []
        self.confirmed_offset = 0
        self.too_many = 0
        # Sends refused with 429 past the limits: (chat, time.monotonic(), the windows full).
        self.refused: list[tuple[int, float, list[str]]] = []
        self.sent_count = 0
        self.bot_user: dict[str, Any] = {
            "id": bot_id,
            "is_bot": True,
            "first_name": "Solidaire",
            "username": bot_username,
        }
        self._users: dict[int, dict[str, Any]] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._chats: dict[int, _Chat] = {}
        self._migrated: dict[int, int] = {}
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed: frozenset[str] | None = None  # None: Telegram's default setting
        self._poll: _Poll | None = None
        self._closing = False
        self._webhook_url = ""
        self._webhook_secret: str | None = None
        self._webhook_connections = 40
        self._webhook_set_at: float | None = None  # monotonic time of the last setWebhook
        # Telegram's side of the webhook, once `start_delivering()` is called.
        self.webhook = WebhookDelivery(
            pending=lambda: self._deliverable(len(self._updates)),
            taken=self._taken,
            target=self._webhook_target,
        )
        self._callbacks: dict[str, _CallbackQuery] = {}
        self._callback_ids = itertools.count(1)
        self._answers: list[dict[str, Any]] = []
        self._file_ids = itertools.count(1)
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._failures: list[_Failure] = []
        self._latency = 0.0
        # Called with each answer the moment the server takes it (tests look at the bot's
        # database then: what was committed before the member saw the answer).
        self.on_answer: Callable[[dict[str, Any]], None] | None = None
        # When the getUpdates response carrying each update was built (`time.monotonic()`, by
        # update id; the last one if a poll's client went away and the update went again):
        # benches measure "in the bot" from here, the long poll's hand-over excluded.
        self.handed_over: dict[int, float] = {}
        self._windows = _SendWindows(time_scale)
        self._runner: web.AppRunner | None = None
        self._methods: dict[str, tuple[str, Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "sendDocument": self._send_document,
                "sendPhoto": self._send_photo,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "getChatMember": self._get_chat_member,
                "getChatAdministrators": self._get_chat_administrators,
                "getChat": self._get_chat,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "close": self._true,
                "logOut": self._true,
            }.items()
        }

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        self._closing = False
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._no_file)
        # handler_cancellation: a client that gives up on a long poll frees the poller slot at
        # once; a short shutdown_timeout keeps `stop()` quick if a handler is still running.
        self._runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}/bot"
        self.base_file_url = f"http://127.0.0.1:{port}/file/bot"

    async def stop(self) -> None:
        await self.webhook.stop()
        # Parked long polls first: otherwise the runner waits for them and PTB's shutdown hangs.
        self._closing = True
        self._wake_poll()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ------------------------------------------------------------------ people and chats

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        username: str | None = None,
        language_code: str | None = "fr",
    ) -> dict[str, Any]:
        if user_id <= 0:
            raise ValueError("a user id is positive (negative ids are groups)")
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username is not None:
            user["username"] = username
        if language_code is not None:
            user["language_code"] = language_code
        self._users[user_id] = user
        self._chats.setdefault(user_id, _Chat(user_id, "private"))
        return dict(user)

    def add_group(
        self,
        chat_id: int,
        title: str,
        *,
        admins: Iterable[int] = (),
        members: Iterable[int] = (),
    ) -> dict[str, Any]:
        if chat_id >= 0:
            raise ValueError("a group id is negative")
        chat = _Chat(chat_id, "supergroup", title, statuses={self.bot_id: "administrator"})
        for user_id in members:
            self._user(user_id)
            chat.statuses[user_id] = "member"
        for user_id in admins:
            self._user(user_id)
            chat.statuses[user_id] = "administrator"
        self._chats[chat_id] = chat
        return self._chat_dict(chat)

    def set_status(self, chat_id: int, user_id: int, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; one of {STATUSES}")
        chat = self._group(chat_id)
        if user_id != self.bot_id:
            self._user(user_id)
        chat.statuses[user_id] = status

    def user_starts_bot(self, user_id: int) -> None:
        self._user(user_id)
        self._started.add(user_id)
        self._blocked.discard(user_id)

    def user_blocks_bot(self, user_id: int) -> None:
        self._user(user_id)
        self._blocked.add(user_id)

    def commands_for(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set for that scope (default scope when None) and language."""
        return list(self._commands.get((self._scope_key(scope), language_code), []))

    # ------------------------------------------------------------------ pushing updates

    def push_text(
        self, user_id: int, chat_id: int, text: str, *, reply_to: int | None = None
    ) -> dict[str, Any]:
        user = self._user(user_id)
        if chat_id == user_id:
            chat = self._chats[user_id]
            self.user_starts_bot(user_id)
        else:
            chat = self._group(chat_id)
            status = chat.statuses.get(user_id, "left")
            if status == "kicked":
                raise ValueError(f"user {user_id} is banned from {chat_id} and cannot write there")
            if status == "left":
                chat.statuses[user_id] = "member"
        extra: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            # CommandHandler ignores a command without its bot_command entity.
            command = text.split(maxsplit=1)[0]
            extra["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        if reply_to is not None:
            extra["reply_to_message"] = _snapshot(self._stored(chat, reply_to))
        message = self._store(chat, user, by_bot=False, extra=extra).message
        return self._queue({"message": message})

    def push_callback(
        self, user_id: int, chat_id: int, message_id: int, data: str
    ) -> dict[str, Any]:
        user = self._user(user_id)
        chat = self._chats.get(chat_id) or self._group(chat_id)
        stored = self._stored(chat, message_id)
        query_id = f"{self.bot_id}{next(self._callback_ids):09d}"
        self._callbacks[query_id] = _CallbackQuery(created=time.monotonic(), user_id=user_id)
        query = {
            "id": query_id,
            "from": user,
            "message": _snapshot(stored),
            "chat_instance": f"ci{chat.id}",
            "data": data,
        }
        return self._queue({"callback_query": query})

    def push_member_change(self, chat_id: int, user_id: int, old: str, new: str) -> dict[str, Any]:
        for status in (old, new):
            if status not in STATUSES:
                raise ValueError(f"unknown status {status!r}")
        is_bot = user_id == self.bot_id
        member_user = self.bot_user if is_bot else self._user(user_id)
        if chat_id > 0:  # a private chat: the member stops or restarts the bot
            if not is_bot:
                raise ValueError("in a private chat only the bot's own membership changes")
            chat = self._chats[chat_id]
            actor = self._user(chat_id)
            if new == "kicked":
                self.user_blocks_bot(chat_id)
            elif new == "member":
                self.user_starts_bot(chat_id)
        else:
            chat = self._group(chat_id)
            actor = member_user if not is_bot else self._an_admin(chat)
            chat.statuses[user_id] = new
        key = "my_chat_member" if is_bot else "chat_member"
        change = {
            "chat": self._chat_dict(chat),
            "from": actor,
            "date": int(time.time()),
            "old_chat_member": _member(old, member_user),
            "new_chat_member": _member(new, member_user),
        }
        return self._queue({key: change})

    def push_migration(self, old_chat_id: int, new_chat_id: int) -> dict[str, Any]:
        """Queues the message in the old group (returned) and, as Telegram does, the
        `migrate_from_chat_id` message in the new supergroup right after it."""
        chat = self._group(old_chat_id)
        if new_chat_id >= 0 or new_chat_id in self._chats:
            raise ValueError("the new chat id must be negative and unused")
        actor = self._an_admin(chat)
        old_chat = {**self._chat_dict(chat), "type": "group"}  # only basic groups migrate
        first = self._store(
            chat, actor, by_bot=False, extra={"migrate_to_chat_id": new_chat_id}
        ).message
        first["chat"] = old_chat
        del self._chats[old_chat_id]
        chat.id = new_chat_id
        self._chats[new_chat_id] = chat
        self._migrated[old_chat_id] = new_chat_id
        second = self._store(
            chat, actor, by_bot=False, extra={"migrate_from_chat_id": old_chat_id}
        ).message
        update = self._queue({"message": first})
        self._queue({"message": second})
        return update

    def push_raw(self, update: dict[str, Any]) -> dict[str, Any]:
        return self._queue(dict(update))

    # ------------------------------------------------------------------ what went over the wire

    def calls_of(self, method: str) -> list[Call]:
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def chat_log(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self._chats.get(self._migrated.get(chat_id, chat_id))
        if chat is None:
            return []
        return [
            {
                "message_id": stored.message["message_id"],
                "text": stored.message.get("text", ""),
                "html": stored.html,
                "reply_markup": copy.deepcopy(stored.message.get("reply_markup")),
                "deleted": stored.deleted,
                "edits": stored.edits,
                "caption": stored.message.get("caption", ""),
                "file": None if stored.file is None else dict(stored.file),
            }
            for stored in chat.messages.values()
            if stored.by_bot
        ]

    def files(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Every file the bot sent (to that chat): kind ("document" or "photo"), name, content
        type, bytes, and the chat and message it went in."""
        return [
            {**stored.file, "chat_id": chat.id, "message_id": number}
            for chat in self._chats.values()
            if chat_id is None or chat.id == self._migrated.get(chat_id, chat_id)
            for number, stored in chat.messages.items()
            if stored.by_bot and stored.file is not None
        ]

    def query_user(self, query_id: str) -> int:
        """Who pressed: the user of that callback query."""
        return self._callbacks[query_id].user_id

    def answers(self) -> list[dict[str, Any]]:
        return [dict(answer) for answer in self._answers]

    def pending_updates(self) -> list[dict[str, Any]]:
        return list(self._updates)

    @property
    def next_update_id(self) -> int:
        """The id the next update pushed will get (consecutive from there)."""
        return self._next_update_id

    @property
    def polling(self) -> bool:
        """A getUpdates is parked, waiting for an update (tests wait for this before pushing)."""
        return self._poll is not None

    async def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 (agreed API: it polls a predicate)
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            if loop.time() >= deadline:
                recent = ", ".join(call.method for call in self.calls[-10:]) or "none"
                name = getattr(predicate, "__qualname__", repr(predicate))
                raise AssertionError(
                    f"{name} still false after {timeout} s; last calls: {recent}; "
                    f"{len(self._updates)} update(s) pending, confirmed_offset={self.confirmed_offset}"
                )
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------------ failures on demand

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        chat_id: int | None = None,
        times: int = 1,
    ) -> None:
        self._failures.append(
            _Failure(method.lower(), error_code, description, retry_after, chat_id, times)
        )

    def set_latency(self, seconds: float) -> None:
        self._latency = seconds

    # ------------------------------------------------------------------ webhook mode

    def start_delivering(self, *, timeout: float = 60.0, delay_scale: float = 1.0) -> None:
        """From now on pending updates are POSTed to the webhook as Telegram does, in the
        background, until `stop()`: each retried until answered 2xx (see `telegram_webhook`);
        `timeout`: seconds an answer may take before the attempt counts as failed;
        `delay_scale` multiplies the delays between attempts."""
        self.webhook.timeout = timeout
        self.webhook.delay_scale = delay_scale
        self.webhook.start()

    def _webhook_target(self) -> WebhookTarget | None:
        if not self._webhook_url:
            return None
        return WebhookTarget(self._webhook_url, self._webhook_secret, self._webhook_connections)

    def _taken(self, update_id: int) -> None:
        self._updates = [u for u in self._updates if u["update_id"] != update_id]

    async def deliver_webhook(self) -> list[int]:
        """POSTs each deliverable update in order; a 2xx answer confirms it. A receiver that
        cannot be reached counts as status 0 and leaves the update pending."""
        if not self._webhook_url:
            raise RuntimeError("no webhook is set (call setWebhook first)")
        if self.webhook.running:
            raise RuntimeError("updates are being delivered in the background already")
        headers = {"Content-Type": "application/json"}
        if self._webhook_secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = self._webhook_secret
        statuses: list[int] = []
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for update in self._deliverable(len(self._updates)):
                try:
                    async with session.post(
                        self._webhook_url, data=json.dumps(update), headers=headers
                    ) as response:
                        status = response.status
                except aiohttp.ClientError:
                    status = 0
                statuses.append(status)
                if 200 <= status < 300:
                    done = update["update_id"]
                    self._updates = [u for u in self._updates if u["update_id"] != done]
        return statuses

    # ------------------------------------------------------------------ HTTP plumbing

    async def _handle(self, request: web.Request) -> web.Response:
        method_name = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ValueError as error:
            return _answer_error(_bad(f"can't parse request: {error}"))
        known = self._methods.get(method_name.lower())
        self.calls.append(Call(known[0] if known else method_name, params, time.monotonic()))
        if self._latency:
            await asyncio.sleep(self._latency)
        if request.match_info["token"] != self.token:
            return _answer_error(ApiError(401, "Unauthorized"))
        if known is None:
            return _answer_error(ApiError(404, "Not Found"))
        try:
            self._inject_failure(method_name.lower(), params)
            result = await known[1](params, request)
        except ApiError as error:
            if error.code == 429:
                self.too_many += 1
            return _answer_error(error)
        response = _json_response(200, {"ok": True, "result": result})
        if known[0] == "getUpdates" and result:
            now = time.monotonic()
            for update in result:
                self.handed_over[update["update_id"]] = now
        return response

    async def _no_file(self, request: web.Request) -> web.Response:
        return _answer_error(ApiError(404, "Not Found"))

    def _inject_failure(self, method: str, params: dict[str, Any]) -> None:
        for failure in self._failures:
            if failure.method != method or failure.remaining <= 0:
                continue
            if (
                failure.chat_id is not None
                and _as_chat_id(params.get("chat_id")) != failure.chat_id
            ):
                continue
            failure.remaining -= 1
            self._failures = [f for f in self._failures if f.remaining > 0]
            parameters = (
                None if failure.retry_after is None else {"retry_after": failure.retry_after}
            )
            raise ApiError(failure.error_code, failure.description, parameters)

    # ------------------------------------------------------------------ updates

    def _queue(self, update: dict[str, Any]) -> dict[str, Any]:
        if "update_id" in update:
            self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
        else:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        self._updates.append(update)
        self._wake_poll()
        self.webhook.wake()
        return update

    def _wake_poll(self) -> None:
        if self._poll is not None:
            self._poll.wake.set()

    def _deliverable(self, limit: int) -> list[dict[str, Any]]:
        """The first `limit` updates of allowed types; the others are dropped for good, as
        Telegram never queues updates the bot did not ask for."""
        kept = [update for update in self._updates if self._is_allowed(update)]
        self._updates = kept
        return kept[:limit]

    def _is_allowed(self, update: dict[str, Any]) -> bool:
        kinds = set(update) - {"update_id"}
        if self._allowed is None:
            return not kinds & _NOT_BY_DEFAULT
        return bool(kinds & self._allowed)

    def _set_allowed(self, value: Any) -> None:
        if value is None:
            return  # not given: Telegram keeps the previous setting
        if not isinstance(value, list):
            raise _bad("can't parse allowed updates JSON array")
        self._allowed = frozenset(value) if value else None

    async def _get_updates(self, p: dict[str, Any], request: web.Request) -> list[dict[str, Any]]:
        if self._webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        if self._poll is not None:
            if not self._poll.abandoned():
                raise ApiError(409, _CONFLICT_POLL)
            self._poll.released = True  # its client is gone: nobody reads that answer
            self._poll.wake.set()
        offset = int(p.get("offset", 0))
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            self.confirmed_offset = max(self.confirmed_offset, offset)
        elif offset < 0:  # -N: only the last N updates are kept
            self._updates = self._updates[offset:]
            if self._updates:
                first = self._updates[0]["update_id"]
                self.confirmed_offset = max(self.confirmed_offset, first)
        self._set_allowed(p.get("allowed_updates"))
        limit = min(max(int(p.get("limit", 100)), 1), 100)
        timeout = max(float(p.get("timeout", 0)), 0.0)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        poll = _Poll(asyncio.Event(), request)
        self._poll = poll
        try:
            while True:
                ready = self._deliverable(limit)
                remaining = deadline - loop.time()
                if ready or remaining <= 0 or self._closing or poll.released:
                    return ready
                poll.wake.clear()
                try:
                    await asyncio.wait_for(poll.wake.wait(), remaining)
                except TimeoutError:
                    pass
        finally:
            if self._poll is poll:
                self._poll = None

    async def _set_webhook(self, p: dict[str, Any], request: web.Request) -> bool:
        url = str(p.get("url", ""))
        secret = p.get("secret_token")
        if url and urlsplit(url).scheme not in ("http", "https"):
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if secret is not None and not _SECRET.match(str(secret)):
            raise _bad("secret token contains unallowed characters")
        connections = p.get("max_connections", 40)
        if isinstance(connections, bool) or not isinstance(connections, int):
            raise _bad("invalid max_connections")
        now = time.monotonic()
        if self._webhook_set_at is not None and now - self._webhook_set_at < 1.0:
            raise ApiError(429, "Too Many Requests: retry after 1", {"retry_after": 1})
        self._webhook_set_at = now
        self._set_allowed(p.get("allowed_updates"))
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook_url = url
        self._webhook_secret = None if secret is None else str(secret)
        self._webhook_connections = min(max(connections, 1), 100)
        self.webhook.wake()
        return True

    async def _delete_webhook(self, p: dict[str, Any], request: web.Request) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        self._webhook_url = ""
        self._webhook_secret = None
        return True

    async def _get_webhook_info(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook_url:
            info["max_connections"] = self._webhook_connections
        if self.webhook.last_error is not None:
            info["last_error_date"], info["last_error_message"] = self.webhook.last_error
        if self._allowed is not None:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    # ------------------------------------------------------------------ messages

    async def _get_me(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _true(self, p: dict[str, Any], request: web.Request) -> bool:
        return True

    async def _send_message(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        chat = self._writable_chat(p)
        raw, plain = self._text(p)
        markup = _check_markup(p.get("reply_markup"))
        extra: dict[str, Any] = {"text": plain}
        reply = self._reply_target(chat, p)
        if reply is not None:
            extra["reply_to_message"] = reply
        if markup is not None:
            extra["reply_markup"] = markup
        if p.get("message_thread_id") is not None:
            extra["message_thread_id"] = p["message_thread_id"]
        self._count_send(chat.id)
        stored = self._store(chat, self.bot_user, by_bot=True, extra=extra)
        stored.html = raw
        stored.format_key = (raw, p.get("parse_mode"))
        return stored.message

    async def _send_document(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return self._send_file(p, "document", DOCUMENT_MAX_BYTES)

    async def _send_photo(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return self._send_file(p, "photo", PHOTO_MAX_BYTES)

    def _send_file(self, p: dict[str, Any], kind: str, max_bytes: int) -> dict[str, Any]:
        """sendDocument / sendPhoto with an upload, checked as Telegram checks it."""
        chat = self._writable_chat(p)
        upload = p.get(kind)
        if upload is None:
            raise _bad(f"there is no {kind} in the request")
        if not isinstance(upload, dict) or "content" not in upload:
            raise _bad("wrong file identifier/HTTP URL specified")  # ids and URLs: not here
        content: bytes = upload["content"]
        if not content:
            raise _bad("file must be non-empty")
        if len(content) > max_bytes:
            raise ApiError(413, "Request Entity Too Large")
        extra: dict[str, Any] = {}
        raw_caption = p.get("caption")
        if raw_caption is not None and raw_caption != "":
            raw, plain = self._text({"text": raw_caption, "parse_mode": p.get("parse_mode")})
            if len(plain) > CAPTION_LIMIT:
                raise _bad("message caption is too long")
            extra["caption"] = plain
        else:
            raw = ""
        markup = _check_markup(p.get("reply_markup"))
        if markup is not None:
            extra["reply_markup"] = markup
        if p.get("message_thread_id") is not None:
            extra["message_thread_id"] = p["message_thread_id"]
        number = next(self._file_ids)
        ids = {"file_id": f"F{kind[0].upper()}{number}", "file_unique_id": f"U{number}"}
        if kind == "photo":
            width, height = _photo_size(content)
            extra["photo"] = [{**ids, "width": width, "height": height, "file_size": len(content)}]
        else:
            extra["document"] = {
                **ids,
                "file_name": upload["filename"],
                "mime_type": upload["content_type"],
                "file_size": len(content),
            }
        self._count_send(chat.id)
        stored = self._store(chat, self.bot_user, by_bot=True, extra=extra)
        stored.html = raw
        stored.file = {
            "kind": kind,
            "name": upload["filename"],
            "content_type": upload["content_type"],
            "content": content,
        }
        return stored.message

    async def _edit_message_text(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        chat, stored = self._editable(p)
        raw, plain = self._text(p)
        markup = _check_markup(p.get("reply_markup"))  # absent: the keyboard goes, as on Telegram
        format_key = (raw, p.get("parse_mode"))
        if (
            plain == stored.message.get("text")
            and format_key == stored.format_key
            and markup == stored.message.get("reply_markup")
        ):
            raise _bad(_NOT_MODIFIED)
        self._count_send(chat.id)
        stored.message["text"] = plain
        self._set_markup(stored, markup)
        stored.html = raw
        stored.format_key = format_key
        return stored.message

    async def _edit_message_reply_markup(
        self, p: dict[str, Any], request: web.Request
    ) -> dict[str, Any]:
        _, stored = self._editable(p)
        markup = _check_markup(p.get("reply_markup"))
        if markup == stored.message.get("reply_markup"):
            raise _bad(_NOT_MODIFIED)
        self._set_markup(stored, markup)
        return stored.message

    async def _delete_message(self, p: dict[str, Any], request: web.Request) -> bool:
        chat = self._chat(p.get("chat_id"))
        stored = chat.messages.get(_int(p, "message_id"))
        if stored is None or stored.deleted:
            raise _bad("message to delete not found")
        bot_admin = chat.statuses.get(self.bot_id) in ("creator", "administrator")
        if chat.type != "private" and not stored.by_bot and not bot_admin:
            raise _bad("message can't be deleted")
        stored.deleted = True
        return True

    async def _answer_callback_query(self, p: dict[str, Any], request: web.Request) -> bool:
        query_id = str(p.get("callback_query_id", ""))
        query = self._callbacks.get(query_id)
        too_late = self.callback_timeout * self.time_scale
        if query is None or query.answered or time.monotonic() - query.created > too_late:
            raise ApiError(400, _QUERY_TOO_OLD)
        text = p.get("text")
        if text is not None and len(str(text)) > 200:
            raise _bad("MESSAGE_TOO_LONG")
        url = p.get("url")
        if url is not None:
            self._check_answer_url(str(url))
        query.answered = True
        answer = {
            "callback_query_id": query_id,
            "text": text,
            "show_alert": bool(p.get("show_alert", False)),
            "url": url,
        }
        self._answers.append(answer)
        if self.on_answer is not None:
            self.on_answer(answer)
        return True

    def _check_answer_url(self, url: str) -> None:
        """Telegram only opens links to the bot itself (deep links) from a callback answer."""
        parts = urlsplit(url)
        path = parts.path.strip("/").lower()
        to_bot = parts.scheme in ("http", "https") and parts.netloc.lower() in (
            "t.me",
            "telegram.me",
        )
        if not to_bot or path != self.bot_username.lower():
            raise _bad("URL_INVALID")
        for payload in parse_qs(parts.query, keep_blank_values=True).get("start", []):
            if not _DEEP_LINK_PAYLOAD.match(payload):
                raise _bad("URL_INVALID")

    # ------------------------------------------------------------------ chats and members

    async def _get_chat_member(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        user_id = _int(p, "user_id")
        user = self.bot_user if user_id == self.bot_id else self._users.get(user_id)
        if user is None:
            raise _bad("user not found")
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot_id) else "left"
        else:
            status = chat.statuses.get(user_id, "left")
        return _member(status, user)

    async def _get_chat_administrators(
        self, p: dict[str, Any], request: web.Request
    ) -> list[dict[str, Any]]:
        chat = self._chat(p.get("chat_id"))
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        return [
            _member(status, self.bot_user if user_id == self.bot_id else self._users[user_id])
            for user_id, status in chat.statuses.items()
            if status in ("creator", "administrator")
        ]

    async def _get_chat(self, p: dict[str, Any], request: web.Request) -> dict[str, Any]:
        chat = self._chat(p.get("chat_id"))
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return {
            **self._chat_dict(chat),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": gifts,
        }

    # ------------------------------------------------------------------ commands

    @staticmethod
    def _scope_key(scope: Any) -> str:
        return json.dumps(scope or {"type": "default"}, sort_keys=True)

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope")
        if scope is not None and not isinstance(scope, dict):
            raise _bad("can't parse BotCommandScope JSON object")
        return self._scope_key(scope), str(p.get("language_code") or "")

    async def _set_my_commands(self, p: dict[str, Any], request: web.Request) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON array")
        if len(commands) > 100:
            raise _bad("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not (isinstance(name, str) and _COMMAND.match(name)):
                raise _bad("BOT_COMMAND_INVALID")
            if not (isinstance(description, str) and 1 <= len(description) <= 256):
                raise _bad("BOT_COMMAND_INVALID")
        self._commands[self._commands_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(
        self, p: dict[str, Any], request: web.Request
    ) -> list[dict[str, Any]]:
        return list(self._commands.get(self._commands_key(p), []))

    async def _delete_my_commands(self, p: dict[str, Any], request: web.Request) -> bool:
        self._commands.pop(self._commands_key(p), None)
        return True

    # ------------------------------------------------------------------ helpers

    def _user(self, user_id: int) -> dict[str, Any]:
        try:
            return self._users[user_id]
        except KeyError:
            raise KeyError(f"user {user_id} unknown to the fake: call add_user first") from None

    def _group(self, chat_id: int) -> _Chat:
        if chat_id in self._migrated:
            raise ValueError(f"group {chat_id} migrated to {self._migrated[chat_id]}")
        chat = self._chats.get(chat_id)
        if chat is None or chat.type == "private":
            raise KeyError(f"group {chat_id} unknown to the fake: call add_group first")
        return chat

    def _an_admin(self, chat: _Chat) -> dict[str, Any]:
        """Someone to stand as `from` of a service message: a human admin, else the bot."""
        for user_id, status in chat.statuses.items():
            if status in ("creator", "administrator") and user_id in self._users:
                return self._users[user_id]
        return self.bot_user

    def _chat_dict(self, chat: _Chat) -> dict[str, Any]:
        if chat.type == "private":
            user = self._users[chat.id]
            data = {"id": chat.id, "type": "private", "first_name": user["first_name"]}
            if "username" in user:
                data["username"] = user["username"]
            return data
        return {"id": chat.id, "type": chat.type, "title": chat.title}

    def _store(
        self, chat: _Chat, sender: dict[str, Any], *, by_bot: bool, extra: dict[str, Any]
    ) -> _Stored:
        message = {
            "message_id": chat.next_message_id,
            "date": int(time.time()),
            "chat": self._chat_dict(chat),
            "from": sender,
            **extra,
        }
        chat.next_message_id += 1
        stored = _Stored(message, by_bot)
        chat.messages[message["message_id"]] = stored
        return stored

    def _stored(self, chat: _Chat, message_id: int) -> _Stored:
        stored = chat.messages.get(message_id)
        if stored is None or stored.deleted:
            raise KeyError(f"no message {message_id} in chat {chat.id}")
        return stored

    def _chat(self, raw_chat_id: Any) -> _Chat:
        """The chat a request names, with Telegram's errors for unknown or migrated chats."""
        chat_id = _as_chat_id(raw_chat_id)
        if chat_id is None:
            raise _bad("chat_id is empty" if raw_chat_id in (None, "") else "chat not found")
        if chat_id in self._migrated:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        chat = self._chats.get(chat_id)
        if chat is None:
            raise _bad("chat not found")
        return chat

    def _writable_chat(self, p: dict[str, Any]) -> _Chat:
        """The chat, if the bot may write there now (403 otherwise, as Telegram answers)."""
        chat = self._chat(p.get("chat_id"))
        if chat.type == "private":
            if chat.id in self._blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if chat.id not in self._started:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        else:
            status = chat.statuses.get(self.bot_id, "left")
            if status == "kicked":
                raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
            if status == "left":
                raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        return chat

    def _editable(self, p: dict[str, Any]) -> tuple[_Chat, _Stored]:
        if p.get("inline_message_id") is not None:
            raise _bad("inline messages are not supported by this fake")
        chat = self._writable_chat(p)
        stored = chat.messages.get(_int(p, "message_id"))
        if stored is None or stored.deleted:
            raise _bad("message to edit not found")
        if not stored.by_bot:
            raise _bad("message can't be edited")
        return chat, stored

    @staticmethod
    def _set_markup(stored: _Stored, markup: dict[str, Any] | None) -> None:
        if markup is None:
            stored.message.pop("reply_markup", None)
        else:
            stored.message["reply_markup"] = markup
        stored.message["edit_date"] = int(time.time())
        stored.edits += 1

    @staticmethod
    def _text(p: dict[str, Any]) -> tuple[str, str]:
        """(text as sent, text as shown), with Telegram's checks on both."""
        raw = p.get("text")
        if not isinstance(raw, str) or not raw:
            raise _bad("message text is empty")
        parse_mode = p.get("parse_mode")
        if parse_mode is None or parse_mode == "":
            plain = raw
        elif str(parse_mode).lower() == "html":
            try:
                plain = parse_html(raw)
            except HtmlError as error:
                raise _bad(f"can't parse entities: {error}") from None
        else:
            raise _bad("unsupported parse_mode (this fake understands HTML only)")
        if not plain.strip():
            raise _bad("message text is empty")
        if len(plain) > 4096:
            raise _bad("message is too long")
        return raw, plain

    def _reply_target(self, chat: _Chat, p: dict[str, Any]) -> dict[str, Any] | None:
        reply = p.get("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            lenient = bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, chat.id):
                raise _bad("replies to other chats are not supported by this fake")
        elif p.get("reply_to_message_id") is not None:
            message_id = p["reply_to_message_id"]
            lenient = bool(p.get("allow_sending_without_reply"))
        else:
            return None
        stored = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if stored is None or stored.deleted:
            if lenient:
                return None
            raise _bad("message to be replied not found")
        return _snapshot(stored)

    def _count_send(self, chat_id: int) -> None:
        """Applies the send windows (when enforced) and counts the send."""
        now = time.monotonic()
        if self.enforce_limits:
            wait = self._windows.wait(chat_id, now)
            if wait > 0:
                self.refused.append((chat_id, now, self._windows.full(chat_id, now)))
                retry_after = max(1, math.ceil(wait))
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
            self._windows.record(chat_id, now)
        self.sent_count += 1


# ---------------------------------------------------------------------- module helpers


def _snapshot(stored: _Stored) -> dict[str, Any]:
    """The message as nested in another one at this instant: later edits do not reach it, and
    Telegram nests one level only (no reply_to_message inside a reply_to_message)."""
    message = copy.deepcopy(stored.message)
    message.pop("reply_to_message", None)
    return message


def _utf16_len(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _as_chat_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def _int(p: dict[str, Any], name: str) -> int:
    value = p.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        raise _bad(f"{name} is empty" if value is None else f"invalid {name}")
    return value


def _member(status: str, user: dict[str, Any]) -> dict[str, Any]:
    """A ChatMember dict with every field python-telegram-bot requires for that status."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=False,
            can_edit_stories=False,
            can_delete_stories=False,
            can_pin_messages=True,
            can_manage_topics=False,
        )
    elif status == "restricted":
        rights = (
            "can_change_info can_invite_users can_pin_messages can_send_messages can_send_polls "
            "can_send_other_messages can_add_web_page_previews can_manage_topics can_send_audios "
            "can_send_documents can_send_photos can_send_videos can_send_video_notes "
            "can_send_voice_notes can_edit_tag"
        ).split()
        member.update(dict.fromkeys(rights, False), is_member=True, until_date=0)
    elif status == "kicked":
        member["until_date"] = 0
    return member


def _check_markup(markup: Any) -> dict[str, Any] | None:
    """Checks an inline keyboard as Telegram does; other markups pass as they are."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    if any(len(row) > 8 for row in rows) or sum(len(row) for row in rows) > 100:
        raise _bad("BUTTONS_TOO_MUCH")
    for button in itertools.chain.from_iterable(rows):
        if (
            not isinstance(button, dict)
            or not isinstance(button.get("text"), str)
            or not button["text"]
        ):
            raise _bad("can't parse inline keyboard button: Text must be non-empty")
        actions = [name for name in _BUTTON_ACTIONS if name in button]
        if not actions:
            raise _bad(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if len(actions) > 1:
            raise _bad(f"can't parse inline keyboard button: more than one action {actions}")
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
                raise _bad("BUTTON_DATA_INVALID")
        if "url" in button:
            url = button["url"]
            parts = urlsplit(url) if isinstance(url, str) else None
            if (
                parts is None
                or parts.scheme not in ("http", "https", "tg")
                or (parts.scheme != "tg" and not parts.netloc)
            ):
                raise _bad("BUTTON_URL_INVALID")
    return markup


def _decode(name: str, value: str) -> Any:
    """Telegram reads a form field by its type: JSON for objects, arrays, numbers, booleans."""
    if name in _STRING_FIELDS:
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, dict | list | int | float | bool) else value


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ValueError("the JSON body is not an object")
        params.update(body)  # already typed
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, str):
                params[name] = _decode(name, value)
            elif isinstance(value, web.FileField):  # an upload: what a test may assert on
                params[name] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "content": value.file.read(),
                }
            else:
                params[name] = bytes(value)
    return params


def _photo_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, with Telegram's refusals for anything else."""
    if content.startswith(_PNG) and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])  # the IHDR chunk comes first
    elif content.startswith(_JPEG):
        width, height = _jpeg_size(content)
    else:
        raise _bad("IMAGE_PROCESS_FAILED")
    if (
        width <= 0
        or height <= 0
        or width + height > 10000
        or max(width, height) > 20 * min(width, height)
    ):
        raise _bad("PHOTO_INVALID_DIMENSIONS")
    return width, height


def _jpeg_size(content: bytes) -> tuple[int, int]:
    """The frame size of a JPEG: the first start-of-frame marker's fields."""
    at = 2
    while at + 9 < len(content):
        if content[at] != 0xFF:
            break
        marker, length = content[at + 1], struct.unpack(">H", content[at + 2 : at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", content[at + 5 : at + 9])
            return width, height
        at += 2 + length
    raise _bad("IMAGE_PROCESS_FAILED")


def _json_response(status: int, payload: dict[str, Any]) -> web.Response:
    # Exactly "application/json", as Telegram answers (no charset parameter).
    return web.Response(
        status=status, body=json.dumps(payload).encode("utf-8"), content_type="application/json"
    )


def _answer_error(error: ApiError) -> web.Response:
    payload: dict[str, Any] = {
        "ok": False,
        "error_code": error.code,
        "description": error.description,
    }
    if error.parameters:
        payload["parameters"] = error.parameters
    return _json_response(error.code, payload)
