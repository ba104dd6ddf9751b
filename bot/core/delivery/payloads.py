"""Messages stored unrendered in the ledger: a catalog key and parameters, as JSON.

The adapter that finally sends a row escapes user text its own way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.messages import Button, OutMessage, Param, Raw, Text
from bot.domain.model import UserRef


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
