"""The addresses of calendars and public pages, from the bot's public base URL.

A single live's file is offered from its Details in any community, public or not: its address
carries a signature of the live's number (HMAC under a key kept in the database), so numbers
cannot be walked to read a private community's lives. A public community's lives also have
plain addresses under its page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from bot.core.messages import Text
from bot.domain.model import Community, Live

TOKEN_BYTES = 24  # a member's feed token: 192 random bits, 32 characters
TOKEN_PATTERN = r"[A-Za-z0-9_-]{32}"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def live_signature(secret: str, live_id: int) -> str:
    mac = hmac.new(secret.encode(), f"live:{live_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:12]).decode().rstrip("=")


def signature_ok(secret: str, live_id: int, given: str) -> bool:
    return hmac.compare_digest(live_signature(secret, live_id), given)


def community_page(base: str, community_id: int) -> str:
    return f"{base}/c/{community_id}"


def live_page(base: str, live: Live) -> str:
    return f"{base}/c/{live.community_id}/{live.id}"


def community_feed(base: str, community_id: int) -> str:
    return f"{base}/c/{community_id}.ics"


def personal_page(base: str, token: str) -> str:
    """The https page a chat button opens: it offers webcal://, Google and the link itself."""
    return f"{base}/cal/{token}"


def personal_feed(base: str, token: str) -> str:
    return f"{base}/cal/{token}.ics"


def live_file(base: str, live_id: int, signature: str) -> str:
    return f"{base}/ics/{live_id}/{signature}.ics"


def public_links(locale: str, base: str | None, community: Community, live: Live) -> Text | None:
    """The lines an announcement and `/live` add when the community has a public page."""
    if base is None or not community.public:
        return None
    params = {"page": live_page(base, live), "calendar": community_feed(base, community.id)}
    return Text(locale, "live.card.public", params)
