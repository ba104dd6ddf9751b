"""A press is answered as soon as its effect is committed, and by nothing that waits for the
send limits the reminders share: not its own private message, not another member's."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from tests.adapters.telegram.test_first_steps import set_up
from tests.adapters.telegram.world import ANNOUNCE, World, button

DINA = 13  # her updates and Bob's (3) shared one of the 16 lanes the inbox had


async def a_live(world: World) -> dict[str, Any]:
    await set_up(world)
    await world.people["Alice"].says('/planifier title="Atelier vélo" when="2027-01-12 18:30"')
    return next(m for m in world.group(ANNOUNCE) if "Atelier vélo" in m["text"])


def calls_to(world: World, method: str, **params: Any) -> list[int]:
    """Positions in the fake's log of the calls of `method` with those parameters."""
    return [
        i
        for i, call in enumerate(world.fake.calls)
        if call.method == method
        and all(str(call.params.get(k)) == str(v) for k, v in params.items())
    ]


async def test_a_press_is_answered_only_once_its_sign_up_is_committed(
    world: World, tmp_path: Path
) -> None:
    announcement = await a_live(world)
    bob = world.people["Bob"]
    signed_up_when_answered: list[int] = []

    def look(answer: dict[str, Any]) -> None:  # a second connection sees committed rows only
        with sqlite3.connect(tmp_path / "solidaire.sqlite3") as db:
            (count,) = db.execute(
                "SELECT count(*) FROM signups s JOIN members m ON m.id = s.member_id"
                " WHERE m.platform = 'telegram' AND m.external_id = ? AND s.status = 'confirmed'",
                (str(bob.id),),
            ).fetchone()
        signed_up_when_answered.append(count)

    world.fake.on_answer = look
    await bob.presses("Participer", announcement, where=ANNOUNCE)

    assert signed_up_when_answered == [1]


async def test_a_press_is_answered_before_the_private_message_it_announces(
    world: World,
) -> None:
    announcement = await a_live(world)
    bob = world.people["Bob"]
    await bob.says("/start")  # the bot may write to him: the details go privately

    await bob.presses("Détails", announcement, where=ANNOUNCE)

    assert "Atelier vélo" in bob.inbox()[-1]["text"]
    answers = calls_to(world, "answerCallbackQuery")
    details = calls_to(world, "sendMessage", chat_id=bob.id)
    assert answers[-1] < details[-1]  # the press was answered first, the message came after
    assert world.fake.answers()[-1]["text"]  # the answer says where to look


async def test_a_press_never_waits_for_another_members_message(world: World) -> None:
    """Dina's answer in her private chat is held by Telegram's limit on that chat (a 429 for a
    second): Bob's press, a moment later, is answered meanwhile."""
    announcement = await a_live(world)
    dina = world.person(DINA, "Dina")
    world.fake.set_status(ANNOUNCE, DINA, "member")
    bob = world.people["Bob"]
    said = await dina.says("/programme")
    card = next(m for m in said if "Atelier vélo" in m["text"])
    world.fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
        chat_id=DINA,
    )

    before = len(calls_to(world, "sendMessage", chat_id=DINA))
    world.fake.push_callback(DINA, DINA, card["message_id"], button(card, "Participer"))
    await world.fake.wait_for(lambda: len(calls_to(world, "sendMessage", chat_id=DINA)) > before)
    held = calls_to(world, "sendMessage", chat_id=DINA)[-1]  # refused: 429, retried in 1 s
    await bob.presses("Participer", announcement, where=ANNOUNCE)

    bobs_answer = calls_to(world, "answerCallbackQuery")[-1]
    dinas_answer = calls_to(world, "sendMessage", chat_id=DINA)[-1]
    assert held < bobs_answer < dinas_answer
    assert any("tu participes" in m["text"] for m in dina.inbox()[-1:])
