"""A chat platform that records what it was asked to send, and can refuse on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.capabilities import DECLARED
from bot.core.messages import Destination, OutMessage, SendResult
from bot.core.ports import Capabilities, LiveEvent
from bot.i18n.catalog import render


@dataclass
class Sent:
    dest: Destination
    message: OutMessage
    key: str

    @property
    def text(self) -> str:
        return render(self.message.text)


@dataclass
class FakePlatform:
    name: str = "shell"
    sent: list[Sent] = field(default_factory=list)
    refuse_private: set[str] = field(default_factory=set)
    edits: list[Sent] = field(default_factory=list)
    # None: what the real platform of that name declares (a fake named "discord" gets Discord's).
    capabilities: Capabilities = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if self.capabilities is None:
            self.capabilities = DECLARED.get(self.name, Capabilities())

    async def send(self, dest: Destination, message: OutMessage, *, key: str) -> SendResult:
        if dest.private and dest.chat_id in self.refuse_private:
            return SendResult(False, permanent=True, reason="blocked")
        self.sent.append(Sent(dest, message, key))
        return SendResult(True, message_id=str(len(self.sent)))

    async def edit(
        self, dest: Destination, message_id: str, message: OutMessage, *, key: str
    ) -> SendResult:
        self.edits.append(Sent(dest, message, key))
        return SendResult(True, message_id=message_id)

    def to(self, chat_id: str) -> list[str]:
        """Texts sent to that chat (a member's private chat or a space), oldest first."""
        return [s.text for s in self.sent if s.dest.chat_id == chat_id]


@dataclass
class CalendarPlatform(FakePlatform):
    """A Discord-like fake: a thread on each announcement, a calendar of events per space, and
    a cap on how many events a space may hold."""

    name: str = "discord"
    cap: int = 100
    calls: list[tuple[str, str | None, LiveEvent]] = field(default_factory=list)
    events: dict[str, LiveEvent] = field(default_factory=dict)

    async def sync_event(
        self, space_id: str, event_id: str | None, event: LiveEvent, *, key: str
    ) -> SendResult:
        self.calls.append((space_id, event_id, event))
        if event_id is None:
            if len(self.events) >= self.cap:
                return SendResult(False, permanent=True, reason="event_cap")
            event_id = f"ev{len(self.events) + 1}"
        self.events[event_id] = event
        return SendResult(True, message_id=event_id)
