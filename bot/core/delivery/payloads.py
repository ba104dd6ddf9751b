"""Messages stored unrendered in the ledger: a catalog key and parameters, as JSON.

The adapter that finally sends a row escapes user text its own way. A message owed long before it
is sent (a reminder, "starting soon", the host's nudge) is stored as a recipe instead, what to say
rather than the words: `{"recipe": "reminder", "offset": "15m"}`, the row's own `live_id` and
`member_id` saying which live and who. The sender words it when it sends, in the reader's language
and time zone as they are then, about the live as it is then. Rows that hold a ready-made message
(everything else, and every row written before recipes existed) are sent as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.context import CoreConfig, locale_for
from bot.core.delivery.ledger import Delivery
from bot.core.lives import views
from bot.core.messages import Button, OutMessage, Param, Raw, Text
from bot.core.ports import UnitOfWork
from bot.domain.model import Community, Live, UserRef

RECIPE = "recipe"
# The catalog key each recipe is worded with: (to the reader privately, in a space).
_WORDING = {
    "reminder": ("reminder.dm", "reminder.mention"),
    "soon": ("reminder.soon", "reminder.soon"),
    "nudge": ("reminder.nudge", "reminder.nudge"),
}


def dump_text(text: Text) -> dict[str, Any]:
    return {
        "locale": text.locale,
        "key": text.key,
        "count": text.count,
        "params": {name: _dump_param(value) for name, value in text.params.items()},
    }


def _dump_param(value: Param) -> Any:
    if isinstance(value, Text):
        return {"text": dump_text(value)}
    if isinstance(value, Raw):
        return {"raw": value.value}
    if isinstance(value, tuple):
        return {"list": [dump_text(item) for item in value]}
    return value


def load_text(data: Mapping[str, Any]) -> Text:
    params = {name: _load_param(value) for name, value in data["params"].items()}
    return Text(data["locale"], data["key"], params, data.get("count"))


def _load_param(value: Any) -> Param:
    if isinstance(value, dict):
        if "text" in value:
            return load_text(value["text"])
        if "raw" in value:
            return Raw(value["raw"])
        return tuple(load_text(item) for item in value["list"])
    assert isinstance(value, str | int)
    return value


def dump_message(message: OutMessage) -> dict[str, Any]:
    return {
        "text": dump_text(message.text),
        "buttons": [
            [{"label": dump_text(b.label), "action": b.action, "url": b.url} for b in row]
            for row in message.buttons
        ],
        "mentions": [[m.platform, m.id] for m in message.mentions],
        "thread_title": message.thread_title,
    }


def load_message(data: Mapping[str, Any]) -> OutMessage:
    rows = tuple(
        tuple(Button(load_text(b["label"]), b["action"], b["url"]) for b in row)
        for row in data["buttons"]
    )
    mentions = tuple(UserRef(p, i) for p, i in data.get("mentions", []))
    return OutMessage(load_text(data["text"]), rows, mentions, data.get("thread_title"))


def recipe(kind: str, **details: str) -> dict[str, Any]:
    """What to say (`kind`, one of the keys of `_WORDING`), worded only when sent."""
    assert kind in _WORDING, kind
    return {RECIPE: kind, **details}


def is_recipe(payload: Mapping[str, Any]) -> bool:
    return RECIPE in payload


async def messages_of(uow: UnitOfWork, rows: list[Delivery]) -> list[OutMessage | None]:
    """Each row's message as it should read now; None for a recipe about a live or a member that
    is gone (nothing to say any more)."""
    lives: dict[int, Live | None] = {}
    communities: dict[int, Community | None] = {}
    out: list[OutMessage | None] = []
    for row in rows:
        if not is_recipe(row.payload):
            out.append(load_message(row.payload))
            continue
        live = None
        if row.live_id is not None:
            if row.live_id not in lives:
                lives[row.live_id] = await uow.lives.get(row.live_id)
            live = lives[row.live_id]
        community = None
        if live is not None:
            if live.community_id not in communities:
                communities[live.community_id] = await uow.communities.get(live.community_id)
            community = communities[live.community_id]
        out.append(await _worded(uow, row, live, community))
    return out


async def _worded(
    uow: UnitOfWork, row: Delivery, live: Live | None, community: Community | None
) -> OutMessage | None:
    """A recipe in words: privately in the reader's own language and zone; in a space in the
    community's, mentioning the member it is for."""
    member = await uow.members.get(row.member_id) if row.member_id is not None else None
    if live is None or community is None or (row.member_id is not None and member is None):
        return None
    private, in_space = _WORDING[str(row.payload[RECIPE])]
    mentions: tuple[UserRef, ...] = ()
    if row.dest.private and member is not None:
        # The community is known, so the configured default is never the one used.
        locale = locale_for(member, community, CoreConfig(language=community.language))
        tz = ZoneInfo(member.timezone or community.timezone)
        key = private
    else:
        locale, tz = community.language, ZoneInfo(community.timezone)
        key = in_space
        mentions = (member.ref,) if member is not None else ()
    params: dict[str, Param] = {
        "id": live.id,
        "title": live.title,
        "when": views.when(locale, live, tz),
    }
    return OutMessage(Text(locale, key, params), mentions=mentions)
