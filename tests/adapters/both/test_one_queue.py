"""Issue 6 through both fake servers at once: one community on a Discord server and two
Telegram chats, one queue of questions for every platform.

A question asked privately on Telegram gets a moderation card in the Discord moderation channel
and in the Telegram moderators' chat; a Discord moderator approves it and both cards say who;
votes from both platforms add up; the host's `/next` puts it on air in the Telegram group and
in the live's Discord thread. An insult is held and never reaches the host; two similar
questions, one per platform, are merged; muted members are refused; `/modlog` says who did what
on either platform; a proposal made on Telegram and accepted on Discord is a draft its proposer
edits and publishes. Two moderators, one per platform, pressing Approve at once: one decides.
"""

from __future__ import annotations

from typing import Any

from tests.adapters.both.world import (
    DC_ANNOUNCE,
    DC_MODERATION,
    TG_ANNOUNCE,
    TG_MODERATION,
    World,
    link_both,
)
from tests.adapters.discord.steps import answered, scheduled
from tests.adapters.discord.world import BOB, CHLOE, HUGO, MIA, NINA, labels
from tests.adapters.telegram.world import button

ALREADY = "Q{id} a déjà été traitée, sans doute par quelqu’un d’autre. Rien n’a changé."


def card_of(messages: list[dict[str, Any]], qid: int, key: str = "content") -> dict[str, Any]:
    """The moderation card of question `qid` among a channel's (or chat's) messages."""
    found = [m for m in messages if f"Question Q{qid} " in m[key]]
    assert len(found) == 1, (qid, [m[key] for m in messages])
    return found[0]


async def asked_on_telegram(world: World, who: str, line: str) -> str:
    """A Telegram member asks privately; returns the bot's answer."""
    said = await world.tg.people[who].says(line)
    assert said, f"{who} got no answer to {line!r}"
    return str(said[-1]["text"])


async def a_live_with_both_sides(world: World) -> dict[str, Any]:
    """The community spans both platforms; Hugo schedules live #1 from Discord, announced in
    the Discord channel (with its thread) and in the Telegram group."""
    await link_both(world)
    announcement = await scheduled(world.dc)
    await world.settle()
    assert any("Atelier vélo" in m["text"] for m in world.tg_group(TG_ANNOUNCE))
    for name in ("Théo", "Zoé", "Yann", "Dan", "Carl"):
        await world.tg.people[name].says("/start")  # they opened the private chat with the bot
    return announcement


async def test_one_queue_for_both_platforms(world: World) -> None:
    announcement = await a_live_with_both_sides(world)
    mia, hugo, bob, chloe, nina = (world.dc.person(p) for p in (MIA, HUGO, BOB, CHLOE, NINA))
    yann, theo = world.tg.people["Yann"], world.tg.people["Théo"]

    # Zoé asks on Telegram, anonymously: a card in both moderation spaces, with her name.
    reply = await asked_on_telegram(
        world, "Zoé", '/question live=1 anonymous=oui question="Comment débuter à vélo en ville ?"'
    )
    assert "Q1" in reply and "relue" in reply, reply
    await world.settle()
    dc_card = card_of(world.dc_channel(DC_MODERATION), 1)
    tg_card = card_of(world.tg_group(TG_MODERATION), 1, "text")
    for text in (dc_card["content"], tg_card["text"]):
        assert "Comment débuter à vélo en ville ?" in text
        assert "Zoé (anonyme pour le public)" in text
    assert labels(dc_card)[:2] == ["Approuver", "Refuser"]
    assert button(tg_card, "Approuver") == "a:1"

    # Mia approves it from Discord: both cards say so, and neither keeps its buttons.
    answered(await mia.presses("Approuver", dc_card), "Q1 est approuvée")
    await world.settle()
    dc_card = world.dc.fake.world.store[int(dc_card["id"])]
    tg_card = card_of(world.tg_group(TG_MODERATION), 1, "text")
    for text in (dc_card["content"], tg_card["text"]):
        assert "Q1 pour #1 « Atelier vélo » : approuvée par Mia" in text, text
    assert labels(dc_card) == [] and tg_card["reply_markup"] is None
    assert any(
        "Q1" in m["text"] and "est publiée" in m["text"] for m in world.tg.people["Zoé"].inbox()
    )

    # The audience sees "anonymous"; a vote from each platform: two votes.
    listed = (await yann.says("/questions 1"))[-1]
    assert "anonyme" in listed["text"] and "Zoé" not in listed["text"], listed["text"]
    voted = await yann.presses("Q1", listed)
    assert "Q1 a maintenant 1 vote." in voted[-1]["text"], voted
    shown = await bob.types("questions", live=1)
    answered(shown, "Q1 · 1 vote · anonyme")
    answered(await bob.presses("Q1", world.dc.message_of(shown)), "Q1 a maintenant 2 votes.")

    # An insult is held, with its reason, on both cards; nobody else ever sees it.
    reply = await asked_on_telegram(world, "Dan", "/question 1 Tu es un vrai connard")
    assert "Q2" in reply, reply
    await world.settle()
    insult = card_of(world.tg_group(TG_MODERATION), 2, "text")
    for text in (card_of(world.dc_channel(DC_MODERATION), 2)["content"], insult["text"]):
        assert "⚠ contient une insulte ou une injure" in text and "connard" in text
    await theo.presses("Refuser", insult, where=TG_MODERATION)
    assert "Q2 est refusée" in world.tg.fake.answers()[-1]["text"], world.tg.fake.answers()[-1]

    # Chloé asks nearly the same on Discord: her card offers the merge, Théo merges from
    # Telegram; the votes count together, both askers are told, and she may not vote on it.
    answered(await chloe.types("ask", live=1, question="Comment débuter le vélo en ville ?"), "Q3")
    await world.settle()
    similar = card_of(world.tg_group(TG_MODERATION), 3, "text")
    assert "Fusionner avec Q1" in labels(card_of(world.dc_channel(DC_MODERATION), 3))
    await theo.presses("Fusionner avec Q1", similar, where=TG_MODERATION)
    await world.settle()
    assert "fusionnée avec Q1 par Théo" in card_of(world.dc_channel(DC_MODERATION), 3)["content"]
    assert any("Q3" in m["text"] and "Q1" in m["text"] for m in world.tg.people["Zoé"].inbox())
    told = [
        m
        for channel in (DC_ANNOUNCE, int(announcement["id"]))
        for m in world.dc_channel(channel)
        if "Ta question Q3 ressemblait beaucoup à Q1" in m["content"]
    ]
    assert len(told) == 1 and world.dc.fake.pings(told[0]) == {f"user:{CHLOE}"}, told
    shown = await chloe.types("questions", live=1)
    assert "Q3" not in shown.text and "Q1 · 2 votes" in shown.text, shown.text
    own = await chloe.presses("Q1", world.dc.message_of(shown))
    assert "you can't vote for it" in own.text, own.text  # Chloé reads English
    shown = await nina.types("questions", live=1)
    answered(await nina.presses("Q1", world.dc.message_of(shown)), "Q1 a maintenant 3 votes.")

    # Muted members are refused, each with the clear message: Dan from the Telegram
    # moderators' chat, Chloé from Discord.
    muted = await theo.says("/mute @dan 2h", where=TG_MODERATION)
    assert any("Dan ne peut plus poser de questions" in m["text"] for m in muted), muted
    reply = await asked_on_telegram(world, "Dan", "/question 1 Et maintenant ?")
    assert reply.startswith("L’équipe de modération a suspendu tes questions ici jusqu’au"), reply
    answered(await mia.types("mute", member=CHLOE, length="2h"), "Chloé")
    refused = await chloe.types("ask", live=1, question="Et la pluie ?")
    assert "A moderator has paused your questions here until" in refused.text, refused.text

    # Hugo goes live and puts the best question on air, in the Telegram group and the thread.
    answered(await hugo.types("golive", live=1))
    answered(await hugo.types("next", live=1), "Q1 (3 votes)")
    await world.settle()
    thread = int(announcement["id"])
    on_air = [
        world.tg_group(TG_ANNOUNCE)[-1]["text"],
        world.dc.fake.messages(thread)[-1]["content"],
    ]
    for text in on_air:
        assert "Question à l’antenne pour #1" in text, on_air
        assert "Comment débuter à vélo en ville ?" in text and "(anonyme)" in text, text
        assert "Zoé" not in text
    everything = [m["text"] for m in world.tg_group(TG_ANNOUNCE)] + [
        m["content"] for c in (DC_ANNOUNCE, thread) for m in world.dc_channel(c)
    ]
    assert not any("connard" in text for text in everything)
    answered(await hugo.types("questions", live=1), "🎙 À l’antenne : Q1 · 3 votes")
    assert "connard" not in (await yann.says("/questions 1"))[-1]["text"]

    # Who did what, from either platform.
    log = answered(await mia.types("modlog", live=1))
    for done in (
        "Mia · a approuvé Q1",
        "Théo · a refusé Q2",
        "Théo · a fusionné Q3 avec Q1",
        "Théo · a suspendu les questions de Dan",
        "Mia · a suspendu les questions de Chloé",
        "Hugo · a mis Q1 à l’antenne",
    ):
        assert done in log, (done, log)


async def test_moderators_on_both_platforms_press_approve_at_once(world: World) -> None:
    await a_live_with_both_sides(world)
    await asked_on_telegram(world, "Zoé", "/question 1 Faut-il un casque ?")
    await world.settle()
    dc_card = card_of(world.dc_channel(DC_MODERATION), 1)
    tg_card = card_of(world.tg_group(TG_MODERATION), 1, "text")
    theo = world.tg.people["Théo"]

    # Mia presses on Discord while Théo presses on Telegram.
    world.tg.fake.push_callback(theo.id, TG_MODERATION, tg_card["message_id"], "a:1")
    said = await world.dc.person(MIA).presses("Approuver", dc_card)
    await world.tg.settle()
    toast = world.tg.fake.answers()[-1]["text"]
    answers = sorted([said.text, toast])
    assert answers == sorted(
        ["Q1 est approuvée : elle est visible par tout le monde.", ALREADY.format(id=1)]
    ), answers
    winner = "Mia" if "approuvée" in said.text else "Théo"

    await world.settle()
    dc_card = world.dc.fake.world.store[int(dc_card["id"])]
    tg_card = card_of(world.tg_group(TG_MODERATION), 1, "text")
    for text in (dc_card["content"], tg_card["text"]):
        assert f"approuvée par {winner}" in text, text
    assert labels(dc_card) == [] and tg_card["reply_markup"] is None
    told = [m for m in world.tg.people["Zoé"].inbox() if "est publiée" in m["text"]]
    assert len(told) == 1  # the asker is told once
    log = answered(await world.dc.person(MIA).types("modlog", live=1))
    assert log.count("a approuvé Q1") == 1, log


async def test_a_proposal_from_telegram_accepted_on_discord_is_a_draft_its_proposer_runs(
    world: World,
) -> None:
    await a_live_with_both_sides(world)
    carl = world.tg.people["Carl"]
    said = await carl.says(
        '/proposer title="Réparer une crevaison" description="Démonte, trouve, colle."'
    )
    assert "transmise à l’équipe de modération" in said[-1]["text"], said
    await world.settle()
    card = [m for m in world.dc_channel(DC_MODERATION) if "Réparer une crevaison" in m["content"]]
    assert len(card) == 1 and "de Carl" in card[0]["content"], card
    assert any("Réparer une crevaison" in m["text"] for m in world.tg_group(TG_MODERATION))
    answered(await world.dc.person(MIA).presses("Accepter", card[0]), "brouillon #2")
    await world.settle()
    assert any("#2" in m["text"] and "acceptée" in m["text"] for m in carl.inbox())

    # A draft: not announced until Carl, its host, sets the date and publishes it.
    before_tg, before_dc = len(world.tg_group(TG_ANNOUNCE)), len(world.dc_channel(DC_ANNOUNCE))
    said = await carl.says('/edit 2 when="2027-02-02 18:00"')
    assert "2 février 2027" in said[-1]["text"], said
    said = await carl.says("/publish 2")
    assert "#2" in said[-1]["text"], said
    await world.settle()
    for text in (
        [m["text"] for m in world.tg_group(TG_ANNOUNCE)[before_tg:]],
        [m["content"] for m in world.dc_channel(DC_ANNOUNCE)[before_dc:]],
    ):
        assert any("📣" in t and "Réparer une crevaison" in t for t in text), text


async def test_a_proposal_decided_on_one_platform_updates_its_card_on_the_other(
    world: World,
) -> None:
    await a_live_with_both_sides(world)
    await world.tg.people["Carl"].says('/proposer title="Réparer une crevaison"')
    await world.settle()
    card = [m for m in world.dc_channel(DC_MODERATION) if "Réparer une crevaison" in m["content"]]
    answered(await world.dc.person(MIA).presses("Accepter", card[0]), "brouillon #2")
    await world.settle()
    tg_card = [m for m in world.tg_group(TG_MODERATION) if "Réparer une crevaison" in m["text"]]
    assert tg_card[0]["edits"] == 1 and tg_card[0]["reply_markup"] is None, tg_card
    assert "acceptée (brouillon #2) par Mia" in tg_card[0]["text"], tg_card
    dc_card = world.dc.fake.world.store[int(card[0]["id"])]
    assert "acceptée (brouillon #2) par Mia" in dc_card["content"] and labels(dc_card) == []
