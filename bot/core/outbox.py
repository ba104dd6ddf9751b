"""The sending side of the delivery ledger: due rows are claimed, sent, and their outcome recorded.

Messages are stored unrendered (catalog key and parameters) so the adapter that finally sends them
escapes user text its own way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from bot.core.messages import Button, OutMessage, Param, Raw, Text
from bot.core.ports import ChatPlatform, Clock, Delivery, Store
from bot.domain.model import UserRef

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


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
    }


def load_message(data: Mapping[str, Any]) -> OutMessage:
    rows = tuple(
        tuple(Button(load_text(b["label"]), b["action"], b["url"]) for b in row)
        for row in data["buttons"]
    )
    mentions = tuple(UserRef(p, i) for p, i in data.get("mentions", []))
    return OutMessage(load_text(data["text"]), rows, mentions)


class Outbox:
    """Sends what the ledger says is due, through whichever platform each row names."""

    def __init__(self, store: Store, clock: Clock, platforms: Mapping[str, ChatPlatform]) -> None:
        self._store = store
        self._clock = clock
        self._platforms = dict(platforms)

    def add_platform(self, platform: ChatPlatform) -> None:
        self._platforms[platform.name] = platform

    async def flush(self, limit: int = 500) -> int:
        """Sends every due row once; returns how many were delivered."""
        now = self._clock.now()
        due = await self._store.run(lambda uow: uow.deliveries.due(now, limit))
        sent = 0
        for row in due:
            sent += await self._send_one(row)
        return sent

    async def _send_one(self, row: Delivery) -> int:
        platform = self._platforms.get(row.dest.platform)
        if platform is None:
            return 0  # that platform is not running in this process: the row waits for it
        if not await self._store.run(lambda uow: uow.deliveries.claim(row.id, self._clock.now())):
            return 0
        result = await platform.send(row.dest, load_message(row.payload), key=row.key)
        now = self._clock.now()
        if result.delivered:
            await self._finish(row, "sent", message_id=result.message_id)
            return 1
        if result.permanent or row.attempts + 1 >= MAX_ATTEMPTS:
            log.info("delivery %s refused: %s", row.key, result.reason)
            await self._finish(row, "refused", reason=result.reason)
            return 0
        wait = result.retry_after or min(2 ** (row.attempts + 1), 300)
        await self._finish(
            row, "pending", reason=result.reason, retry_at=now + timedelta(seconds=wait)
        )
        return 0

    async def _finish(self, row: Delivery, status: str, **outcome: Any) -> None:
        now = self._clock.now()
        await self._store.run(lambda uow: uow.deliveries.finish(row.id, status, now, **outcome))
