"""Text helpers every chat adapter needs."""

from __future__ import annotations


def split(text: str, size: int) -> list[str]:
    """Cuts at line ends where possible, a line longer than `size` hard; every part at most
    `size` characters and none empty (platforms refuse an empty message)."""
    parts: list[str] = []
    current = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:size])
            line = line[size:]
        if len(current) + len(line) > size:
            parts.append(current)
            current = ""
        current += line
    if current or not parts:
        parts.append(current)
    return [part.rstrip("\n") or "·" for part in parts]
