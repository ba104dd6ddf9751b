"""Who did something, and where: read from an update's JSON, and turned into the core's request.

A press (a `callback_query` update) is read straight from Telegram's JSON into the few fields
the adapter uses: python-telegram-bot's `Update.de_json` built the whole object tree (the user,
the message, its chat) for each one, ~7.5 % of the event loop's samples during a burst of 1,000
presses while 2,000 reminders fan out. Typed messages and member changes still go through PTB's
objects (they are rare, and read more of the update); both kinds meet here, in `request_of`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol

from bot.adapters.telegram.roles import Roles
from bot.core.inbox import InboxItem
from bot.core.messages import Request
from bot.domain.model import SpaceRef, UserRef
from bot.domain.policy import ROLE_BLIND

PRIVATE = "private"  # telegram.Chat.PRIVATE


class Person(Protocol):
    """What is read of a member: PTB's `User` or a press's `Sender`."""

    @property
    def id(self) -> int: ...
    @property
    def full_name(self) -> str: ...
    @property
    def language_code(self) -> str | None: ...
    @property
    def username(self) -> str | None: ...


class Place(Protocol):
    """What is read of a chat: PTB's `Chat` or a press's `Where`."""

    @property
    def id(self) -> int: ...
    @property
    def type(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Sender:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        """As PTB's `User.full_name`: the first name, then the last one if any."""
        return f"{self.first_name} {self.last_name}" if self.last_name else self.first_name


@dataclass(frozen=True, slots=True)
class Where:
    id: int
    type: str


@dataclass(frozen=True, slots=True)
class Press:
    """A button press: `chat` is where its message is (None for an inline message)."""

    update_id: int
    id: str
    from_user: Sender
    data: str | None
    chat: Where | None


def parse_press(update: dict[str, Any]) -> Press | None:
    """The press in this update, or None when it is not one."""
    query = update.get("callback_query")
    if query is None:
        return None
    sender = query["from"]
    message = query.get("message")
    chat = message.get("chat") if message is not None else None
    return Press(
        update_id=int(update["update_id"]),
        id=str(query["id"]),
        from_user=Sender(
            id=int(sender["id"]),
            first_name=sender.get("first_name", ""),
            last_name=sender.get("last_name"),
            username=sender.get("username"),
            language_code=sender.get("language_code"),
        ),
        data=query.get("data"),
        chat=Where(int(chat["id"]), str(chat["type"])) if chat is not None else None,
    )


def ref(user: Person) -> UserRef:
    return UserRef("telegram", str(user.id))


def request_of(user: Person, chat: Place | None, raw: str | None, item: InboxItem) -> Request:
    group = chat is not None and chat.type != PRIVATE
    return Request(
        actor=ref(user),
        command="",
        args={},
        space=SpaceRef("telegram", str(chat.id)) if group and chat else None,
        display_name=user.full_name,
        locale=user.language_code,
        username=user.username,
        raw=raw,
        dm=not group,  # a private update proves the bot may write back
        receipt=item.id,
    )


async def with_roles(
    roles: Roles, req: Request, command: str | None, chat: Place | None, user: Person
) -> Request:
    """Asks Telegram for roles only when the command's outcome depends on them."""
    if command is None or command in ROLE_BLIND:
        return req
    if req.space is not None and chat is not None:
        return replace(req, facts=await roles.in_group(chat.id, user.id))
    return replace(req, community_facts=await roles.per_community(user.id))
