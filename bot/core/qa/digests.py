"""Digests: when held questions arrive faster than a moderation space may be written to, that
space gets one message listing the waiting ones instead of one card each.

Nothing decides "digest mode" ahead of time. The sender puts a card back in line while its
space's window is closed (Telegram: 20 messages a minute in a group, edits included; Discord: 5
every 5 s in a channel); when the window opens, every card then due for that space leaves as
one message. One card alone goes as a card; two or more go as a digest. So a quiet live gets
cards, and a busy one gets a digest each time the platform lets the bot write, whatever the
rate: up to about 30 questions a digest on Telegram (4,096 characters), 14 on Discord (2,000).

Each question listed gets a number in that space (1, 2, 3... never reused there), so a moderator
types `/approve 3 5 7` instead of question ids; decided questions are struck in the next digest
of the space (a combining stroke on their number, any platform shows it) rather than by editing
old digests, which would spend the same budget the new questions need.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core import codec
from bot.core.delivery.ledger import Delivery
from bot.core.delivery.payloads import messages_of
from bot.core.delivery.vocabulary import card_of
from bot.core.messages import Button, Menu, OutMessage, Param, Raw, Text
from bot.core.ports import Capabilities, UnitOfWork
from bot.domain.model import Question, QuestionStatus

LINE = 100  # characters of a listed question's line, about: its text is cut to fit
ROOM = 110  # characters a line may take, its number and newline included
HEAD_ROOM = 400  # the heading, the help line and the decided ones
STRUCK_MAX = 30  # decided questions shown in one digest; the rest wait for the next one
PAIRS_A_ROW = 4  # approve/reject pairs a row of buttons (8 buttons: Telegram's widest row)
BUTTONS_MAX = 100  # Telegram's buttons a message
MENU_MAX = 25  # Discord's options a select menu
AUTHOR_MAX = 24
_MARK = {"approved": "✅", "on_air": "✅", "answered": "✅", "rejected": "❌", "merged": "🔀"}


def digest_size(capabilities: Capabilities) -> int:
    """How many questions one digest lists on a platform (within its message length)."""
    return max(2, (capabilities.text_limit - HEAD_ROOM) // ROOM)


def struck(number: int) -> str:
    """`3̶` : the number with a combining long stroke on each digit (plain text everywhere)."""
    return "".join(f"{digit}\u0336" for digit in str(number))


async def claim_moderation(
    uow: UnitOfWork, rows: Sequence[Delivery], now: datetime, capabilities: Capabilities
) -> tuple[list[Delivery], OutMessage | None, bool]:
    """Claims a space's due cards and words them: `(rows sent, message, is a digest)`.

    A question decided before its card could be sent is not shown (its row expires). One
    question left, and nothing decided to strike, is sent as its card."""
    won = [row for row in rows if await uow.deliveries.claim(row.id, now)]
    waiting: list[tuple[Delivery, Question]] = []
    for row in won:
        found = card_of(row.key)
        question = await uow.questions.get(found[0]) if found else None
        if question is None or question.status is not QuestionStatus.PENDING:
            await uow.deliveries.finish(row.id, "expired", now, reason="decided before shown")
        else:
            waiting.append((row, question))
    if not waiting:
        return [], None, False
    space = card_of(waiting[0][0].key)
    assert space is not None
    space_id = space[1]
    decided = (await uow.moderation.decided_since_listed(space_id))[:STRUCK_MAX]
    if len(waiting) == 1 and not decided:
        ((row, _),) = waiting
        (message,) = await messages_of(uow, [row])
        return [row], message, False
    waiting.sort(key=lambda pair: pair[1].id)  # the oldest first: fair to whoever asked first
    numbers = await uow.moderation.number_questions(space_id, [q.id for _, q in waiting], now)
    await uow.moderation.strike(space_id, [number for number, *_ in decided], now)
    message = await _digest(uow, [q for _, q in waiting], numbers, decided, capabilities)
    return [row for row, _ in waiting], message, True


async def _digest(
    uow: UnitOfWork,
    waiting: list[Question],
    numbers: dict[int, int],
    decided: list[tuple[int, int, str, int | None]],
    capabilities: Capabilities,
) -> OutMessage:
    live = await uow.lives.get(waiting[0].live_id)
    community = await uow.communities.get(live.community_id) if live is not None else None
    locale = community.language if community is not None else "fr"
    lines = tuple([await _line(uow, locale, q, numbers[q.id]) for q in waiting])
    lives = sorted({q.live_id for q in waiting})
    params: dict[str, Param] = {"lines": lines}
    if len(lives) == 1 and live is not None:
        head = Text(locale, "digest.head", {"id": live.id, "title": live.title}, len(waiting))
    else:
        ids = Raw(", ".join(f"#{live_id}" for live_id in lives))
        head = Text(locale, "digest.head.lives", {"lives": ids}, len(waiting))
    params["head"] = head
    params["decided"] = _decided(locale, decided)
    text = Text(locale, "digest", params)
    if capabilities.menus:
        return OutMessage(text, menus=_menus(locale, waiting, numbers))
    return OutMessage(text, _buttons(locale, waiting, numbers))


async def _line(uow: UnitOfWork, locale: str, q: Question, number: int) -> Text:
    member = await uow.members.get(q.author_id) if q.author_id is not None else None
    author: Param = (
        member.display_name[:AUTHOR_MAX] if member is not None else Text(locale, "member.deleted")
    )
    if q.anonymous:
        author = Text(locale, "digest.anonymous", {"name": author})
    room = max(20, LINE - len(f"{number} · Q{q.id} · ") - AUTHOR_MAX)
    text = q.text if len(q.text) <= room else q.text[: room - 1].rstrip() + "…"
    key = "digest.line.flagged" if q.flags else "digest.line"
    return Text(locale, key, {"number": number, "id": q.id, "author": author, "text": text})


def _decided(locale: str, decided: list[tuple[int, int, str, int | None]]) -> Param:
    if not decided:
        return Raw("")
    marks = []
    for number, _, status, into in decided:
        mark = _MARK.get(status, "·")
        marks.append(f"{struck(number)} {mark}" + (f" Q{into}" if into is not None else ""))
    return Text(locale, "digest.decided", {"numbers": Raw(" · ".join(marks))})


def _buttons(
    locale: str, waiting: list[Question], numbers: dict[int, int]
) -> tuple[tuple[Button, ...], ...]:
    """An approve and a reject button for each question listed, oldest first (Telegram: at
    most 100 a message, 8 a row)."""
    pairs = []
    for q in waiting[: BUTTONS_MAX // 2]:
        n = numbers[q.id]
        pairs.append(
            (
                Button(
                    Text(locale, "digest.button.approve", {"number": n}),
                    codec.encode("approve", q.id),
                ),
                Button(
                    Text(locale, "digest.button.reject", {"number": n}),
                    codec.encode("reject", q.id),
                ),
            )
        )
    return tuple(
        tuple(b for pair in pairs[i : i + PAIRS_A_ROW] for b in pair)
        for i in range(0, len(pairs), PAIRS_A_ROW)
    )


def _menus(locale: str, waiting: list[Question], numbers: dict[int, int]) -> tuple[Menu, ...]:
    """Discord: 25 components a message, so two pick lists (approve several, reject one) of
    the oldest listed questions instead of buttons."""
    options = tuple(
        (f"{numbers[q.id]} · Q{q.id} · {q.text}"[:100], str(q.id)) for q in waiting[:MENU_MAX]
    )
    return (
        Menu("approve", Text(locale, "digest.menu.approve"), options, many=True),
        Menu("reject", Text(locale, "digest.menu.reject"), options),
    )
