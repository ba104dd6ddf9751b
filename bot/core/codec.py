"""The one codec for everything that crosses a platform boundary: button actions and deep links.

`j:12` fits Telegram's 64-byte callback data and Discord's 100-character custom ids; deep-link
payloads (`join_12`) fit Telegram's `start` parameter alphabet `A-Za-z0-9_-`.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

# action name <-> one-letter wire code; argument names in order.
_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "join": ("j", ("live",)),
    "leave": ("l", ("live",)),
    "live": ("d", ("live",)),
    "ask": ("k", ("live",)),
    "vote": ("v", ("question",)),
    "here": ("h", ("live",)),
    "approve": ("a", ("question",)),
    "reject": ("r", ("question",)),
    "merge": ("m", ("question", "into")),
    "accept": ("p", ("proposal",)),
    "decline": ("n", ("proposal",)),
    "rate": ("t", ("live", "rating")),
    "lives": ("g", ("page", "tag")),  # tag "-": no filter
    "forgetme": ("f", ("confirm",)),
    "settings": ("s", ("field", "value")),
    "stop": ("x", ()),
    "calendar": ("y", ()),
}
_BY_CODE = {code: (name, names) for name, (code, names) in _ACTIONS.items()}
# Ids are digits; the few text arguments (a tag, a setting) are word characters. \Z, not `$`,
# which would let a trailing newline in.
_ID = re.compile(r"[0-9]{1,16}\Z")  # up to 2**53, the largest id every platform keeps exact
_WORD = re.compile(r"[\w.\-]{1,24}\Z")
_TEXT_ARGS = frozenset(
    {"tag", "field", "value", "confirm"}
)  # \Z: `$` would let a trailing newline in
_DEEP_LINKS = ("join", "ask", "live")
MAX_BYTES = 64  # Telegram's callback_data limit, the stricter of the two platforms


@dataclass(frozen=True)
class Action:
    name: str
    args: dict[str, str]


class CodecError(ValueError):
    """The data did not come from this codec (or is from an older, incompatible one)."""


def encode(name: str, *values: str | int) -> str:
    """`encode("vote", 45)` -> `v:45`; arguments are short tokens without `:`."""
    code, names = _ACTIONS[name]
    if len(values) != len(names):
        raise CodecError(f"{name} takes {len(names)} arguments")
    parts = [str(v) for v in values]
    if not _valid(names, parts):
        raise CodecError(f"bad argument for {name}")
    data = ":".join([code, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise CodecError(f"{name} does not fit in {MAX_BYTES} bytes")
    return data


def decode(data: str) -> Action:
    """Inverse of `encode`; raises CodecError on anything else."""
    code, *parts = data.split(":")
    if code not in _BY_CODE:
        raise CodecError("unknown action")
    name, names = _BY_CODE[code]
    if len(parts) != len(names) or not _valid(names, parts) or len(data.encode()) > MAX_BYTES:
        raise CodecError("bad arguments")
    return Action(name, dict(zip(names, parts, strict=True)))


def _valid(names: tuple[str, ...], parts: list[str]) -> bool:
    return all(
        (_WORD if name in _TEXT_ARGS else _ID).match(part)
        for name, part in zip(names, parts, strict=True)
    )


def deep_link(name: str, live_id: int) -> str:
    """`deep_link("join", 12)` -> `join_12`, a Telegram `start` payload."""
    if name not in _DEEP_LINKS:
        raise CodecError("unknown deep link")
    return f"{name}_{live_id}"


def parse_deep_link(payload: str) -> Action:
    """`join_12` -> Action("join", {"live": "12"}); raises CodecError on anything else."""
    match = re.fullmatch(r"(join|ask|live)_([0-9]{1,15})", payload)
    if match is None:
        raise CodecError("unknown deep link")
    return Action(match.group(1), {"live": match.group(2)})


def nonce(ledger_key: str) -> str:
    """The Discord nonce of a ledger row: the same row always gets the same nonce, so a send
    retried after a crash is shown once (Discord deduplicates a nonce for a few minutes).
    At most 25 characters, as Discord requires."""
    digest = hashlib.blake2b(ledger_key.encode(), digest_size=15).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:25]
