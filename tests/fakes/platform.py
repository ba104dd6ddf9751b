"""A chat platform that records what it was asked to send, and can refuse on demand."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.messages import Destination, OutMessage, SendResult
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
