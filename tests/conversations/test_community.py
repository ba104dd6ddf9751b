"""Setting a community up: /setup, /link codes, /unlink, and what /help shows to each role."""

from __future__ import annotations

import pytest

from bot.core.messages import Text
from bot.core.usecases import load_all
from bot.domain.commands import COMMANDS
from bot.domain.model import Community, SpaceRole
from bot.domain.policy import shown_in_help
from bot.i18n.catalog import render
from tests.chat import ROLES, Chat, Said

load_all()

SCHEDULE = '/schedule title="Cuisine facile" when="demain 18h"'


async def community_row(chat: Chat, community_id: int = 1) -> Community:
    async with chat.store.unit() as uow:
        found = await uow.communities.get(community_id)
    assert found is not None
    return found


async def space_role(chat: Chat, space: str) -> tuple[int, SpaceRole, bool] | None:
    async with chat.store.unit() as uow:
        found = await uow.communities.space("shell", space)
    return None if found is None else (found.community_id, found.role, found.active)


def code_of(said: Said) -> str:
    code = said.reply.messages[0].text.params["code"]
    assert isinstance(code, str)
    return code


# -- /setup --------------------------------------------------------------------------------------


async def test_setup_creates_the_community_with_defaults(chat: Chat) -> None:
    said = await chat.as_("olga", "organizer").says("/setup")
    assert said.ok, said.text
    assert said.key == "setup.created"
    found = await community_row(chat)
    assert (found.language, found.timezone) == ("fr", "Europe/Paris")
    assert found.reminders == ("24h", "15m")
    assert found.premoderation is True
    assert await space_role(chat, "discord") == (1, SpaceRole.ANNOUNCE, True)
    assert "Europe/Paris" in said.text and "24h, 15m" in said.text


async def test_setup_with_a_name_and_settings_at_once(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    said = await olga.says('/setup name="Solidaire Lyon" language=en reminders=1h premoderation=no')
    assert said.key == "setup.created", said.text
    found = await community_row(chat)
    assert found.name == "Solidaire Lyon"
    assert (found.language, found.reminders, found.premoderation) == ("en", ("1h",), False)
    assert "Solidaire Lyon" in said.text


async def test_setup_again_updates_the_settings(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    said = await olga.says(
        "/setup language=english timezone=America/Montreal reminders=2h,10m premoderation=non"
    )
    assert said.ok, said.text
    assert said.key == "setup.updated"
    found = await community_row(community)
    assert found.language == "en"
    assert found.timezone == "America/Montreal"
    assert found.reminders == ("2h", "10m")
    assert found.premoderation is False
    # Olga has no language of her own: the community's new language is hers now.
    assert "Settings of" in said.text
    async with community.store.unit() as uow:
        assert len(await uow.communities.spaces(1)) == 2  # no new community, no new space


async def test_setup_again_with_nothing_changes_nothing(community: Chat) -> None:
    before = await community_row(community)
    said = await community.as_("olga", "organizer").says("/setup")
    assert said.key == "setup.updated"
    assert await community_row(community) == before


@pytest.mark.parametrize(
    ("args", "key", "shown"),
    [
        ("language=klingon", "error.bad_language", "klingon"),
        ("timezone=Mars/Olympus", "error.bad_timezone", "Mars/Olympus"),
        ("timezone=../../etc/passwd", "error.bad_timezone", "../../etc/passwd"),
        ("reminders=5x", "error.bad_reminders", "5x"),
        ("reminders=0m", "error.bad_reminders", "0m"),
        ("premoderation=peut-être", "error.bad_bool", "peut-être"),
    ],
)
async def test_each_bad_setting_has_its_own_message_and_nothing_changes(
    community: Chat, args: str, key: str, shown: str
) -> None:
    before = await community_row(community)
    # A good value given with the bad one is not saved either.
    said = await community.as_("olga", "organizer").says(f"/setup name=Autre {args}")
    assert not said.ok
    assert said.key == key, said.text
    assert shown in said.text
    assert await community_row(community) == before


async def test_bad_settings_in_a_new_place_create_nothing(chat: Chat) -> None:
    said = await chat.as_("olga", "organizer").says("/setup timezone=Nowhere")
    assert said.key == "error.bad_timezone"
    async with chat.store.unit() as uow:
        assert await uow.communities.get(1) is None
        assert await uow.communities.space("shell", "discord") is None


async def test_setup_in_a_private_chat_is_refused(chat: Chat) -> None:
    said = await chat.as_("olga", "organizer", space=None).says("/setup")
    assert not said.ok
    assert said.key == "setup.in_private"
    async with chat.store.unit() as uow:
        assert await uow.communities.get(1) is None


async def test_setup_by_a_non_organizer_is_refused(chat: Chat) -> None:
    said = await chat.as_("hugo", "host").says("/setup")
    assert said.key == "error.forbidden"
    async with chat.store.unit() as uow:
        assert await uow.communities.get(1) is None


async def test_setup_stores_the_discord_channels_and_roles(chat: Chat) -> None:
    said = await chat.as_("olga", "organizer").says(
        "/setup announce_channel=annonces moderation_channel=modos host_role=anim"
    )
    assert said.ok, said.text
    async with chat.store.unit() as uow:
        space = await uow.communities.space("shell", "discord")
    assert space is not None
    assert (space.announce_channel, space.moderation_channel, space.host_role) == (
        "annonces",
        "modos",
        "anim",
    )


# -- /link ---------------------------------------------------------------------------------------


async def test_the_link_code_is_shown_only_to_the_organizer(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    said = await olga.says("/link")
    assert said.ok and said.key == "link.code"
    assert said.reply.public is False
    code = code_of(said)
    assert len(code) == 8 and code in said.text
    assert not set(code) & set("01IO")  # nothing to misread on a phone
    assert chat.posts("discord") == []


async def test_a_code_links_once(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = code_of(await olga.says("/link"))
    said = await chat.as_("olga", "organizer", space="telegram").says(f"/link {code}")
    assert said.ok, said.text
    assert said.key == "link.done"
    assert said.reply.public is True
    assert await space_role(chat, "telegram") == (1, SpaceRole.ANNOUNCE, True)

    again = await chat.as_("olga", "organizer", space="tg2").says(f"/link {code}")
    assert not again.ok
    assert again.key == "link.bad_code"
    assert await space_role(chat, "tg2") is None


async def test_a_code_is_read_in_any_case(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = code_of(await olga.says("/link"))
    said = await chat.as_("olga", "organizer", space="telegram").says(f"/lier {code.lower()}")
    assert said.key == "link.done", said.text


async def test_a_code_expires_after_ten_minutes(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    late = code_of(await olga.says("/link"))
    in_time = code_of(await olga.says("/link"))
    chat.clock.advance(minutes=9, seconds=59)
    assert (await chat.as_("olga", "organizer", space="tg1").says(f"/link {in_time}")).ok
    chat.clock.advance(seconds=2)
    said = await chat.as_("olga", "organizer", space="tg2").says(f"/link {late}")
    assert said.key == "link.bad_code", said.text
    assert await space_role(chat, "tg2") is None


async def test_a_refused_attempt_does_not_use_the_code_up(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = code_of(await olga.says("/link"))
    said = await chat.as_("bob", space="telegram").says(f"/link {code}")
    assert said.key == "error.forbidden"
    assert await space_role(chat, "telegram") is None
    said = await chat.as_("olga", "organizer", space="telegram").says(f"/link {code}")
    assert said.key == "link.done", said.text


async def test_an_unknown_code_is_refused(chat: Chat) -> None:
    assert (await chat.as_("olga", "organizer").says("/setup")).ok
    said = await chat.as_("olga", "organizer", space="telegram").says("/link ABCDEFGH")
    assert said.key == "link.bad_code"
    assert "ABCDEFGH" in said.text


async def test_link_code_moderation_makes_a_moderation_space(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = code_of(await olga.says("/link"))
    said = await chat.as_("olga", "organizer", space="mods").says(f"/link {code} moderation")
    assert said.ok, said.text
    assert await space_role(chat, "mods") == (1, SpaceRole.MODERATION, True)
    assert render(Text("fr", "space.role.moderation")) in said.text
    # Lives are not announced in a moderation space.
    assert (await chat.as_("hugo", "host").says(SCHEDULE)).ok
    assert chat.posts("mods") == []
    assert len(chat.posts("discord")) == 1


async def test_link_in_a_private_chat_is_refused(chat: Chat) -> None:
    olga = chat.as_("olga", "organizer")
    assert (await olga.says("/setup")).ok
    code = code_of(await olga.says("/link"))
    said = await chat.as_("olga", "organizer", space=None).says(f"/link {code}")
    assert said.key == "link.in_private"
    said = await chat.as_("olga", "organizer", space="telegram").says(f"/link {code}")
    assert said.key == "link.done"  # the refusal did not use it up


async def test_a_code_without_a_community_is_refused(chat: Chat) -> None:
    said = await chat.as_("olga", "organizer").says("/link")
    assert said.key == "error.no_community"


async def test_a_place_of_another_community_cannot_be_linked(community: Chat) -> None:
    other = community.as_("oscar", "organizer", space="elsewhere")
    assert (await other.says("/setup")).ok
    code = code_of(await other.says("/link"))
    said = await community.as_("olga", "organizer").says(f"/link {code}")
    assert said.key == "link.other_community"
    assert await space_role(community, "discord") == (1, SpaceRole.ANNOUNCE, True)
    # ...and the code still works where it should.
    assert (await community.as_("oscar", "organizer", space="else2").says(f"/link {code}")).ok


async def test_a_live_is_announced_in_every_linked_announce_space(community: Chat) -> None:
    assert (await community.as_("hugo", "host").says(SCHEDULE)).ok
    assert len(community.posts("discord")) == 1
    assert len(community.posts("telegram")) == 1
    assert "Cuisine facile" in community.posts("telegram")[0]


# -- /unlink -------------------------------------------------------------------------------------


async def test_unlink_stops_posts_there(community: Chat) -> None:
    hugo = community.as_("hugo", "host")
    assert (await hugo.says(SCHEDULE)).ok
    assert len(community.posts("telegram")) == 1
    said = await community.as_("olga", "organizer", space="telegram").says("/unlink")
    assert said.ok, said.text
    assert said.key == "unlink.done"
    assert said.reply.public is True
    assert await space_role(community, "telegram") == (1, SpaceRole.ANNOUNCE, False)

    assert (await hugo.says('/schedule title="Couture" when="demain 19h"')).ok
    assert len(community.posts("telegram")) == 1  # nothing new there
    assert len(community.posts("discord")) == 2
    # The place is no longer part of the community.
    said = await community.as_("bob", space="telegram").says("/join 1")
    assert said.key == "error.no_community"


async def test_unlink_by_a_non_organizer_is_refused(community: Chat) -> None:
    said = await community.as_("mona", "moderator", space="telegram").says("/unlink")
    assert said.key == "error.forbidden"
    assert await space_role(community, "telegram") == (1, SpaceRole.ANNOUNCE, True)


async def test_unlink_where_nothing_is_linked(community: Chat) -> None:
    said = await community.as_("olga", "organizer", space="nowhere").says("/unlink")
    assert not said.ok
    assert said.key == "error.no_community"


async def test_an_unlinked_place_can_be_linked_again(community: Chat) -> None:
    olga = community.as_("olga", "organizer")
    assert (await community.as_("olga", "organizer", space="telegram").says("/unlink")).ok
    code = code_of(await olga.says("/link"))
    assert (await community.as_("olga", "organizer", space="telegram").says(f"/link {code}")).ok
    assert await space_role(community, "telegram") == (1, SpaceRole.ANNOUNCE, True)


# -- /help ---------------------------------------------------------------------------------------


def shown_commands(said: Said) -> set[str]:
    """The command words listed by /help, one line each: `/participer <live> : ...`."""
    out = set()
    for line in said.text.splitlines():
        if line.startswith("/"):
            out.add(line[1:].split()[0].rstrip(":"))
    return out


def expected(role: str, locale: str) -> set[str]:
    return {
        (spec.alias or name) if locale == "fr" else name
        for name, spec in COMMANDS.items()
        if not spec.button_only and name != "stop" and shown_in_help(name, ROLES[role])
    }


STAFF_ONLY = {
    "planifier", "publier", "modifier", "annuler", "endirect", "terminer", "suivante",
    "file", "approuver", "refuser", "fusionner", "muet", "demuet", "journal", "propositions",
    "configurer", "lier", "delier", "animateur", "retirer", "chiffres", "exporter",
}  # fmt: skip


async def test_a_member_sees_no_host_moderator_or_organizer_command(community: Chat) -> None:
    said = await community.as_("bob").says("/help")
    assert said.ok
    shown = shown_commands(said)
    assert shown == expected("member", "fr")
    assert not shown & STAFF_ONLY
    assert {"participer", "question", "reglages", "oubliemoi", "aide"} <= shown
    assert render(Text("fr", "role.member")) in said.text


async def test_an_organizer_sees_every_command(community: Chat) -> None:
    said = await community.as_("olga", "organizer").says("/aide")
    shown = shown_commands(said)
    assert STAFF_ONLY <= shown
    every = {spec.alias or n for n, spec in COMMANDS.items() if not spec.button_only}
    assert shown == every - {"arreter"}


@pytest.mark.parametrize("role", ["host", "moderator"])
async def test_hosts_and_moderators_see_their_own_commands(community: Chat, role: str) -> None:
    shown = shown_commands(await community.as_(f"x_{role}", role).says("/help"))
    assert shown == expected(role, "fr")
    if role == "host":
        assert {"planifier", "endirect", "suivante"} <= shown and "file" not in shown
        assert "configurer" not in shown
    else:
        assert {"file", "muet", "suivante"} <= shown and "planifier" not in shown


async def test_help_in_english(community: Chat) -> None:
    bob = community.as_("bob")
    assert (await bob.says("/settings language=en")).ok
    said = await bob.says("/help")
    assert shown_commands(said) == expected("member", "en")
    assert "join" in shown_commands(said)
    assert render(Text("en", "role.member")) in said.text
    assert render(Text("en", "help.privacy")) in said.text
    olga = await community.as_("olga", "organizer").says("/setup language=en")
    assert olga.ok
    said = await community.as_("olga", "organizer").says("/help")
    assert {"schedule", "setup", "queue", "link"} <= shown_commands(said)


@pytest.mark.parametrize("locale", ["fr", "en"])
async def test_help_carries_the_privacy_notice(community: Chat, locale: str) -> None:
    said = await community.as_("bob").says(f"/settings language={locale}")
    assert said.ok
    said = await community.as_("bob").says("/help")
    notice = render(Text(locale, "help.privacy"))
    assert notice in said.text
    assert "/oubliemoi" in notice or "/forgetme" in notice


async def test_help_in_a_private_chat_without_community(chat: Chat) -> None:
    said = await chat.as_("bob", space=None).says("/help")
    assert said.ok
    assert shown_commands(said) == expected("member", "fr")


async def test_help_lines_all_render_a_description(community: Chat) -> None:
    said = await community.as_("olga", "organizer").says("/help")
    for line in said.text.splitlines():
        if line.startswith("/"):
            assert "help." not in line, line  # a missing catalog key shows as itself


async def test_setup_in_a_second_group_makes_a_second_community(community: Chat) -> None:
    said = await community.as_("olga", "organizer", space="lyon").says('/setup name="Lyon"')
    assert said.ok, said.text
    assert said.key == "setup.created"
    assert (await community_row(community, 2)).name == "Lyon"
    assert await space_role(community, "lyon") == (2, SpaceRole.ANNOUNCE, True)
    assert (await community_row(community, 1)).name == "Olga"
