"""A unit of work telling the other processes on one PostgreSQL what it changed: a NOTIFY issued
in the unit's own transaction, which PostgreSQL delivers when, and only if, it commits (a unit
rolled back, or run again after a deadlock, tells nothing; a process killed just after its
commit has told already). Identical notices in one transaction are delivered once.

The listening side is `notify.PgChangeFeed`. A payload is JSON of ids and a declared name, a few
dozen bytes (PostgreSQL allows 8,000): `{"o": origin, "k": kind, "c": community, "l": live}`.
`origin` is a random name of the process's feed: a process hears its own notices too, and drops
them (its own watchers are told after the commit).
"""

from __future__ import annotations

import json

from sqlalchemy import text

from bot.core.ports import Change
from bot.storage._db import Db

CHANNEL = "solidaire_changes"
PAYLOAD_MAX = 7999  # bytes PostgreSQL accepts in a payload (8000 by default, minus one)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")


def payload(change: Change, origin: str) -> str:
    said = json.dumps(
        {"o": origin, "k": change.kind, "c": change.community_id, "l": change.live_id},
        separators=(",", ":"),
    )
    if len(said.encode()) > PAYLOAD_MAX:  # a kind is a declared name: this never happens
        raise ValueError("a change's payload is too long for NOTIFY")
    return said


class SqlChangeNotices:
    """ports.ChangeNotices: `origin` None (SQLite, or no feed) tells nobody."""

    def __init__(self, conn: Db, origin: str | None) -> None:
        self._conn = conn
        self._origin = origin
        self._told: set[Change] = set()

    async def tell(self, change: Change) -> None:
        if self._origin is None or change.elsewhere or change in self._told:
            return
        self._told.add(change)  # PostgreSQL would merge it: this saves the round trip
        await self._conn.execute(
            _NOTIFY, {"channel": CHANNEL, "payload": payload(change, self._origin)}
        )
