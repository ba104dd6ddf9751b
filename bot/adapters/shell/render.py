"""How the shell shows things: plain text, buttons as numbered choices."""

from __future__ import annotations

from pathlib import Path

from bot.core.messages import Button, Destination, OutMessage
from bot.i18n.catalog import render


def clean(text: str) -> str:
    """User text goes to a terminal: drop control characters (escape sequences) but keep lines."""
    return "".join(ch for ch in text if ch == "\n" or ch == "\t" or (ch >= " " and ch != "\x7f"))


def message_lines(
    message: OutMessage, first_number: int, mark: str = ""
) -> tuple[list[str], list[Button]]:
    """The message's lines, then its buttons numbered from `first_number`, each shown as what
    presses it: `[1]`, or `[!1]` while a bare number is an answer (`mark` is then "!")."""
    lines = render(message.text, clean).splitlines() or [""]
    buttons = [b for row in message.buttons for b in row]
    if buttons:
        choices = []
        for offset, button in enumerate(buttons):
            label = render(button.label, clean)
            shown = f"{label} ↗ {button.url}" if button.url else label
            choices.append(f"[{mark}{first_number + offset}] {shown}")
        lines.append("   " + "  ".join(choices))
    return lines, buttons


def where(dest: Destination) -> str:
    if dest.private:
        return f"→ {dest.chat_id}:"
    return f"[{dest.chat_id}]"


def attachment_line(path: Path, size: int) -> str:
    """`📎 data/exports/lives.csv (1.2 kB)`: where the file was written, and how big it is."""
    if size < 1000:
        shown = f"{size} B"
    elif size < 1_000_000:
        shown = f"{size / 1000:.1f} kB"
    else:
        shown = f"{size / 1_000_000:.1f} MB"
    return f"📎 {path.as_posix()} ({shown})"
