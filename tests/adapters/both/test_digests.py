"""Issue 13 through both fake servers: when held questions come faster than a moderation space
may be written to, each space gets a digest (numbers, buttons on Telegram, pick lists on
Discord) and moderators decide by number on either platform.

The alarm clock is stopped first, so that the questions asked meanwhile are all due together
when the test's flush runs (as they are when a space's window opens during a busy live): the
digest's contents are then exactly known.
"""

from __future__ import annotations

from typing import Any

from bot.domain.model import QuestionStatus
from tests.adapters.both.test_one_queue import a_live_with_both_sides
from tests.adapters.both.world import DC_MODERATION, TG_MODERATION, World
from tests.adapters.discord.steps import answered
from tests.adapters.discord.world import GUILD, MIA
from tests.adapters.telegram.world import button

MUTED = "L’équipe de modération a suspendu tes questions ici"
ASKED = (  # (asker, question): Q1..Q7, in this order
    ("Zoé", "Comment régler les freins à disque sans outil spécial ?"),
    ("Yann", "Quelle pression pour des pneus de 28 mm en ville ?"),
    ("Dan", "Faut-il graisser la chaîne après chaque pluie ?"),
    ("Zoé", "Comment choisir un antivol vraiment solide ?"),
    ("Yann", "Peut-on réparer une chambre à air sans rustines ?"),
    ("Dan", "Quel éclairage pour rouler de nuit en campagne ?"),
    ("Carl", "Comment transporter un enfant à vélo en sécurité ?"),
)


def digests(messages: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    return [m for m in messages if "📋" in (m.get(key) or "")]


def select(message: dict[str, Any], custom_id: str) -> dict[str, Any]:
    for row in message["components"]:
        for comp in row["components"]:
            if comp.get("custom_id") == custom_id:
                return dict(comp)
    raise AssertionError(f"no select {custom_id!r} in {message['components']}")


async def status(world: World, qid: int) -> str:
    async def read(uow: Any) -> str:
        question = await uow.questions.get(qid)
        return str(question.status)

    return await world.app.store.run(read)


async def asked_together(world: World, asked: tuple[tuple[str, str], ...]) -> None:
    """Each asks privately, none answered before the next asks; then everything is sent."""
    for who, text in asked:
        person = world.tg.people[who]
        world.tg.fake.push_text(person.id, person.id, f"/question 1 {text}")
    await world.settle()


async def test_digests_decided_by_number_on_both_platforms(world: World) -> None:
    await a_live_with_both_sides(world)
    await world.app.alarm.stop()  # only the test's flushes send from here on
    tg_before = len(world.tg_group(TG_MODERATION))
    dc_before = len(world.dc_channel(DC_MODERATION))
    await asked_together(world, ASKED)

    # One digest in each moderation space, not seven cards: numbers 1-7, oldest first.
    (tg_digest,) = digests(world.tg_group(TG_MODERATION)[tg_before:], "text")
    (dc_digest,) = digests(world.dc_channel(DC_MODERATION)[dc_before:], "content")
    assert len(world.tg_group(TG_MODERATION)) == tg_before + 1
    for text in (tg_digest["text"], dc_digest["content"]):
        assert "7 questions à relire pour #1" in text, text
        for n, (_, question) in enumerate(ASKED, start=1):
            assert f"{n} · Q{n} · " in text and question[:30] in text, (n, text)
    # Telegram: an approve and a reject button per question; Discord: two pick lists.
    assert button(tg_digest, "✅ 3") == "a:3" and button(tg_digest, "❌ 7") == "r:7"
    approve = select(dc_digest, "menu:approve")
    assert [o["value"] for o in approve["options"]] == [str(n) for n in range(1, 8)]
    assert approve["max_values"] == 7 and select(dc_digest, "menu:reject")["max_values"] == 1

    # Théo approves 3, 5 and 7 by number in the Telegram moderators' chat.
    theo = world.tg.people["Théo"]
    said = await theo.says("/approuver 3 5 7", where=TG_MODERATION)
    assert "Q3, Q5, Q7" in said[-1]["text"], said
    # Mia approves 2 and 4 from the Discord digest's pick list.
    iid = world.dc.fake.choose(
        MIA, DC_MODERATION, int(dc_digest["id"]), "menu:approve", ["2", "4"], guild_id=GUILD
    )
    response = await world.dc.fake.wait_response(iid)
    assert "Q2, Q4" in str(response.data), response
    await world.settle()
    for qid in (2, 3, 4, 5, 7):
        assert await status(world, qid) == "approved", qid

    # An older number that no longer names a waiting question: refused, nothing changes.
    said = await theo.says("/approuver 1 4", where=TG_MODERATION)
    assert "Le numéro 4 (Q4) n’attend plus de décision" in said[-1]["text"], said
    assert await status(world, 1) == "pending"  # all or nothing: 1 was not approved either
    mia = world.dc.person(MIA)
    answered(await mia.types("reject", question="3"), "Le numéro 3 (Q3) n’attend plus")
    answered(await mia.types("approve", question="99"), "Aucune question ne porte le numéro 99")
    assert await status(world, 3) == "approved"

    # The next digest, after one more question: what was decided on the other platform is struck
    # there (3, 5, 7 on Discord; 2, 4 on Telegram), not by editing the old digest.
    await asked_together(world, (("Carl", "Et pour un vélo cargo, quel entretien ?"),))
    tg_next = digests(world.tg_group(TG_MODERATION)[tg_before:], "text")[-1]
    dc_next = digests(world.dc_channel(DC_MODERATION)[dc_before:], "content")[-1]
    stroke = "\u0336"
    for text in (tg_next["text"], dc_next["content"]):
        assert "8 · Q8 · Carl" in text, text
        decided = text.split("Décidées depuis le récapitulatif précédent :")[1]
        for n in (2, 3, 4, 5, 7):
            assert f"{n}{stroke} ✅" in decided, (n, decided)
        assert f"1{stroke}" not in decided and f"6{stroke}" not in decided, decided
    assert world.tg.fake.calls_of("editMessageText") == [] or all(
        int(call.params.get("message_id", 0)) != tg_digest["message_id"]
        for call in world.tg.fake.calls_of("editMessageText")
    )


async def test_mute_by_question_from_discord_mutes_a_telegram_asker(world: World) -> None:
    await a_live_with_both_sides(world)
    zoe = world.tg.people["Zoé"]
    said = await zoe.says("/question 1 Comment régler les freins à disque ?")
    assert "Q1" in said[-1]["text"], said
    mia = world.dc.person(MIA)
    answered(await mia.types("mute", question="Q1", length="2h"), "Zoé ne peut plus poser")
    said = await zoe.says("/question 1 Et les freins à tambour, alors ?")
    assert MUTED in said[-1]["text"], said

    async def count(uow: Any) -> int:
        return len(await uow.questions.by_status(1, tuple(QuestionStatus)))

    assert await world.app.store.run(count) == 1  # her second question was not taken
