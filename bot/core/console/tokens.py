"""Signed console links: `payload.signature`, HMAC-SHA256 under a key kept in the database.

A token names a session (a row that can be revoked), what kind of token it is and when it
expires; nothing in it is secret, everything in it is signed. Reading a token never changes
anything: a platform fetching the link to build a preview uses nothing up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

KEY_NAME = "console"
MAX_TOKEN = 400  # characters: anything longer is not one of ours


class Kind(StrEnum):
    LINK = "l"  # in the chat message: opens the page, for a few minutes
    CONSOLE = "c"  # held by the open page: its reads and actions, for the session's life
    OVERLAY = "o"  # the streaming tool's read-only page, until the live ends


@dataclass(frozen=True)
class Claims:
    session_id: str
    kind: Kind
    expires: datetime


def new_secret() -> str:
    return secrets.token_hex(32)


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str) -> str:
    return _b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign(secret: str, claims: Claims) -> str:
    body = {"s": claims.session_id, "k": claims.kind.value, "e": int(claims.expires.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode())
    return f"{payload}.{_mac(secret, payload)}"


def read(secret: str, token: str) -> Claims | None:
    """The claims of a token we signed; None for anything else (forged, cut, garbled)."""
    if not token.isascii() or len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    payload, mac = token.split(".")
    if not hmac.compare_digest(mac, _mac(secret, payload)):
        return None
    try:
        body = json.loads(_unb64(payload))
        return Claims(str(body["s"]), Kind(body["k"]), datetime.fromtimestamp(int(body["e"]), UTC))
    except (binascii.Error, ValueError, KeyError, TypeError):  # signed by us: never, but safe
        return None
