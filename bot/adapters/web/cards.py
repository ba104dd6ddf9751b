"""The console's data as JSON: cards, decisions and the live, with catalog wording rendered in
the viewer's language. User text goes as JSON strings; the page shows it as text, never HTML."""

from __future__ import annotations

from typing import Any

from bot.core.console.board import Card, Decision
from bot.core.messages import Text
from bot.domain.model import Live
from bot.i18n.catalog import render


def card_json(card: Card, locale: str) -> dict[str, Any]:
    return {
        "id": card.id,
        "status": card.status.value,
        "text": card.text,
        "votes": card.votes,
        "author": card.author,
        "anonymous": card.anonymous,
        "asked_at": card.asked_at,
        "flags": [render(Text(locale, f"question.flag.{flag}")) for flag in card.flags],
        "similar": card.similar,
    }


def decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "id": decision.id,
        "status": decision.status.value,
        "by": decision.by,
        "into": decision.into,
    }


def live_json(live: Live) -> dict[str, Any]:
    return {"id": live.id, "title": live.title, "status": live.status.value}
