"""Updates stored before a platform is told they arrived (Telegram's inbox)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class InboxItem:
    """An update a platform sent, stored before it was confirmed to the platform."""

    id: int
    payload: str
    received_at: datetime


class InboxRepo(Protocol):
    async def add(
        self, platform: str, items: Sequence[tuple[str, str]], now: datetime
    ) -> list[tuple[str, int]]:
        """Stores (external id, payload); returns (external id, row id) of those not there yet."""
        ...

    async def pending(self, platform: str, limit: int) -> list[InboxItem]: ...
    async def take(
        self, platform: str, now: datetime, limit: int, *, mine: bool = True
    ) -> list[InboxItem]:
        """Leases to this process the unhandled updates nobody alive holds (`mine`: its own
        from before a restart too), in order."""
        ...

    async def earlier(self, platform: str, item_id: int, sender: str) -> bool:
        """Whether an update of `sender` stored before item `item_id` is still unhandled,
        whichever process holds it."""
        ...

    async def renew(self, now: datetime) -> int:
        """This process is alive: extends its leases on the updates it has not handled."""
        ...

    async def done(self, item_id: int, now: datetime) -> bool:
        """Marks it handled; False when it already was."""
        ...

    async def prune(self, before: datetime) -> int: ...
