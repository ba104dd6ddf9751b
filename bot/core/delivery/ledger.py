"""The delivery ledger's row and its repository protocol."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, Protocol

from bot.core.messages import Destination


@dataclass(frozen=True)
class Delivery:
    """One message owed to someone: a row of the ledger."""

    id: int
    key: str
    kind: str
    due_at: datetime
    dest: Destination
    payload: Mapping[str, Any]
    status: str
    attempts: int
    member_id: int | None = None
    live_id: int | None = None


class Owed(NamedTuple):
    """One message to owe (`DeliveryRepo.plan_many`): what `plan` takes, as one value. A named
    tuple: a crowd of sign-ups makes two a member, and a frozen dataclass costs ~4x to make."""

    key: str
    kind: str
    due_at: datetime
    dest: Destination
    payload: Mapping[str, Any]
    member_id: int | None
    live_id: int | None


class DeliveryRepo(Protocol):
    earliest: datetime | None  # the earliest due time of the rows owed in this unit

    async def add(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """Inserts the row unless its key exists already; True when inserted."""
        ...

    async def due(
        self, now: datetime, limit: int, platforms: Sequence[str] | None = None
    ) -> list[Delivery]: ...
    async def due_alike(
        self, row: Delivery, now: datetime, limit: int, skip: Sequence[int]
    ) -> list[Delivery]:
        """More due rows that would share `row`'s message (same kind, place, live and time)."""
        ...

    async def waiting_for(
        self, row: Delivery, until: datetime, limit: int, skip: Sequence[int]
    ) -> list[Delivery]:
        """Rows of `row`'s kind for the same chat, waiting until `until` at the latest."""
        ...

    async def defer(self, delivery_ids: Sequence[int], until: datetime) -> None:
        """Puts waiting rows back in line for `until`, without counting an attempt."""
        ...

    async def claim(self, delivery_id: int, now: datetime) -> bool: ...
    async def finish(
        self,
        delivery_id: int,
        status: str,
        now: datetime,
        message_id: str | None = None,
        reason: str | None = None,
        retry_at: datetime | None = None,
    ) -> None: ...
    async def delete_of_member(self, member_id: int) -> int: ...
    async def plan(
        self,
        key: str,
        kind: str,
        due_at: datetime,
        dest: Destination,
        payload: Mapping[str, Any],
        member_id: int | None,
        live_id: int | None,
    ) -> bool:
        """A new row, or a pending/expired one brought up to date; sent rows are never touched."""
        ...

    async def plan_many(self, rows: Sequence[Owed]) -> int:
        """`plan` for each row, in one statement (a sign-up's reminders); a key given twice is
        planned as the last says. Returns how many rows were inserted or brought up to date."""
        ...

    async def expire(
        self,
        live_id: int,
        kinds: Sequence[str],
        reason: str,
        now: datetime,
        member_id: int | None = None,
    ) -> int: ...
    async def expire_one(self, delivery_id: int, reason: str, now: datetime) -> bool: ...
    async def expire_key(self, key: str, reason: str, now: datetime) -> bool: ...
    async def next_due(self, platforms: Sequence[str] | None = None) -> datetime | None: ...
    async def recover(self, now: datetime, *, mine: bool = True) -> int:
        """Rows left "sending" by a process that died go back in line: those whose lease
        expired, and with `mine` (at start) this process's own from before it stopped."""
        ...

    async def renew(self, now: datetime) -> int:
        """This process is alive: extends its leases on the rows it is sending."""
        ...

    async def counts(self, live_id: int | None = None) -> dict[str, int]: ...
    async def plan_refresh(self, live_id: int, due_at: datetime) -> None:
        """Owes an update of the live's announcements. A refresh already pending keeps its
        earlier time (edits are spaced); one being sent is told to go again when done."""
        ...

    async def posted(self, live_id: int, kind: str) -> list[tuple[Destination, str]]:
        """Where the messages of that kind for the live were posted, with their message ids."""
        ...

    async def posted_under(self, key_prefix: str) -> list[tuple[Destination, str]]:
        """Where the messages whose keys start so were posted (every card of one question)."""
        ...
