"""`/console <live>` through the real dispatcher: who gets a link and which view, the link's
signed token (read without being used up, refused once forged, expired, of another live or
revoked), and what each view of the board may see."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.core.console.board import Board, Card
from bot.core.console.repositories import View
from bot.core.console.sessions import Access, Denied, check, logout, page_token
from bot.core.console.tokens import Kind
from bot.domain.model import QuestionStatus
from tests.chat import Chat, Said

BASE = "https://bot.example.org"
PAGE = frozenset({Kind.LINK, Kind.CONSOLE})


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[Chat]:
    """A community whose bot runs its web server behind a public address."""
    chat = await Chat.open(tmp_path, web=True, public_url=BASE)
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    said = await chat.as_("hugo", "host").says('/schedule title="Cuisine facile" when="demain 18h"')
    assert said.ok, said.text
    yield chat
    await chat.close()


def link_of(said: Said) -> str:
    """The console's link: on a button only (no address in the text, so no preview)."""
    assert said.ok, said.text
    urls = [b.url for m in said.reply.messages for row in m.buttons for b in row if b.url]
    assert len(urls) == 1, urls
    assert "http" not in said.text
    return urls[0]


def token_of(url: str) -> str:
    assert url.startswith(f"{BASE}/console/1/"), url
    return url.rsplit("/", 1)[1]


async def test_a_moderator_gets_a_private_link_to_the_moderators_view(web: Chat) -> None:
    said = await web.as_("mona", "moderator").says("/console 1")
    assert not said.reply.public
    assert "questions à relire arrivent en direct" in said.text and "15 minutes" in said.text
    found = await check(web.store, web.clock, token_of(link_of(said)), 1, PAGE)
    assert isinstance(found, Access), found
    assert found.view is View.MODERATOR and found.member.display_name == "Mona"


async def test_the_host_of_the_live_gets_the_hosts_view(web: Chat) -> None:
    said = await web.as_("hugo", "host").says("/console 1")
    assert "console d’animation" in said.text
    found = await check(web.store, web.clock, token_of(link_of(said)), 1, PAGE)
    assert isinstance(found, Access) and found.view is View.HOST


async def test_others_are_refused_and_get_no_link(web: Chat) -> None:
    for who in (web.as_("bob"), web.as_("hana", "host")):
        said = await who.says("/console 1")
        assert said.key == "error.not_host_of_live", said.text
        assert said.buttons() == []


async def test_a_link_is_read_as_often_as_wanted_then_expires(web: Chat) -> None:
    token = token_of(link_of(await web.as_("mona", "moderator").says("/console 1")))
    for _ in range(3):  # a platform building a preview, then the moderator: nothing used up
        assert isinstance(await check(web.store, web.clock, token, 1, PAGE), Access)
    opened = await check(web.store, web.clock, token, 1, PAGE)
    assert isinstance(opened, Access)
    kept = await page_token(web.store, web.clock, opened)  # what the open page holds
    web.clock.advance(minutes=16)
    assert await check(web.store, web.clock, token, 1, PAGE) == Denied("expired")
    assert isinstance(await check(web.store, web.clock, kept, 1, PAGE), Access)
    web.clock.advance(hours=12)
    assert await check(web.store, web.clock, kept, 1, PAGE) == Denied("expired")


async def test_ended_sessions_are_forgotten_and_their_links_still_say_expired(web: Chat) -> None:
    mona = web.as_("mona", "moderator")
    token = token_of(link_of(await mona.says("/console 1")))
    opened = await check(web.store, web.clock, token, 1, PAGE)
    assert isinstance(opened, Access)
    kept = await page_token(web.store, web.clock, opened)
    session_id = opened.session.id

    async def stored() -> object:
        return await web.store.run(lambda uow: uow.console.get(session_id))

    web.clock.advance(hours=11)
    fresh = token_of(link_of(await mona.says("/console 1")))
    assert await stored() is not None  # still open: a new link forgets nothing that works
    web.clock.advance(hours=2)
    newer = token_of(link_of(await mona.says("/console 1")))
    assert await stored() is None  # ended an hour ago: gone from the table
    assert await check(web.store, web.clock, kept, 1, PAGE) == Denied("expired")
    assert await check(web.store, web.clock, token, 1, PAGE) == Denied("expired")
    assert await check(web.store, web.clock, fresh, 1, PAGE) == Denied("expired")
    assert isinstance(await check(web.store, web.clock, newer, 1, PAGE), Access)


async def test_forged_other_live_and_revoked_tokens_are_refused(web: Chat) -> None:
    said = await web.as_("hugo", "host").says('/schedule title="Tricot" when="demain 20h"')
    assert said.ok, said.text
    token = token_of(link_of(await web.as_("mona", "moderator").says("/console 1")))
    payload, mac = token.split(".")
    forged = f"{payload}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}"
    assert await check(web.store, web.clock, forged, 1, PAGE) == Denied("forged")
    assert await check(web.store, web.clock, "garbage", 1, PAGE) == Denied("forged")
    assert await check(web.store, web.clock, token, 2, PAGE) == Denied("other_live")
    assert await check(web.store, web.clock, token, 1, frozenset({Kind.OVERLAY})) == Denied(
        "forged"
    )
    opened = await check(web.store, web.clock, token, 1, PAGE)
    assert isinstance(opened, Access)
    assert await logout(web.store, web.clock, opened)
    assert await check(web.store, web.clock, token, 1, PAGE) == Denied("revoked")


async def test_without_a_public_address_no_link_is_sent(tmp_path: Path) -> None:
    chat = await Chat.open(tmp_path, web=True, public_url=None)
    try:
        assert (await chat.as_("olga", "organizer").says("/setup")).ok
        said = await chat.as_("olga", "organizer").says('/schedule title="Vélo" when="demain 18h"')
        assert said.ok, said.text
        said = await chat.as_("olga", "organizer").says("/console 1")
        assert said.key == "console.no_public_url" and "SOLIDAIRE_PUBLIC_URL" in said.text
        assert said.buttons() == []
    finally:
        await chat.close()


async def test_an_ended_live_has_no_console(web: Chat) -> None:
    hugo = web.as_("hugo", "host")
    assert (await hugo.says("/golive 1")).ok
    assert (await hugo.says("/end 1")).ok
    said = await hugo.says("/console 1")
    assert said.key == "console.not_open", said.text


# -- the board: who sees what ---------------------------------------------------------------------


async def test_a_host_never_sees_held_questions_nor_hidden_authors(web: Chat) -> None:
    await web.as_("zoe").says('/ask live=1 anonymous=yes question="Comment débuter ?"')
    await web.as_("yann").says("/ask 1 Quel matériel faut-il ?")
    board = Board(1)
    changes = await board.refresh(web.store)
    assert [c.author for c in board.cards(View.MODERATOR)] == ["Zoe", "Yann"]
    assert board.cards(View.HOST) == []
    assert [kind for kind, _ in changes.events(board, View.HOST)] == ["live"]
    mona = web.as_("mona", "moderator")
    for q in ("Q1", "Q2"):
        assert (await mona.says(f"/approve {q}")).ok
    changes = await board.refresh(web.store)
    host = changes.events(board, View.HOST)
    authors = {item.id: item.author for kind, item in host if isinstance(item, Card)}
    assert authors == {1: None, 2: "Yann"}  # anonymous to the audience: no name for the host
    decided = [item for kind, item in changes.events(board, View.MODERATOR) if kind == "decided"]
    assert [(d.id, d.status, d.by) for d in decided] == [
        (1, QuestionStatus.APPROVED, "Mona"),
        (2, QuestionStatus.APPROVED, "Mona"),
    ]
    assert all(kind != "decided" for kind, _ in host)


async def test_mute_names_a_question_and_mutes_its_author(web: Chat) -> None:
    """What the console's Mute does: `/mute Q1`, whichever platform the asker is on."""
    await web.as_("zoe").says("/ask 1 Comment débuter ?")
    said = await web.as_("mona", "moderator").says("/mute Q1")
    assert said.ok and "Zoe" in said.text, said.text
    again = await web.as_("zoe").says("/ask 1 Et ensuite ?")
    assert again.key == "question.muted", again.text


async def test_the_on_air_pages_link_lasts_until_the_live_ends(web: Chat) -> None:
    """Read-only, its own token; a new one turns the old one off; the live's end too."""
    from bot.core.console.sessions import new_overlay

    opened = await check(
        web.store, web.clock, token_of(link_of(await web.as_("hugo", "host").says("/console 1"))),
        1, PAGE,
    )  # fmt: skip
    assert isinstance(opened, Access)
    first = await new_overlay(web.store, web.clock, opened)
    overlay = frozenset({Kind.OVERLAY})
    assert await check(web.store, web.clock, first, 1, PAGE) == Denied("forged")  # cannot act
    web.clock.advance(hours=20)  # a long stream: still valid
    assert isinstance(await check(web.store, web.clock, first, 1, overlay), Access)
    second = await new_overlay(web.store, web.clock, opened)
    assert await check(web.store, web.clock, first, 1, overlay) == Denied("revoked")
    hugo = web.as_("hugo", "host")
    assert (await hugo.says("/golive 1")).ok and (await hugo.says("/end 1")).ok
    assert await check(web.store, web.clock, second, 1, overlay) == Denied("ended")
