"""The command a typo meant: `/joni 1` -> "Tu voulais dire /participer 1 ?", by its name or any
alias; and a plain line typed in a private chat when no guided form waits for it."""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.core.context import Context
from bot.core.messages import OutMessage, Reply, Text
from bot.domain.commands import ALIASES, COMMANDS, Command, word_for

_WORD = re.compile(r"[a-z0-9_]+")
LONG_WORD = 6  # from this length two slips (`/shedul`) are forgiven; one below it (`/joni`)
SHOWN_REST = 60  # characters of what followed the typo that the suggestion repeats


def command_meant(word: str) -> Command | None:
    """The command a mistyped word most likely meant, by its name or any alias (`/joni`,
    `shedule`, `réglages`); None when nothing is close enough. Slips are counted with swaps
    as one (optimal string alignment), so `joni` is one slip from `join`."""
    typed = "".join(
        ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch)
    )
    typed = typed.lstrip("/").split("@")[0]
    if not _WORD.fullmatch(typed):
        return None
    names = {name: name for name, spec in COMMANDS.items() if not spec.button_only}
    names |= {alias: name for alias, name in ALIASES.items() if name in names}
    if typed in names:
        return COMMANDS[names[typed]]
    if len(typed) < 3:
        return None  # two letters are one slip from too many commands
    slips = 2 if len(typed) >= LONG_WORD else 1
    found = process.extractOne(typed, list(names), scorer=OSA.distance, score_cutoff=slips)
    return COMMANDS[names[found[0]]] if found is not None else None


def typed_as(spec: Command, rest: str, locale: str) -> str:
    """`/participer 1`: the command meant, as the reader types it, with what followed (its
    first line, cut short) so that it can be typed again as is."""
    first, _, more = rest.strip().partition("\n")
    tail = first.strip()
    if len(tail) > SHOWN_REST:
        tail = tail[:SHOWN_REST].rstrip() + "…"
    elif more.strip():
        tail = f"{tail} …".strip()
    return f"/{word_for(spec.name, locale)} {tail}".rstrip()


def not_an_answer(line: str, private: bool, locale: str) -> Reply:
    """A plain line when no form waits. Privately, a command typed without its slash (`join 3`)
    is pointed at; in a group plain text is the members' own conversation (the platforms keep it
    from the bot; only the shell's simulated groups pass it on), so no guess is made there."""
    word, rest = [*line.split(maxsplit=1), "", ""][:2]
    meant = command_meant(word) if private else None
    if meant is None:
        return Reply((OutMessage(Text(locale, "guide.none")),), ok=False)
    said = Text(locale, "guide.did_you_mean", {"suggestion": typed_as(meant, rest, locale)})
    return Reply((OutMessage(said),), ok=False)


def refuse_unknown(ctx: Context, command: str, raw: str | None) -> NoReturn:
    """An unknown command; one typed (`raw` given) is answered with the one it likely meant."""
    meant = command_meant(command) if raw is not None else None
    if meant is not None:
        suggestion = typed_as(meant, raw or "", ctx.locale)
        ctx.refuse("error.unknown_command_suggest", command=command, suggestion=suggestion)
    ctx.refuse("error.unknown_command", command=command[:32])
