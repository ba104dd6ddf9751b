"""Where a guided conversation waits between two answers: the database, so that the next answer
continues it on whichever process it reaches (several Telegram webhook workers behind a proxy),
and a restart in the middle no longer loses it. The state is the core's own text
(`Conversations.dump`); the repository keeps it, by person, and forgets it after a while."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.model import UserRef

# A form left unanswered this long is forgotten: the next line is not taken as its answer.
FORM_TTL = timedelta(hours=24)


class ConversationRepo(Protocol):
    async def get(self, who: UserRef, since: datetime) -> str | None:
        """The state saved for `who` at `since` or later; None if none (or older)."""
        ...

    async def put(self, who: UserRef, state: str, now: datetime) -> None:
        """Saves `who`'s state (replacing theirs); forgets every state older than FORM_TTL."""
        ...

    async def drop(self, who: UserRef) -> None: ...
