"""Guided conversations: a bare /schedule, /propose or /ask asks its fields one by one."""

from __future__ import annotations

from bot.core import codec
from bot.core.conversation import GUIDED
from bot.core.messages import Text
from bot.domain.model import Live
from bot.i18n.catalog import render
from tests.chat import Chat, Persona, Said


async def live(chat: Chat, live_id: int = 1) -> Live | None:
    async with chat.store.unit() as uow:
        return await uow.lives.get(live_id)


def has_stop_button(said: Said, locale: str = "fr") -> bool:
    return (render(Text(locale, "button.stop")), codec.encode("stop")) in said.buttons()


async def answer_all(who: Persona, answers: list[str]) -> list[Said]:
    return [await who.says(line) for line in answers]


async def test_bare_schedule_asks_each_field_with_a_stop_button(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    said = await hugo.says("/schedule")
    assert said.ok
    assert said.key == "guide.schedule.title"
    assert has_stop_button(said)
    keys = [said.key]
    answers = ["Cuisine facile", "2026-12-01 18:30", "90", "Les bases", "https://example.org/l"]
    for line in answers:
        said = await hugo.says(line)
        assert has_stop_button(said)
        keys.append(said.key)
    assert keys == [
        "guide.schedule.title",
        "guide.schedule.when",
        "guide.optional",  # duration
        "guide.optional",  # description
        "guide.optional",  # link
        "guide.optional",  # capacity
    ]
    assert render(Text("fr", "guide.schedule.capacity")) in said.text
    assert await live(community) is None  # nothing until the last answer
    said = await hugo.says("50")
    assert said.ok, said.text
    assert said.key == "live.scheduled"
    assert "mardi 1 décembre 2026 à 18:30" in said.text
    created = await live(community)
    assert created is not None
    assert (created.title, created.duration_min, created.description) == (
        "Cuisine facile",
        90,
        "Les bases",
    )
    assert (created.link, created.capacity) == ("https://example.org/l", 50)
    assert len(community.posts("discord")) == 1  # announced like a typed /schedule


async def test_the_french_alias_starts_the_same_form(community: Chat) -> None:
    said = await community.as_("hugo", "host").says("/planifier")
    assert said.key == "guide.schedule.title"


async def test_a_dash_skips_optional_fields(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    await hugo.says("/schedule")
    said = (await answer_all(hugo, ["Cuisine facile", "demain 18h", "-", "-", "-", "-"]))[-1]
    assert said.ok, said.text
    created = await live(community)
    assert created is not None
    assert (created.duration_min, created.description, created.link, created.capacity) == (
        60,
        "",
        None,
        None,
    )


async def test_a_dash_does_not_skip_a_required_field(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    await hugo.says("/schedule")
    said = await hugo.says("-")
    assert said.key == "guide.required"
    assert has_stop_button(said)
    said = await hugo.says("Cuisine facile")
    assert said.key == "guide.schedule.when"
    said = await hugo.says("-")
    assert said.key == "guide.required"


async def test_stop_leaves_with_nothing_created(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    await hugo.says("/schedule")
    await answer_all(hugo, ["Cuisine facile", "demain 18h"])
    said = await hugo.says("/stop")
    assert said.ok
    assert said.key == "guide.stopped"
    assert await live(community) is None
    # The form is gone: a plain line now is not an answer.
    said = await hugo.says("90")
    assert said.key == "guide.none"
    assert await live(community) is None
    assert community.posts("discord") == []


async def test_the_french_stop_alias(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    await hugo.says("/schedule")
    assert (await hugo.says("/arreter")).key == "guide.stopped"


async def test_the_stop_button_leaves_too(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    said = await hugo.says("/schedule")
    said = await hugo.presses_label(said, render(Text("fr", "button.stop")))
    assert said.key == "guide.stopped"
    assert (await hugo.says("Cuisine facile")).key == "guide.none"
    assert await live(community) is None


async def test_a_plain_line_without_conversation(community: Chat) -> None:
    said = await community.as_("bob").says("bonjour")
    assert not said.ok
    assert said.key == "guide.none"
    assert said.text == render(Text("fr", "guide.none"))


async def test_stop_without_conversation(community: Chat) -> None:
    said = await community.as_("bob").says("/stop")
    assert said.key == "guide.nothing_to_stop"
    said = await community.as_("bob").presses(codec.encode("stop"))
    assert said.key == "guide.nothing_to_stop"


async def test_each_person_has_their_own_form(community: Chat) -> None:
    hugo, hana = community.as_("hugo", "host"), community.as_("hana", "host")
    await hugo.says("/schedule")
    assert (await hana.says("Cuisine")).key == "guide.none"
    await hana.says("/schedule")
    assert (await hugo.says("Cuisine facile")).key == "guide.schedule.when"
    assert (await hana.says("Couture")).key == "guide.schedule.when"
    assert (await hana.says("/stop")).key == "guide.stopped"
    assert (await hugo.says("demain 18h")).key == "guide.optional"


async def test_a_bad_answer_is_refused_at_once_and_asked_again(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    await hugo.says("/schedule")
    await hugo.says("Cuisine facile")
    said = await hugo.says("31 février 18h")
    assert not said.ok
    assert said.key == "when.unparsed"
    assert said.reply.messages[-1].text.key == "guide.schedule.when"  # the same question again
    assert await live(community) is None
    assert (await hugo.says("2027-02-03 18:00")).key == "guide.optional"
    said = (await answer_all(hugo, ["-", "-", "-", "-"]))[-1]
    assert said.ok and await live(community) is not None


async def test_a_member_is_refused_before_the_first_question(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/schedule")
    assert not said.ok
    assert said.key == "error.forbidden"
    assert (await bob.says("Cuisine facile")).key == "guide.none"


async def test_no_form_where_there_is_no_community(chat: Chat) -> None:
    said = await chat.as_("hugo", "host", space="nowhere").says("/schedule")
    assert said.key == "error.no_community"


async def test_guided_propose(community: Chat) -> None:
    bob = community.as_("bob")
    said = await bob.says("/proposer")
    assert said.key == "guide.propose.title"
    assert has_stop_button(said)
    assert (await bob.says("Tricot pour débuter")).key == "guide.propose.description"
    said = await bob.says("Les points de base, en une heure.")
    assert said.ok, said.text
    assert said.key == "proposal.sent"
    async with community.store.unit() as uow:
        pending = await uow.proposals.pending(1)
    assert [p.title for p in pending] == ["Tricot pour débuter"]


async def test_guided_ask(community: Chat) -> None:
    assert (
        await community.as_("hugo", "host").says('/schedule title="Cuisine" when="demain 18h"')
    ).ok
    bob = community.as_("bob")
    said = await bob.says("/ask")
    assert said.key == "guide.ask.live"
    assert (await bob.says("#1")).key == "guide.ask.question"
    assert (await bob.says("Comment bien couper un oignon ?")).key == "guide.optional"
    said = await bob.says("oui")
    assert said.ok, said.text
    async with community.store.unit() as uow:
        found = await uow.questions.get(1)
    assert found is not None
    assert found.anonymous is True
    assert found.text == "Comment bien couper un oignon ?"


async def test_guided_ask_in_a_private_chat(community: Chat) -> None:
    assert (
        await community.as_("hugo", "host").says('/schedule title="Cuisine" when="demain 18h"')
    ).ok
    bob = community.as_("bob", space=None)
    assert (await bob.says("/ask")).key == "guide.ask.live"
    await bob.says("1")
    await bob.says("Comment bien couper un oignon ?")
    said = await bob.says("-")
    assert said.ok, said.text


async def test_the_form_speaks_the_members_language(community: Chat) -> None:
    bob = community.as_("bob")
    assert (await bob.says("/settings language=en")).ok
    said = await bob.says("/propose")
    assert said.text == render(Text("en", "guide.propose.title"))
    assert has_stop_button(said, "en")


def test_every_guided_field_is_a_field_of_its_command() -> None:
    from bot.core.usecases import load_all
    from bot.domain.commands import COMMANDS

    load_all()
    for command, fields in GUIDED.items():
        allowed = COMMANDS[command].shape.allowed
        for name, _ in fields:
            assert name in allowed, (command, name)
