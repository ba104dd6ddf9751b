"""The adapter's pure pieces: who holds which role, and how a message is cut and its buttons laid
out to fit Discord's limits."""

from __future__ import annotations

import discord

from bot.adapters.discord.render import LIMIT, ActionButton, parts, view
from bot.adapters.discord.roles import facts
from bot.adapters.text import split
from bot.core.delivery.staleness import MENTIONS_PER_MESSAGE
from bot.core.messages import Attachment, Button, OutMessage, Text
from bot.domain.model import Role, Space, SpaceRole, UserRef

SPACE = Space(1, 1, "discord", "42", SpaceRole.ANNOUNCE, "Atelier", True, "7", "8", "100", "200")
NOTHING = discord.Permissions.none()


def test_roles_come_from_permissions_or_from_the_roles_chosen_at_setup() -> None:
    assert facts(NOTHING, set(), SPACE) == frozenset()
    assert facts(discord.Permissions(manage_guild=True), set(), SPACE) == {Role.ORGANIZER}
    assert facts(discord.Permissions(manage_events=True), set(), SPACE) == {Role.HOST}
    assert facts(NOTHING, {100}, SPACE) == {Role.HOST}
    assert facts(discord.Permissions(manage_messages=True), set(), SPACE) == {Role.MODERATOR}
    assert facts(NOTHING, {200, 300}, SPACE) == {Role.MODERATOR}
    assert facts(NOTHING, {100, 200}, None) == frozenset()  # a server not set up: no roles


def test_a_long_message_is_cut_at_line_ends_within_2000_characters() -> None:
    text = "\n".join(f"ligne {n} " + "x" * 90 for n in range(50))
    cut = split(text, LIMIT)
    assert len(cut) == 3 and all(len(c) <= 2000 for c in cut)
    assert "\n".join(cut) == text


async def test_buttons_on_the_last_part_and_more_rows_than_discord_shows_are_packed() -> None:
    # (async: discord.py views belong to a running event loop, as the bot's always do)
    votes = tuple((Button(Text("fr", "button.vote", {"id": n}), f"v:{n}"),) for n in range(1, 21))
    message = OutMessage(Text("fr", "discord.done"), votes, (UserRef("discord", "5" * 18),))
    shown = parts(message)
    laid = shown[-1].view()
    assert laid is not None and laid.is_finished()  # never kept by discord.py
    rows = laid.to_components()
    assert [len(r["components"]) for r in rows] == [5, 5, 5, 5]
    assert all(isinstance(i, ActionButton) for i in laid.children)
    assert view(()) is None


def test_a_file_goes_with_the_last_part_and_is_fresh_each_time() -> None:
    csv = Attachment("lives.csv", b"id,title\r\n#1,Atelier\r\n")
    long = "\n".join("x" * 100 for _ in range(30))
    shown = parts(OutMessage(Text("fr", "discord.setup.missing", {"channel": long, "permissions": "-"}), attachment=csv))  # fmt: skip
    assert [p.attachment for p in shown] == [None, csv]
    first, again = shown[-1].file(), shown[-1].file()
    assert first is not None and again is not None and first is not again
    assert (first.filename, first.fp.read()) == ("lives.csv", csv.content)


def test_a_batch_of_reminder_mentions_fits_one_message() -> None:
    """The ledger batches a thread's reminders so that each batch is one Discord message, even
    with the newest (19-digit) ids and a long title: 2,000 members make 27 messages, not 46."""
    title = "Initiation à la soudure à l’étain pour les grands débutants"  # 60 characters
    when = "mardi 12 janvier 2027 à 18:30 (heure de Paris)"
    text = Text("fr", "reminder.mention", {"id": 1234, "title": title, "when": when})
    members = tuple(UserRef("discord", str(10**18 + n)) for n in range(MENTIONS_PER_MESSAGE))
    assert len(parts(OutMessage(text, mentions=members))) == 1
