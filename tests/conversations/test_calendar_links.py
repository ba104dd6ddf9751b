"""`/calendar` (`/calendrier`) and the links to calendars and public pages in chat, through the
real dispatcher: the link is private and kept, `reset` replaces it, bad input and a bot without
a web address are refused with a clear message and change nothing; `/myschedule` and the join
confirmation lead to it; `/setup public=` and `invite=` are checked."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.core import codec
from bot.storage.web_tables import calendar_tokens
from tests.chat import Chat, Said

BASE = "https://bot.example.org"


async def web_chat(folder: Path, **config: object) -> Chat:
    chat = await Chat.open(folder, web=True, public_url=BASE, **config)
    assert (await chat.as_("olga", "organizer").says("/setup")).ok
    said = await chat.as_("hugo", "host").says('/schedule title="Cuisine facile" when="demain 18h"')
    assert said.ok, said.text
    return chat


def urls(said: Said) -> list[str]:
    return [b.url for m in said.reply.messages for row in m.buttons for b in row if b.url]


async def tokens(chat: Chat) -> list[str]:
    return await chat.store.run_sync(
        lambda c: [r[0] for r in c.execute(select(calendar_tokens.c.token))]
    )


async def test_calendar_gives_a_private_link_kept_until_reset(tmp_path: Path) -> None:
    chat = await web_chat(tmp_path)
    try:
        ann = chat.as_("ann")
        said = await ann.says("/calendrier")
        assert said.ok and not said.reply.public
        assert "agenda personnel" in said.text and "/calendrier reset" in said.text
        (first,) = urls(said)
        assert first.startswith(f"{BASE}/cal/") and len(first.rsplit("/", 1)[1]) == 32
        assert "http" not in said.text  # on a button only: no preview of a private address
        assert urls(await ann.says("/calendar")) == [first]
        reset = await ann.says("/calendar reset")
        assert reset.ok and urls(reset) != [first]
        assert len(await tokens(chat)) == 1
        refused = await ann.says("/calendar supprimer")
        assert not refused.ok and "« supprimer » : je ne connais pas" in refused.text
        assert urls(await ann.says("/calendar")) == urls(reset)  # nothing changed
    finally:
        await chat.close()


async def test_myschedule_and_the_join_confirmation_lead_to_the_calendar(tmp_path: Path) -> None:
    chat = await web_chat(tmp_path)
    try:
        ann = chat.as_("ann")
        joined = await ann.says("/join 1")
        assert ("📅 Ajouter à mon agenda", codec.encode("calendar")) in joined.buttons()
        pressed = await ann.presses(codec.encode("calendar"))
        assert pressed.ok and urls(pressed)[0].startswith(f"{BASE}/cal/")
        mine = await ann.says("/myschedule")
        assert urls(mine) == urls(pressed)
        details = await ann.says("/live 1")
        (file,) = urls(details)
        assert file.startswith(f"{BASE}/ics/1/") and file.endswith(".ics")
        assert "Page publique" not in details.text  # a private community has none
    finally:
        await chat.close()


async def test_without_a_web_address_there_is_no_calendar_link(tmp_path: Path) -> None:
    chat = await Chat.open(tmp_path, web=True)
    try:
        assert (await chat.as_("olga", "organizer").says("/setup public=oui")).ok
        said = await chat.as_("ann").says("/calendar")
        assert not said.ok and "SOLIDAIRE_PUBLIC_URL" in said.text
        assert await tokens(chat) == []
        hugo = chat.as_("hugo", "host")
        assert (await hugo.says('/schedule title="Vélo" when="demain 18h"')).ok
        joined = await chat.as_("ann").says("/join 1")
        assert joined.buttons() == [] and urls(await chat.as_("ann").says("/live 1")) == []
        off = await Chat.open(tmp_path / "off")
        assert (await off.as_("olga", "organizer").says("/setup")).ok
        said = await off.as_("ann").says("/calendar")
        assert not said.ok and "SOLIDAIRE_WEB_LISTEN" in said.text
        await off.close()
    finally:
        await chat.close()


async def test_setup_checks_public_and_invite(tmp_path: Path) -> None:
    chat = await web_chat(tmp_path)
    try:
        olga = chat.as_("olga", "organizer")
        bad = await olga.says("/setup public=peut-être")
        assert not bad.ok and "peut-être" in bad.text
        for invite in ("discord.gg/abc", "https://discord.gg/a b", "http://discord.gg/abc",
                       "https://discord.gg.evil.org/abc", "javascript:alert(1)"):  # fmt: skip
            said = await olga.says(f'/setup invite="{invite}"')
            assert not said.ok and "n’est pas une invitation Discord" in said.text, invite
        community = await chat.store.run(lambda uow: uow.communities.get(1))
        assert community is not None and not community.public and community.invite is None
        on = await olga.says(
            "/configurer public=oui invitation=https://discord.com/invite/Atelier-1"
        )
        assert on.ok and f"{BASE}/c/1" in on.text
        off = await olga.says("/setup public=no invite=-")
        assert off.ok and f"{BASE}/c/1" not in off.text
        community = await chat.store.run(lambda uow: uow.communities.get(1))
        assert community is not None and not community.public and community.invite is None
        member = await chat.as_("ann").says("/setup public=yes")
        assert not member.ok  # organizers only
    finally:
        await chat.close()
