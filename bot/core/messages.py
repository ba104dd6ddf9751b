"""What crosses the core's boundary: requests in, replies and outbound messages out.

Texts stay unrendered (a catalog key and its parameters) until an adapter renders them with its own
escaper, so user text is escaped by the platform that shows it and never by guesswork in the core.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Union

from bot.domain.model import Role, SpaceRef, UserRef

Param = Union[str, int, "Text", tuple["Text", ...], "Raw", "CommandRef"]


@dataclass(frozen=True)
class Raw:
    """Trusted text built by the core itself (never user input); rendered without escaping."""

    value: str


@dataclass(frozen=True)
class CommandRef:
    """A command named in a message, written by each adapter as its readers reach it: `/participer`
    for a French reader in the shell or on Telegram, a `</join:id>` mention on Discord (each
    reader's app shows it in their own language). A catalog text names one as `{/join}`."""

    name: str


@dataclass(frozen=True)
class Text:
    """A message of the catalog in one locale; `count` selects the plural form."""

    locale: str
    key: str
    params: Mapping[str, Param] = field(default_factory=dict)
    count: int | None = None


@dataclass(frozen=True)
class Button:
    """A button: `action` is an encoded action (see codec) or `url` opens a link."""

    label: Text
    action: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply (a CSV export, a chart); `image` ones are shown inline."""

    filename: str
    content: bytes = field(repr=False)
    image: bool = False


@dataclass(frozen=True)
class Menu:
    """A pick list (Discord's select menu), for a platform that has one (`Capabilities.menus`):
    choosing runs the command `command` on the values picked (question ids for a digest)."""

    command: str
    placeholder: Text
    options: tuple[tuple[str, str], ...]  # (label, value); labels are plain text
    many: bool = False  # several values at once (`/approve 3 5 7`), else exactly one


@dataclass(frozen=True)
class OutMessage:
    text: Text
    buttons: tuple[tuple[Button, ...], ...] = ()
    mentions: tuple[UserRef, ...] = ()
    # Platforms with threads (Discord) open one on this message under this title: the live's
    # reminders and on-air questions then go there. Others ignore it.
    thread_title: str | None = None
    attachment: Attachment | None = None  # replies only: the ledger stores no files
    menus: tuple[Menu, ...] = ()  # built at send time only (digests): the ledger stores none


@dataclass(frozen=True)
class Request:
    """One thing a person did: a command typed or a button pressed, platform-neutral."""

    actor: UserRef
    command: str
    args: Mapping[str, str]
    space: SpaceRef | None = None
    facts: frozenset[Role] = frozenset()
    display_name: str = ""
    locale: str | None = None
    username: str | None = None
    raw: str | None = None
    # In a private chat, the person's roles in each of their communities (facts of one chat
    # never describe another community); None: `facts` apply wherever the command lands.
    community_facts: Mapping[int, frozenset[Role]] | None = None
    dm: bool | None = None  # see MemberRepo.upsert
    receipt: int | None = None  # the inbox item this request came from: handled exactly once
    # After this time the platform takes no answer to the request (a Telegram button press):
    # the answer is then owed privately, as a ledger row written with the request's effects, so
    # a crash between the commit and the answer cannot leave the member untold.
    answer_by: datetime | None = None


_KEEP = "\x00keep"


def rebuilt(
    req: Request,
    *,
    command: str | None = None,
    raw: str | None = _KEEP,
    args: Mapping[str, str] | None = None,
) -> Request:
    """The same request naming another command, text or fields (a button's action, a guided
    form's answers); `raw` None: the fields are given, not typed."""
    return replace(
        req,
        command=command if command is not None else req.command,
        args=dict(args) if args is not None else dict(req.args),
        raw=req.raw if raw == _KEEP else raw,
    )


@dataclass(frozen=True)
class Reply:
    """The answer to the person who acted; `public` answers are shown to the whole chat;
    `in_place` answers replace the message whose button was pressed, where the platform can
    (a settings toggle updates the settings shown, rather than stacking a new copy).
    `reachable`: whether a private message to the person who acted is known to arrive, read in
    the command's own unit of work (None: not looked up), so that an adapter answering a press
    need not ask the database again first.
    `store_down`: the database did not answer, nothing was done; an update kept in an inbox
    must stay unhandled there, to be handled once the database is back."""

    messages: tuple[OutMessage, ...]
    public: bool = False
    ok: bool = True
    in_place: bool = False
    reachable: bool | None = None
    store_down: bool = False

    @property
    def text(self) -> Text:
        return self.messages[0].text


@dataclass(frozen=True)
class Destination:
    """Where an outbound message goes: a member's private chat, or a space (chat, channel, thread)."""

    platform: str
    chat_id: str
    private: bool
    thread_id: str | None = None


@dataclass(frozen=True)
class SendResult:
    """The platform's answer to a send; a refusal is a value, not an exception."""

    delivered: bool
    message_id: str | None = None
    permanent: bool = False
    retry_after: float | None = None
    reason: str | None = None
