"""The sender's bookings with the limiter (`free_in`, `book`): when a send to a chat may leave,
after the sends already booked, so that a row whose chat's window is closed goes back in the
ledger for that time instead of waiting in the limiter (`bot/core/delivery/pacing.py`). A
booking never lets a send through: the buckets and windows of `limits.py` stay the guard."""

from __future__ import annotations

from bot.adapters.limit_profiles import LimitProfile
from bot.adapters.limit_state import ChatLimits, loop_now
from bot.core.messages import Destination


class Booking:
    """The booking half of `RateLimitedPlatform` (its state is set up there)."""

    _profile: LimitProfile
    _chats: dict[str, ChatLimits]
    _booked: dict[str, float]  # chat key -> when its next send may leave
    _global_booked: float  # when the platform's next booked send may leave
    _global_paused_until: float

    def free_in(self, dest: Destination) -> float:
        """Seconds until a send to `dest` may leave, after the sends already booked and any
        pause a 429 imposed (0: now)."""
        now = loop_now()
        return max(self._chat_free(dest, now), self._global_free(now)) - now

    def book(self, dest: Destination) -> float:
        """Takes the next slot of `dest`'s chat and the platform's next one; returns seconds
        until the send may leave. The platform's slots are taken in turn from now, whatever the
        chat's wait (a send booked for later holds no other chat back). The send itself still
        passes the buckets in `send`/`edit`."""
        now = loop_now()
        chat_at, global_at = self._chat_free(dest, now), self._global_free(now)
        at = max(chat_at, global_at)
        self._booked[self._profile.chat_key(dest)] = at + self._profile.chat_interval(dest)
        self._global_booked = global_at + self._profile.overall.interval * (
            1 + self._profile.margin
        )
        return at - now

    def _chat_free(self, dest: Destination, now: float) -> float:
        key = self._profile.chat_key(dest)
        chat = self._chats.get(key)
        return max(now, self._booked.get(key, 0.0), chat.paused_until if chat else 0.0)

    def _global_free(self, now: float) -> float:
        return max(now, self._global_booked, self._global_paused_until)
